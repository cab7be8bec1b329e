/* Making a container's cgroup: planned first (every directory known and
 * recordable before one is made, so a hull killed at any instant leaves
 * nothing a later `delete --force` cannot find), then realized. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"
#include "systemd.h"

/* How long a failed create waits for what it made to empty. */
#define UNDO_WAIT_NS (2ull * 1000 * 1000 * 1000)


static bool no_access(int r)
{
	return r == -EACCES || r == -EPERM || r == -EROFS;
}

/* An unprivileged hull that may not create cgroups (no delegation): the
 * container stays in the caller's cgroups, which is fine only as long as
 * the config asks for no limit (runc's rootless rule). */
static int detach(struct hull_cgroup **cgp, const char *where, const struct hull_resources *res,
		  struct hull_err *err)
{
	struct hull_cgroup *cg = *cgp;
	if (!hull_cg_asks_nothing(res))
		return hull_errf(err, EACCES, "linux.resources: cgroups: no write access to %s; "
				 "limits cannot be applied without a delegated cgroup", where);
	struct hull_cgroup *own = hull_xcalloc(1, sizeof(*own));
	int r = hull_cg_discover(own, err);
	if (r < 0) {
		hull_cgroup_free(own);
		return r;
	}
	for (size_t i = 0; i < own->n; i++) {
		own->h[i].dirfd = -1;
		own->h[i].dir = hull_xasprintf("%s%s", own->h[i].mountpoint,
					       strcmp(own->h[i].path, "/") ? own->h[i].path : "");
	}
	if (own->mode != HULL_CG_V2)
		hull_cg_find_links(own);
	own->warning = hull_xasprintf("cgroups: no write access to %s; resources are not applied", where);
	own->m = &hull_cg_disabled_manager;
	hull_cgroup_free(cg);
	*cgp = own;
	return 0;
}

/* The levels of h's path, deepest first, that are hull's to remove: the
 * container's own when it is missing (or made now), and above it each
 * parent that is missing or marked as one hull made. made: what mkdir
 * made (realize), or -1 (plan: look at what exists). */
static unsigned hull_levels(const struct hull_cgroup *cg, const struct hull_cg_hier *h, int made)
{
	_cleanup_free_ char *p = hull_xstrdup(h->dir);
	size_t base = strlen(h->mountpoint);
	unsigned depth = hull_cg_path_depth(h->path), n = 0;
	if (made == 0 || (made < 0 && access(p, F_OK) == 0))
		return 0;	/* an existing cgroup is reused, never removed */
	for (n = 1; n < depth; n++) {
		char *slash = strrchr(p + base, '/');
		if (!slash || slash == p + base)
			break;
		*slash = 0;
		bool missing = (made < 0 || n >= (unsigned)made) && access(p, F_OK) < 0;
		bool mine = made > 0 && n < (unsigned)made;
		/* The default parent "hull" is hull's own by convention. */
		bool dflt = cg->default_path && n == 1;
		if (!missing && !mine && !dflt && !hull_cg_parent_marked(cg->registry, p))
			break;
	}
	return n;
}

static void set_paths(struct hull_cgroup *cg, const char *rel, bool abs)
{
	for (size_t i = 0; i < cg->n; i++) {
		struct hull_cg_hier *h = &cg->h[i];
		char *own = h->path;
		/* Relative paths nest under this process's own cgroup, as runc's.
		 * On v2 only, under its parent, as runc does there too: our own
		 * cgroup holds us, and v2 gives no controller to the children of
		 * a cgroup with processes. */
		if (!abs && cg->mode == HULL_CG_V2 && strcmp(own, "/")) {
			char *slash = strrchr(own, '/');
			slash[slash == own] = 0;
		}
		h->path = abs || !strcmp(own, "/") ? hull_xasprintf("/%s", rel) : hull_xasprintf("%s/%s", own, rel);
		free(own);
		h->dir = hull_xasprintf("%s%s", h->mountpoint, h->path);
	}
}

int hull_cgroup_plan(const struct hull_cgroup_opts *o, const struct hull_resources *res,
		     struct hull_cgroup **out, struct hull_err *err)
{
	_cleanup_cgroup_ struct hull_cgroup *cg = hull_xcalloc(1, sizeof(*cg));
	cg->registry = o->registry_fd;
	cg->joined = o->join;
	cg->default_path = !o->path || !*o->path;
	_cleanup_free_ char *rel = NULL;
	bool abs = true;
	/* The systemd unit's properties depend on the host's mode: discovered first. */
	int r = o->systemd ? 0 : hull_cg_path_normalize(o->path, o->id, &rel, &abs, err);
	if (r == 0 && o->join && res && res->present && !hull_cg_asks_nothing(res))
		r = hull_errf(err, EINVAL, "linux.resources: a joined cgroup (org.hull.cgroups.join) is not "
			      "hull's to limit");
	if (r == 0)
		r = hull_cg_discover(cg, err);
	cg->m = o->systemd ? &hull_cg_systemd_manager : hull_cg_manager_for(cg->mode);
	if (r == 0 && o->systemd)
		r = hull_cg_sd_plan(cg, o, res, &rel, err);
	if (r == 0)
		r = hull_cg_check_resources(cg, res, err);
	if (r < 0)
		return r;
	set_paths(cg, rel, abs);
	if (cg->mode != HULL_CG_V2)
		hull_cg_find_links(cg);
	if (cg->sd)
		hull_cg_sd_mark(cg);
	/* The unit's own directories are systemd's to make and remove. */
	for (size_t i = 0; i < cg->n; i++)
		cg->h[i].created = cg->h[i].systemd ? 0 : hull_levels(cg, &cg->h[i], -1);
	hull_cg_finish(cg);
	*out = steal_ptr(cg);
	return 0;
}

/* A cgroup that existed is the container's only when nothing runs
 * anywhere in its subtree, unless the config joins it on purpose. */
static int check_reused(struct hull_cgroup *cg, struct hull_cg_hier *h, struct hull_err *err)
{
	char label[512];
	hull_cg_label(h, label, sizeof(label));
	if (cg->joined)
		return 0;
	pid_t *pids = NULL;
	size_t n = 0;
	int r = hull_cg_walk_pids(h, &pids, &n, err);
	pid_t first = n ? pids[0] : 0;
	free(pids);
	if (r < 0)
		return r;
	if (first)
		return hull_errf(err, EEXIST, "%s: already exists and holds processes (pid %d); hull does not "
				 "put a container into a cgroup it did not make unless the config asks "
				 "(org.hull.cgroups.join)", label, (int)first);
	return 0;
}

/* The directories, then the manager's setup (prepare and write res). */
static int make_dirs(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	int r0 = cg->sd ? hull_cg_sd_prepare(cg, err) : 0;
	if (r0 < 0)
		return r0;
	for (size_t i = 0; i < cg->n; i++) {
		struct hull_cg_hier *h = &cg->h[i];
		if (h->systemd)
			continue;	/* made with the unit, after the clone */
		/* Marked before they exist: see parents.c. */
		unsigned planned = h->created;
		_cleanup_free_ char *p = hull_xstrdup(h->dir);
		/* The default parent is hull's by convention: no mark. */
		for (unsigned n = 1; n < planned; n++) {
			*strrchr(p, '/') = 0;
			if (n == 1 && cg->default_path)
				continue;
			if (access(p, F_OK) < 0)
				hull_cg_parent_mark(cg->registry, p);
		}
		/* A failed mkdir undoes what it made: nothing is ours then. */
		h->created = 0;
		int r = hull_cg_mkdir(h, err);
		if (r < 0)
			return r;
		unsigned made = h->created;
		h->created = hull_levels(cg, h, (int)made);
		if (made == 0 && (r = check_reused(cg, h, err)) < 0)
			return r;
		if (made && cg->joined) {
			char label[512];
			return hull_errf(err, ENOENT, "%s: org.hull.cgroups.join: there is no such cgroup to join",
					 hull_cg_label(h, label, sizeof(label)));
		}
	}
	return cg->m->setup(cg, res, err);
}

/* The first hierarchy without its directory is where we failed: the
 * deepest directory that exists there is the one we may not write. */
static void failed_at(const struct hull_cgroup *cg, char *where, size_t cap)
{
	snprintf(where, cap, "/sys/fs/cgroup");
	for (size_t i = 0; i < cg->n; i++) {
		char *slash;
		if (cg->h[i].dirfd >= 0)
			continue;
		snprintf(where, cap, "%s", cg->h[i].dir);
		while (access(where, F_OK) < 0 && (slash = strrchr(where, '/')) && slash != where)
			*slash = 0;
		break;
	}
}

int hull_cgroup_realize(struct hull_cgroup **cgp, const struct hull_resources *res, struct hull_err *err)
{
	struct hull_cgroup *cg = *cgp;
	int r = make_dirs(cg, res, err);
	if (r < 0) {
		char where[4200];
		failed_at(cg, where, sizeof(where));
		/* Nothing ran in it yet: removing what was made cannot wait. */
		for (size_t i = 0; i < cg->n; i++)
			hull_cg_remove(&cg->h[i], hull_now_ns() + UNDO_WAIT_NS, cg->registry, NULL);
		if (!no_access(r) || geteuid() == 0)
			return r;
		if (err)
			*err = (struct hull_err){ 0 };
		if ((r = detach(cgp, where, res, err)) < 0)
			return r;
		cg = *cgp;
	}
	hull_cg_finish(cg);
	if (cg->warning) {
		free(cg->serialized);
		cg->serialized = NULL;
	}
	return 0;
}

int hull_cgroup_create(const char *cgroups_path, const char *id, const struct hull_resources *res,
		       struct hull_cgroup **out, struct hull_err *err)
{
	struct hull_cgroup_opts o = { .path = cgroups_path, .id = id, .registry_fd = -1 };
	int r = hull_cgroup_plan(&o, res, out, err);
	if (r == 0 && (r = hull_cgroup_realize(out, res, err)) < 0) {
		hull_cgroup_free(*out);
		*out = NULL;
	}
	return r;
}
