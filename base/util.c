#include <inttypes.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

static void *check_alloc(void *p)
{
	if (!p) {
		static const char msg[] = "hull: out of memory\n";
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		abort();
	}
	return p;
}

void *hull_xmalloc(size_t n) { return check_alloc(malloc(n ? n : 1)); }
void *hull_xcalloc(size_t n, size_t size) { return check_alloc(calloc(n ? n : 1, size ? size : 1)); }
void *hull_xrealloc(void *p, size_t n) { return check_alloc(realloc(p, n ? n : 1)); }
char *hull_xstrdup(const char *s) { return s ? check_alloc(strdup(s)) : NULL; }
char *hull_xstrndup(const char *s, size_t n) { return check_alloc(strndup(s, n)); }

char *hull_xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return check_alloc(r < 0 ? NULL : s);
}

int hull_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int hull_read_file_at(int dirfd, const char *path, char **buf, size_t *len, struct hull_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hull_syserr(err, errno, "%s", path);
	size_t cap = 4096, n = 0;
	_cleanup_free_ char *b = hull_xmalloc(cap);
	for (;;) {
		if (cap - n < 2) {
			cap *= 2;
			b = hull_xrealloc(b, cap);
		}
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return hull_syserr(err, errno, "%s: read", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = 0;
	*buf = steal_ptr(b);
	if (len)
		*len = n;
	return 0;
}

int hull_write_file_at(int dirfd, const char *path, const char *data, size_t len,
		       struct hull_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hull_syserr(err, errno, "%s", path);
	ssize_t n;
	do
		n = write(fd, data, len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		/* The value in one line: a cgroup file's own newline ends it. */
		int e = errno, shown = (int)(len > 64 ? 64 : len);
		while (shown > 0 && (data[shown - 1] == '\n' || data[shown - 1] == '\r'))
			shown--;
		char v[65];
		for (int i = 0; i < shown; i++)
			v[i] = (unsigned char)data[i] < 0x20 ? ' ' : data[i];
		v[shown] = 0;
		return hull_syserr(err, e, "%s: write \"%s\"", path, v);
	}
	if ((size_t)n != len)
		return hull_errf(err, EIO, "%s: short write", path);
	return 0;
}

int hull_write_atomic_at(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
			 struct hull_err *err)
{
	_cleanup_free_ char *tmp = hull_xasprintf(".%s.%d.tmp", name, (int)getpid());
	_cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return hull_syserr(err, errno, "%s", name);
	int r = hull_write_all(fd, data, len);
	if (r < 0) {
		unlinkat(dirfd, tmp, 0);
		return hull_syserr(err, -r, "%s: write", name);
	}
	if (close(steal_fd(fd)) < 0) {
		r = errno;
		unlinkat(dirfd, tmp, 0);
		return hull_syserr(err, r, "%s: write", name);
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = errno;
		unlinkat(dirfd, tmp, 0);
		return hull_syserr(err, r, "%s: rename", name);
	}
	return 0;
}

int hull_mkdir_p(const char *path, mode_t mode, struct hull_err *err)
{
	_cleanup_free_ char *p = hull_xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == 0) {
			char c = *s;
			*s = 0;
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				return hull_syserr(err, errno, "%s", p);
			*s = c;
			if (!c)
				break;
		}
	}
	return 0;
}

int hull_parse_i64(const char *s, int64_t *out)
{
	char *end;
	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int hull_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

uint64_t hull_proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* comm may hold spaces and parentheses: fields start after the last ')' */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	/* p points at the space before field 3; start time is field 22 */
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return 0;
	return strtoull(p + 1, NULL, 10);
}

/* As Go's time.RFC3339Nano, which runc uses: trailing zeros of the fraction
 * are dropped, and so is the fraction when it is zero. */
void hull_format_rfc3339(int64_t sec, int32_t nsec, char buf[40])
{
	struct tm tm;
	time_t t = (time_t)sec;
	if (nsec < 0 || nsec > 999999999)
		nsec = 0;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, 40, "%" PRId64, sec);
		return;
	}
	size_t n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	if (nsec) {
		char frac[16];
		snprintf(frac, sizeof(frac), ".%09d", (int)nsec);
		size_t l = strlen(frac);
		while (frac[l - 1] == '0')
			frac[--l] = 0;
		snprintf(buf + n, 40 - n, "%sZ", frac);
	} else {
		snprintf(buf + n, 40 - n, "Z");
	}
}

uint64_t hull_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void hull_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
