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

struct sub_spec {
	char *controllers;	/* comma list, NULL: every hierarchy not named */
	const char *path;
};

static bool names_any(const char *list, const char *controllers)
{
	_cleanup_free_ char *copy = hull_xstrdup(controllers);
	char *save = NULL;
	for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save))
		if (hull_cg_list_has(list, c))
			return true;
	return false;
}

/* The spec of a hierarchy: the one naming one of its controllers (v1),
 * else the one naming none; NULL: it stays in the container's cgroup. */
static const struct sub_spec *spec_of(const struct hull_cg_hier *h, const struct sub_spec *s, size_t n)
{
	const struct sub_spec *all = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!s[i].controllers)
			all = &s[i];
		else if (!h->v2 && names_any(h->controllers, s[i].controllers))
			return &s[i];
	}
	return all;
}

static int move_below(struct hull_cg_hier *h, const char *path, const char *arg, struct hull_err *err)
{
	char *np = hull_xasprintf("%s/%s", h->path, path);
	free(h->path);
	h->path = np;
	free(h->dir);
	h->dir = hull_xasprintf("%s%s", h->mountpoint, h->path);
	if (h->dirfd >= 0)
		close(h->dirfd);
	h->dirfd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (h->dirfd < 0)
		return hull_syserr(err, errno, "--cgroup %s: %s", HULL_Q(arg), h->dir);
	return 0;
}

static int parse_specs(char *const *args, size_t n, struct sub_spec *s, struct hull_err *err)
{
	size_t all = 0;
	for (size_t i = 0; i < n; i++) {
		char *colon = strchr(args[i], ':');
		s[i].path = colon ? colon + 1 : args[i];
		s[i].controllers = colon ? hull_xstrndup(args[i], (size_t)(colon - args[i])) : NULL;
		if (!safe_sub(s[i].path) || (colon && !*s[i].controllers))
			return hull_errf(err, EINVAL, "--cgroup %s: want [CONTROLLER[,CONTROLLER...]:]PATH, PATH "
					 "relative and without \"..\"", HULL_Q(args[i]));
		if (!colon && ++all > 1)
			return hull_errf(err, EINVAL, "--cgroup %s: a second PATH for every hierarchy", HULL_Q(args[i]));
	}
	return 0;
}

/* "[CONTROLLERS:]PATH" arguments: PATH below the container's cgroup, in
 * the hierarchies of the comma list CONTROLLERS (v1), or in every other
 * one without it; runc's rules. */
int hull_cgroup_sub(const struct hull_cgroup *cg, char *const *args, size_t n, struct hull_cgroup **out,
		    struct hull_err *err)
{
	struct sub_spec s[HULL_CGROUP_SUB_MAX] = { 0 };
	if (n > HULL_CGROUP_SUB_MAX)
		return hull_errf(err, E2BIG, "--cgroup: at most %d", HULL_CGROUP_SUB_MAX);
	_cleanup_cgroup_ struct hull_cgroup *sub = NULL;
	int r = parse_specs(args, n, s, err);
	if (r == 0)
		r = hull_cgroup_load(cg->serialized, &sub, err);
	bool used[HULL_CGROUP_SUB_MAX] = { 0 };
	for (size_t i = 0; r == 0 && i < sub->n; i++) {
		struct hull_cg_hier *h = &sub->h[i];
		h->created = 0;	/* never ours to remove */
		const struct sub_spec *sp = spec_of(h, s, n);
		if (sp) {
			used[sp - s] = true;
			r = move_below(h, sp->path, args[sp - s], err);
		}
	}
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!used[i])
			r = hull_errf(err, ENOENT, "--cgroup %s: no hierarchy of the container has %s", HULL_Q(args[i]),
				      s[i].controllers ? s[i].controllers : "it");
	for (size_t i = 0; i < n; i++)
		free(s[i].controllers);
	if (r == 0)
		*out = steal_ptr(sub);
	return r;
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
