/* Helpers of the attacks suite; see attacks.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attacks.h"

double atk_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* printf onto the end of buf (cap bytes), never past it. */
void atk_appendf(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(buf);
	if (len + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

void atk_put_file(const char *path, const char *s, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	size_t len = strlen(s);
	ck_assert_int_eq(write(fd, s, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* The whole of a file (NULL if missing); *len its size. */
char *atk_slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	char *buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	buf[got] = 0;
	close(fd);
	*len = got;
	return buf;
}

/* Runs argv (NULL-terminated), stdout and stderr to one memfd; its exit code
 * and, in *output, what it printed. */
static int run_capture(char *const argv[], char **output)
{
	int fd = memfd_create("ht-atk", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(126);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	*output = ht_slurp_fd(fd);
	close(fd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Compiles the C program src into out: cc FLAGS -o out out.c. */
void atk_compile(const char *src, const char *out, const char *const *flags)
{
	char cfile[4400];
	snprintf(cfile, sizeof(cfile), "%s.c", out);
	atk_put_file(cfile, src, 0644);
	char *argv[32];
	size_t n = 0;
	argv[n++] = "/usr/bin/cc";
	for (; *flags && n < 26; flags++)
		argv[n++] = (char *)*flags;
	argv[n++] = "-o";
	argv[n++] = (char *)out;
	argv[n++] = cfile;
	argv[n] = NULL;
	char *msg;
	int st = run_capture(argv, &msg);
	ck_assert_msg(st == 0, "cc %s: exit %d\n%s", cfile, st, msg);
	free(msg);
	unlink(cfile);
}

void atk_copy_file(const char *from, const char *to, mode_t mode)
{
	size_t len;
	char *buf = atk_slurp(from, &len);
	ck_assert_msg(buf != NULL, "%s: %s", from, strerror(errno));
	unlink(to);
	int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ck_assert_msg(fd >= 0, "%s: %s", to, strerror(errno));
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	free(buf);
}

void atk_make_fifo(struct ht *t, const char *name)
{
	char path[200];
	snprintf(path, sizeof(path), "%s/sync/%s", t->bundle, name);
	ck_assert_int_eq(mkfifo(path, 0666), 0);
}

/* A reader of the fifo sync/NAME (see ht_add_sync), opened before the
 * container may write: a writer then finds it at once. */
int atk_fifo_reader(struct ht *t, const char *name)
{
	char path[200];
	snprintf(path, sizeof(path), "%s/sync/%s", t->bundle, name);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	return fd;
}

/* Everything writers put into the fifo until the last one closed it, or
 * what came within timeout_ms (NULL if nothing did). Closes fd. */
char *atk_fifo_read_all(int fd, int timeout_ms)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	bool got = false;
	double end = atk_now_s() + timeout_ms / 1000.0;
	for (;;) {
		int left = (int)((end - atk_now_s()) * 1000);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, left) != 1)
			break;
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n > 0) {
			len += (size_t)n;
			got = true;
			if (len == cap - 1)
				break;
		} else if (n == 0) {
			got = true;	/* a writer came and went */
			break;
		} else if (errno != EAGAIN && errno != EINTR) {
			break;
		}
	}
	close(fd);
	buf[len] = 0;
	if (!got) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Writes s to the fifo sync/NAME, whose reader must be open already. */
bool atk_fifo_tell(struct ht *t, const char *name, const char *s)
{
	char path[200];
	snprintf(path, sizeof(path), "%s/sync/%s", t->bundle, name);
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s);
}

/* A failed hull command as the issue wants it: exit 1, one line "hull: ...". */
bool atk_clean_error(const struct ht_result *r)
{
	size_t len = strlen(r->err);
	return r->status == 1 && !strncmp(r->err, "hull: ", 6) && len > 6 &&
	       strchr(r->err, '\n') == r->err + len - 1;
}

/* `delete --force` of t's container, then ht_finish(). */
void atk_delete_and_finish(struct ht *t)
{
	ht_ok(t, "delete", "--force", t->id, NULL);
	ht_finish(t);
}

/* The first line of s, for messages. */
const char *atk_line1(const char *s, char *buf, size_t cap)
{
	snprintf(buf, cap, "%.*s", (int)strcspn(s, "\n"), s);
	return buf;
}

/* The number after "key=" in s (at its start or after a space), or -1. */
long atk_field(const char *s, const char *key)
{
	char k[64];
	int len = snprintf(k, sizeof(k), " %s=", key);
	const char *v = NULL;
	if (!strncmp(s, k + 1, (size_t)len - 1))
		v = s + len - 1;
	else if ((v = strstr(s, k)))
		v += len;
	return v ? strtol(v, NULL, 10) : -1;
}

/* The files in dir (not . nor ..) whose names begin with prefix. */
unsigned atk_files_named(const char *dir, const char *prefix)
{
	unsigned n = 0;
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}
