/* tmpcopyup: a fresh tmpfs gets a copy of the directory it covers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "internal.h"

static int copy_tree(int from_dir, int to_dir, int depth);

static int copy_data(int from, int to)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(to, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			off += w;
		}
	}
}

static int copy_attrs(int dir, const char *name, const struct stat *st)
{
	if (fchownat(dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISLNK(st->st_mode) && fchmodat(dir, name, st->st_mode & 07777, 0) < 0)
		return -errno;
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int copy_entry(int from, int to, const char *name, const struct stat *st, int depth)
{
	int r;
	if (S_ISDIR(st->st_mode)) {
		if (mkdirat(to, name, 0700) < 0 && errno != EEXIST)
			return -errno;
		_cleanup_close_ int sf = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int df = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sf < 0 || df < 0)
			return -errno;
		if (depth > 128)
			return -ELOOP;
		if ((r = copy_tree(sf, df, depth + 1)) < 0)
			return r;
	} else if (S_ISREG(st->st_mode)) {
		_cleanup_close_ int sf = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (sf < 0)
			return -errno;
		_cleanup_close_ int df = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (df < 0)
			return -errno;
		if ((r = copy_data(sf, df)) < 0)
			return r;
	} else if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(from, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = 0;
		if (symlinkat(target, to, name) < 0)
			return -errno;
	} else if (mknodat(to, name, st->st_mode, st->st_rdev) < 0) {
		return -errno;
	}
	return copy_attrs(to, name, st);
}

static int copy_tree(int from_dir, int to_dir, int depth)
{
	int fd = dup(from_dir);
	if (fd < 0)
		return -errno;
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	rewinddir(d);
	struct dirent *e;
	while ((errno = 0, e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(from_dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		int r = copy_entry(from_dir, to_dir, e->d_name, &st, depth);
		if (r < 0)
			return r;
	}
	return errno ? -errno : 0;
}

int hull_copyup(int from_dir, int to_dir)
{
	int r = copy_tree(from_dir, to_dir, 0);
	if (r < 0)
		return r;
	struct stat st;
	if (fstat(from_dir, &st) < 0)
		return -errno;
	/* the tmpfs root takes the covered directory's mode and owner */
	if (fchown(to_dir, st.st_uid, st.st_gid) < 0 || fchmod(to_dir, st.st_mode & 07777) < 0)
		return -errno;
	return 0;
}
