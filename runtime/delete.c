#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../cgroups/cgroups.h"
#include "hooks.h"
#include "lifecycle.h"
#include "net.h"

/* state.json is unreadable: the cgroup create recorded on the side, if any. */
static int load_cgroup_record(struct hull_container *c, struct hull_cgroup **cg, struct hull_err *err)
{
	_cleanup_free_ char *buf = NULL;
	struct hull_err tmp = { 0 };
	if (hull_read_file_at(c->dirfd, HULL_CGROUP_FILE, &buf, NULL, &tmp) < 0)
		return 0;	/* a create that crashed before it, or no cgroup */
	int r = hull_cgroup_load(buf, cg, err);
	if (r < 0)
		hull_err_prefix(err, "%s/%s", c->dir, HULL_CGROUP_FILE);
	return r;
}

int hull_delete(struct hull_container *c, bool force, struct hull_err *err)
{
	if (!c->has_state && !force)
		return hull_errf(err, EINVAL, "%s (delete --force removes it)", c->state_err);
	_cleanup_close_ int pidfd = -1;
	enum hull_status s = c->has_state ? hull_container_status(c, &pidfd) : HULL_STATUS_STOPPED;
	if ((s == HULL_STATUS_RUNNING || s == HULL_STATUS_PAUSED) && !force)
		return hull_errf(err, EBUSY, "container %s is %s: stop it first or use delete --force",
				 c->id, hull_status_name(s));

	_cleanup_cgroup_ struct hull_cgroup *cg = NULL;
	int r = 0;
	if (c->has_state && c->st.cgroup)
		r = hull_cgroup_load(c->st.cgroup, &cg, err);
	/* No state, or one whose cgroup does not read: the record create
	 * wrote before it made a directory. */
	if ((!c->has_state || r < 0) && force) {
		hull_err_clear(err);
		r = load_cgroup_record(c, &cg, err);
	}
	if (r < 0)
		return r;
	/* Without a state we cannot tell paused from running: thaw, so the
	 * kill below lands (best effort: a joined cgroup or a host without a
	 * freezer has nothing to thaw). */
	if (cg && !c->has_state)
		hull_cgroup_freeze(cg, false, NULL);
	struct hull_teardown t = { .c = c, .cg = cg, .init_pidfd = pidfd, .running = s != HULL_STATUS_STOPPED,
				   .paused = s == HULL_STATUS_PAUSED, .poststop = c->has_state };
	return hull_teardown(&t, err);
}
