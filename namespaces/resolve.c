/* Paths inside the container's root, resolved by the kernel (openat2
 * RESOLVE_IN_ROOT) so that no symlink in the rootfs can point a mount or a
 * creation at the host. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

#define MAX_SYMLINKS 40
/* Bounds the walk when something keeps changing the tree under us. */
#define MAX_STEPS 4096

const char *hull_fd_path(char buf[HULL_FD_PATH_LEN], int fd)
{
	snprintf(buf, HULL_FD_PATH_LEN, "/proc/self/fd/%d", fd);
	return buf;
}

static int open_in_root(int rootfd, const char *path, bool no_symlinks)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (no_symlinks ? RESOLVE_NO_SYMLINKS : 0),
	};
	int fd, tries = 0;
	/* EAGAIN: a rename raced with a ".." lookup; the kernel asks to retry. */
	do
		fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN && ++tries < 32);
	return fd < 0 ? -errno : fd;
}

struct comps {
	char **v;
	size_t n, cap;
};

static void comps_free(struct comps *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

static void comps_push(struct comps *c, const char *s, size_t len)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = hull_xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = hull_xstrndup(s, len);
}

/* Splits on "/", dropping empty and "." components (".." stays: the kernel
 * resolves it against the real parent, clamped at the root). */
static void comps_split(struct comps *c, const char *path)
{
	while (*path) {
		size_t len = strcspn(path, "/");
		if (len > 0 && !(len == 1 && path[0] == '.'))
			comps_push(c, path, len);
		path += len;
		while (*path == '/')
			path++;
	}
}

static char *comps_join(const struct comps *c, size_t n)
{
	size_t len = 2;
	for (size_t i = 0; i < n; i++)
		len += strlen(c->v[i]) + 1;
	char *s = hull_xmalloc(len), *p = s;
	*p = 0;
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "/" : "", c->v[i]);
	if (n == 0)
		strcpy(s, ".");
	return s;
}

static int create_one(int parentfd, const char *name, bool dir)
{
	if (dir) {
		if (mkdirat(parentfd, name, 0755) < 0 && errno != EEXIST)
			return -errno;
		return 0;
	}
	int fd = openat(parentfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
			0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	close(fd);
	return 0;
}

int hull_resolve(int rootfd, const char *path, enum hull_resolve_mode mode)
{
	bool nofollow = mode & HULL_RESOLVE_NO_SYMLINKS;
	mode &= ~HULL_RESOLVE_NO_SYMLINKS;
	int fd = open_in_root(rootfd, path, nofollow);
	if (fd != -ENOENT || mode == HULL_RESOLVE_EXISTING)
		return fd;

	__attribute__((cleanup(comps_free))) struct comps c = {0};
	comps_split(&c, path);
	if (c.n == 0)
		return -ENOENT;

	_cleanup_close_ int parent = open_in_root(rootfd, ".", false);
	if (parent < 0)
		return parent;
	size_t i = 0;
	int links = 0;
	for (int steps = 0; steps < MAX_STEPS; steps++) {
		_cleanup_free_ char *prefix = comps_join(&c, i + 1);
		fd = open_in_root(rootfd, prefix, nofollow);
		if (fd >= 0) {
			if (i + 1 == c.n)
				return fd;
			close(parent);
			parent = fd;
			i++;
			continue;
		}
		if (fd != -ENOENT)
			return fd;

		/* c.v[i] is missing in parent, or is a symlink to something missing. */
		char target[PATH_MAX];
		ssize_t tlen = readlinkat(parent, c.v[i], target, sizeof(target) - 1);
		if (tlen >= 0) {
			if (nofollow || ++links > MAX_SYMLINKS)
				return -ELOOP;
			target[tlen] = 0;
			struct comps next = {0};
			if (target[0] != '/')
				for (size_t k = 0; k < i; k++)
					comps_push(&next, c.v[k], strlen(c.v[k]));
			comps_split(&next, target);
			for (size_t k = i + 1; k < c.n; k++)
				comps_push(&next, c.v[k], strlen(c.v[k]));
			comps_free(&c);
			c = next;
			if (c.n == 0)
				return open_in_root(rootfd, ".", false);
			/* Start over from the root: the target may contain "..". */
			close(parent);
			parent = open_in_root(rootfd, ".", false);
			if (parent < 0)
				return parent;
			i = 0;
			continue;
		}
		if (errno == EINVAL)
			continue;	/* it appeared meanwhile; look again */
		if (errno != ENOENT)
			return -errno;
		int r = create_one(parent, c.v[i], i + 1 < c.n || mode == HULL_RESOLVE_DIR);
		if (r < 0)
			return r;
	}
	return -ELOOP;
}

int hull_resolve_parent(int rootfd, const char *path, bool mkdir, char **base)
{
	_cleanup_free_ char *p = hull_xstrdup(path);
	size_t len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = 0;
	char *slash = strrchr(p, '/');
	const char *name = slash ? slash + 1 : p;
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	*base = hull_xstrdup(name);
	if (slash)
		*slash = 0;
	int fd = hull_resolve(rootfd, slash ? p : ".", mkdir ? HULL_RESOLVE_DIR : HULL_RESOLVE_EXISTING);
	if (fd < 0) {
		free(*base);
		*base = NULL;
	}
	return fd;
}
