/* Where an exec'd process goes when not simply into the container's
 * cgroup: a sub-cgroup the caller names (exec --cgroup), or, on cgroup v2,
 * the cgroup of the init when the container's own cgroup takes no process
 * (it enabled controllers for children of its own: systemd, docker in
 * docker, kind), as runc does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

static bool safe_sub(const char *p)
{
	if (!*p || *p == '/')
		return false;
	for (const char *s = p; *s;) {
		const char *e = strchrnul(s, '/');
		if ((e - s == 2 && !strncmp(s, "..", 2)) || e == s)
			return false;
		s = *e ? e + 1 : e;
	}
	return true;
}

/* "[CONTROLLERS:]PATH": PATH below the container's cgroup, in every
 * hierarchy or in those of the comma list CONTROLLERS (v1). */
int hull_cgroup_sub(const struct hull_cgroup *cg, const char *spec, struct hull_cgroup **out, struct hull_err *err)
{
	_cleanup_free_ char *copy = hull_xstrdup(spec);
	char *colon = strchr(copy, ':'), *path = colon ? colon + 1 : copy;
	if (colon)
		*colon = 0;
	if (!safe_sub(path))
		return hull_errf(err, EINVAL, "--cgroup %s: want [CONTROLLER:]PATH, PATH relative and without \"..\"",
				 HULL_Q(spec));
	_cleanup_cgroup_ struct hull_cgroup *sub = NULL;
	int r = hull_cgroup_load(cg->serialized, &sub, err);
	if (r < 0)
		return r;
	bool any = false;
	for (size_t i = 0; i < sub->n; i++) {
		struct hull_cg_hier *h = &sub->h[i];
		h->created = 0;	/* never ours to remove */
		if (colon && (h->v2 || !hull_cg_list_has(h->controllers, copy)))
			continue;
		any = true;
		char *np = hull_xasprintf("%s/%s", h->path, path);
		free(h->path);
		h->path = np;
		free(h->dir);
		h->dir = hull_xasprintf("%s%s", h->mountpoint, h->path);
		if (h->dirfd >= 0)
			close(h->dirfd);
		h->dirfd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (h->dirfd < 0)
			return hull_syserr(err, errno, "--cgroup %s: %s", HULL_Q(spec), h->dir);
	}
	if (!any)
		return hull_errf(err, ENOENT, "--cgroup %s: no hierarchy of the container has %s", HULL_Q(spec), copy);
	*out = steal_ptr(sub);
	return 0;
}

/* The init's v2 cgroup, from /proc/PID/cgroup ("0::/path"), as a dir fd. */
static int init_cgroup_fd(const struct hull_cg_hier *v2, pid_t init, struct hull_err *err)
{
	char file[64];
	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)init);
	_cleanup_free_ char *buf = NULL;
	if (hull_read_file_at(AT_FDCWD, file, &buf, NULL, err) < 0)
		return -ESRCH;
	char *line = strstr(buf, "0::");
	if (!line || (line != buf && line[-1] != '\n'))
		return hull_errf(err, ENOENT, "%s: no cgroup v2 line", file);
	line += 3;
	line[strcspn(line, "\n")] = 0;
	_cleanup_free_ char *dir = hull_xasprintf("%s%s", v2->mountpoint, line);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? hull_syserr(err, errno, "cgroup unified %s", dir) : fd;
}

int hull_cgroup_attach_v2_near(struct hull_cgroup *cg, pid_t pid, pid_t init, struct hull_err *err)
{
	struct hull_err first = { 0 };
	int r = hull_cgroup_attach_v2(cg, pid, &first);
	struct hull_cg_hier *v2 = hull_cg_v2(cg);
	if (r != -EBUSY || !v2 || init <= 0) {
		if (r < 0)
			*err = first;
		return r;
	}
	_cleanup_close_ int fd = init_cgroup_fd(v2, init, err);
	if (fd < 0)
		return fd;
	char v[24];
	snprintf(v, sizeof(v), "%d", (int)pid);
	r = hull_write_file_at(fd, "cgroup.procs", v, strlen(v), err);
	if (r < 0)
		hull_err_prefix(err, "%s; then the init's cgroup", first.msg);
	return r;
}
