/* The container's cgroup path: checking linux.cgroupsPath, creating the
 * directories (remembering which ones hull made) and removing them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

#define BUSY_POLL_MS 10

int hull_cg_path_normalize(const char *cgroups_path, const char *id, char **out, bool *abs,
			   struct hull_err *err)
{
	_cleanup_free_ char *dflt = NULL;
	const char *p = cgroups_path;
	if (!p || !*p) {
		if (!id || !*id || strchr(id, '/'))
			return hull_errf(err, EINVAL, "cgroup: invalid container id \"%s\"", id ? id : "");
		p = dflt = hull_xasprintf("hull/%s", id);
	}
	size_t colons = 0;
	for (const char *c = p; *c; c++)
		colons += *c == ':';
	/* runc reads "slice:prefix:name" as a systemd unit only with
	   --systemd-cgroup; without it such a path is a mistake, not a
	   directory with colons in its name. */
	if (colons == 2 && !strchr(p, '/'))
		return hull_errf(err, EINVAL, "linux.cgroupsPath: %s: a systemd path (slice:prefix:name) needs "
				 "--systemd-cgroup", p);

	*abs = p[0] == '/';
	size_t len = strlen(p);
	char *o = hull_xmalloc(len + 1);
	size_t n = 0;
	for (const char *s = p; *s;) {
		const char *e = strchrnul(s, '/');
		size_t cl = (size_t)(e - s);
		if (cl == 2 && !strncmp(s, "..", 2)) {
			free(o);
			return hull_errf(err, EINVAL, "linux.cgroupsPath: %s: \"..\" is not allowed", p);
		}
		if (cl > 0 && !(cl == 1 && s[0] == '.')) {
			if (n)
				o[n++] = '/';
			memcpy(o + n, s, cl);
			n += cl;
		}
		s = *e ? e + 1 : e;
	}
	o[n] = 0;
	if (!n) {
		free(o);
		return hull_errf(err, EINVAL, "linux.cgroupsPath: %s: names no cgroup below the root", p);
	}
	*out = o;
	return 0;
}

unsigned hull_cg_path_depth(const char *path)
{
	unsigned n = 0;
	for (const char *p = path; *p; p++)
		if (*p != '/' && (p == path || p[-1] == '/'))
			n++;
	return n;
}

static void undo_mkdir(char *full, size_t base_len, unsigned made)
{
	for (; made > 0; made--) {
		rmdir(full);
		char *slash = strrchr(full + base_len, '/');
		if (!slash)
			break;
		*slash = 0;
	}
}

static int mkdir_once(struct hull_cg_hier *h, bool *raced, struct hull_err *err)
{
	_cleanup_free_ char *full = hull_xasprintf("%s%s", h->mountpoint, h->path);
	size_t base = strlen(h->mountpoint);
	unsigned made = 0;
	/* The plan's count said what may be made; from here on it says what
	 * was, even on failure (a level another process made meanwhile is not
	 * ours to remove). */
	h->created = 0;
	for (char *s = full + base + 1;; s++) {
		if (*s != '/' && *s != 0)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(full, 0755) == 0) {
			made++;
		} else if (errno == ENOENT && made == 0) {
			/* Another container's delete removed a shared parent
			   between two of our mkdirs. */
			*raced = true;
			return -ENOENT;
		} else if (errno != EEXIST || made) {
			int e = errno;
			char label[512];
			int r = hull_syserr(err, e, "%s: mkdir %s", hull_cg_label(h, label, sizeof(label)), full);
			/* full names the dir that failed; undo from its parent. */
			char *slash = strrchr(full + base, '/');
			if (slash)
				*slash = 0;
			undo_mkdir(full, base, made);
			return r;
		}
		*s = c;
		if (!c)
			break;
	}
	h->created = made;
	return 0;
}

int hull_cg_mkdir(struct hull_cg_hier *h, struct hull_err *err)
{
	char label[512];
	bool raced = false;
	int r;
	for (int tries = 0; tries < 5; tries++) {
		raced = false;
		r = mkdir_once(h, &raced, err);
		if (!raced)
			break;
	}
	if (raced)
		return hull_syserr(err, ENOENT, "%s: mkdir %s", hull_cg_label(h, label, sizeof(label)), h->dir);
	if (r < 0)
		return r;
	if (h->dirfd >= 0)
		close(h->dirfd);
	h->dirfd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (h->dirfd < 0) {
		r = hull_syserr(err, errno, "%s: %s", hull_cg_label(h, label, sizeof(label)), h->dir);
		hull_cg_remove(h, 0, -1, NULL);
		return r;
	}
	return 0;
}

DIR *hull_cg_opendir(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

bool hull_cg_is_child(const struct dirent *de)
{
	return de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
}

/* Removes dir and the cgroups below it (a container may make its own). */
static int remove_tree(int parentfd, const char *name, const char *dir, uint64_t deadline,
		       struct hull_err *err)
{
	for (;;) {
		_cleanup_closedir_ DIR *d = hull_cg_opendir(parentfd, name);
		if (!d)
			return errno == ENOENT ? 0 : hull_syserr(err, errno, "%s", dir);
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!hull_cg_is_child(de))
				continue;
			_cleanup_free_ char *sub = hull_xasprintf("%s/%s", dir, de->d_name);
			int r = remove_tree(dirfd(d), de->d_name, sub, deadline, err);
			if (r < 0)
				return r;
		}
		if (unlinkat(parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		/* EBUSY: processes that got SIGKILL still leave the cgroup. */
		if (errno != EBUSY || hull_now_ns() >= deadline)
			return hull_syserr(err, errno, "rmdir %s", dir);
		hull_sleep_ms(BUSY_POLL_MS);
	}
}

int hull_cg_remove(struct hull_cg_hier *h, uint64_t deadline, int registry, struct hull_err *err)
{
	if (h->dirfd >= 0) {
		close(h->dirfd);
		h->dirfd = -1;
	}
	if (h->created == 0)
		return 0;
	char label[512];
	int r = remove_tree(AT_FDCWD, h->dir, h->dir, deadline, err);
	if (r < 0) {
		hull_err_prefix(err, "%s", hull_cg_label(h, label, sizeof(label)));
		return r;
	}
	_cleanup_free_ char *p = hull_xstrdup(h->dir);
	size_t base = strlen(h->mountpoint);
	for (unsigned i = 1; i < h->created; i++) {
		char *slash = strrchr(p + base, '/');
		if (!slash || slash == p + base)
			break;
		*slash = 0;
		if (rmdir(p) == 0 || errno == ENOENT) {
			hull_cg_parent_unmark(registry, p);
			continue;
		}
		/* A parent hull made is shared by every container below it:
		   while another one lives there, it stays. One we may not
		   remove (a rootless hull under root's parent) is not ours. */
		if (errno == EBUSY || errno == ENOTEMPTY || errno == EACCES || errno == EPERM)
			break;
		return hull_syserr(err, errno, "%s: rmdir %s", hull_cg_label(h, label, sizeof(label)), p);
	}
	h->created = 0;
	return 0;
}
