/* What the clone creates and which namespaces are joined, decided in the
 * parent before anything exists. */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "../base/cleanup.h"
#include "internal.h"

const char *hull_ns_label(enum hull_ns_type type)
{
	static const char *const labels[HULL_NS_TYPES] = {
		[HULL_NS_PID] = "linux.namespaces[pid]",
		[HULL_NS_NETWORK] = "linux.namespaces[network]",
		[HULL_NS_MOUNT] = "linux.namespaces[mount]",
		[HULL_NS_IPC] = "linux.namespaces[ipc]",
		[HULL_NS_UTS] = "linux.namespaces[uts]",
		[HULL_NS_USER] = "linux.namespaces[user]",
		[HULL_NS_CGROUP] = "linux.namespaces[cgroup]",
		[HULL_NS_TIME] = "linux.namespaces[time]",
	};
	return (unsigned)type < HULL_NS_TYPES ? labels[type] : "linux.namespaces[?]";
}

static int open_ns(enum hull_ns_type t, const struct hull_namespace *ns, struct hull_err *err)
{
	const char *path = ns->path;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hull_syserr(err, errno, "linux.namespaces[%u].path: %s", ns->index, path);
	int kind = ioctl(fd, NS_GET_NSTYPE);
	if (kind < 0 && errno != ENOTTY && errno != EINVAL)
		return hull_syserr(err, errno, "linux.namespaces[%u].path: %s: NS_GET_NSTYPE", ns->index,
				   path);
	if (kind != hull_ns_type_flag(t))
		return hull_errf(err, EINVAL, "linux.namespaces[%u].path: %s: not a%s %s namespace",
				 ns->index, path, t == HULL_NS_IPC || t == HULL_NS_UTS ? "n" : "",
				 hull_ns_type_name(t));
	return steal_fd(fd);
}

/* What the kernel would refuse when the parent writes the map, said with
 * the JSON path; and container id 0 must be there: the init becomes the
 * namespace's root to set the container up. */
static int check_id_maps(const struct hull_id_maps *m, const char *name, const char *what,
			 struct hull_err *err)
{
	bool root = false;
	for (size_t i = 0; i < m->n; i++) {
		const struct hull_id_map *e = &m->v[i];
		if (e->size == 0)
			return hull_errf(err, EINVAL, "%s[%zu].size: must not be 0", name, i);
		if ((uint64_t)e->container_id + e->size > UINT32_MAX ||
		    (uint64_t)e->host_id + e->size > UINT32_MAX)
			return hull_errf(err, EINVAL, "%s[%zu]: the range overflows 32-bit ids", name, i);
		for (size_t k = 0; k < i; k++) {
			const struct hull_id_map *o = &m->v[k];
			if (e->container_id < o->container_id + o->size && o->container_id < e->container_id + e->size)
				return hull_errf(err, EINVAL, "%s[%zu]: containerID range overlaps %s[%zu]", name, i, name, k);
			if (e->host_id < o->host_id + o->size && o->host_id < e->host_id + e->size)
				return hull_errf(err, EINVAL, "%s[%zu]: hostID range overlaps %s[%zu]", name, i, name, k);
		}
		root |= e->container_id == 0;
	}
	if (!root)
		return hull_errf(err, EINVAL, "%s: container %s 0 is not mapped; the container's root needs it",
				 name, what);
	return 0;
}

static int check_user(const struct hull_spec *spec, struct hull_err *err)
{
	const struct hull_linux *l = &spec->linux_;
	const struct hull_namespace *user = &l->ns[HULL_NS_USER];
	const char *name = !l->uid_mappings.n ? "linux.gidMappings" : "linux.uidMappings";
	bool maps = l->uid_mappings.n || l->gid_mappings.n;
	if (!user->present)
		return maps ? hull_errf(err, EINVAL, "%s: mappings given but no user namespace", name) : 0;
	if (user->path)
		return maps ? hull_errf(err, EINVAL, "%s: a joined user namespace (linux.namespaces[%u].path) "
				       "keeps its own mappings", name, user->index) : 0;
	if (!l->uid_mappings.n || !l->gid_mappings.n)
		return hull_errf(err, EINVAL, "%s: user namespaces enabled, but no mappings found",
				 l->uid_mappings.n ? "linux.gidMappings" : "linux.uidMappings");
	int r = check_id_maps(&l->uid_mappings, "linux.uidMappings", "uid", err);
	return r < 0 ? r : check_id_maps(&l->gid_mappings, "linux.gidMappings", "gid", err);
}

static int check_time(const struct hull_spec *spec, struct hull_ns_plan *plan, struct hull_err *err)
{
	const struct hull_linux *l = &spec->linux_;
	const struct hull_namespace *time = &l->ns[HULL_NS_TIME];
	bool offsets = l->time_monotonic.set || l->time_boottime.set;
	if (!time->present)
		return offsets ? hull_errf(err, EINVAL, "linux.timeOffsets: offsets given but no time namespace") : 0;
	if (access("/proc/self/ns/time", F_OK) < 0)
		return hull_errf(err, ENOTSUP, "linux.namespaces[%u]: this kernel has no time namespaces",
				 time->index);
	if (time->path)
		return offsets ? hull_errf(err, EINVAL, "linux.timeOffsets: a joined time namespace "
				       "(linux.namespaces[%u].path) keeps its own offsets", time->index) : 0;
	const struct { const char *clock; const struct hull_time_offset *o; } clocks[] = {
		{ "monotonic", &l->time_monotonic }, { "boottime", &l->time_boottime },
	};
	size_t len = 0;
	for (size_t i = 0; i < 2; i++) {
		const struct hull_time_offset *o = clocks[i].o;
		if (!o->set)
			continue;
		if (o->nanosecs >= 1000000000u)
			return hull_errf(err, EINVAL, "linux.timeOffsets.%s.nanosecs: must be below 1000000000",
					 clocks[i].clock);
		len += (size_t)snprintf(plan->time_offsets + len, sizeof(plan->time_offsets) - len,
					"%s %lld %u\n", clocks[i].clock, (long long)o->secs, o->nanosecs);
	}
	plan->unshare_time = true;
	return 0;
}

/* Whether fd is the namespace hull itself is in (own: /proc/self/ns/TYPE);
 * true when that cannot be told. */
static bool is_own_ns(int fd, const char *own)
{
	struct stat a, b;
	if (fstat(fd, &a) < 0 || stat(own, &b) < 0)
		return true;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int hull_ns_plan_prepare(const struct hull_spec *spec, struct hull_ns_plan *plan,
			 struct hull_err *err)
{
	const struct hull_namespace *ns = spec->linux_.ns;
	memset(plan, 0, sizeof(*plan));
	for (int t = 0; t < HULL_NS_TYPES; t++)
		plan->join_fd[t] = -1;

	/* Sharing the host's mount table would let pivot_root and every mount
	 * land on the host (runc refuses it too). */
	if (!ns[HULL_NS_MOUNT].present)
		return hull_errf(err, EINVAL, "linux.namespaces: a mount namespace is required");
	/* sethostname in a shared uts namespace would rename the host. */
	if ((spec->hostname || spec->domainname) && !ns[HULL_NS_UTS].present)
		return hull_errf(err, EINVAL, "%s: needs a uts namespace",
				 spec->hostname ? "hostname" : "domainname");
	/* sethostname(2)'s own limit, said before anything exists. */
	if (spec->hostname && strlen(spec->hostname) > HOST_NAME_MAX)
		return hull_errf(err, EINVAL, "hostname: longer than %d bytes", HOST_NAME_MAX);
	if (spec->domainname && strlen(spec->domainname) > HOST_NAME_MAX)
		return hull_errf(err, EINVAL, "domainname: longer than %d bytes", HOST_NAME_MAX);
	int r = check_user(spec, err);
	if (r == 0)
		r = check_time(spec, plan, err);
	if (r < 0)
		return r;
	plan->user_ns = ns[HULL_NS_USER].present;

	for (int t = 0; t < HULL_NS_TYPES; t++) {
		if (!ns[t].present)
			continue;
		if (ns[t].path) {
			int fd = open_ns((enum hull_ns_type)t, &ns[t], err);
			if (fd < 0) {
				hull_ns_plan_release(plan);
				return fd;
			}
			plan->join_fd[t] = fd;
		} else if (t == HULL_NS_CGROUP || t == HULL_NS_TIME) {
			/* cgroup: rooted where the parent attaches the init;
			 * time: its offsets can be written only while it is empty */
			plan->unshare_cgroup |= t == HULL_NS_CGROUP;
		} else {
			plan->clone_flags |= hull_ns_type_flag((enum hull_ns_type)t);
		}
	}
	if ((spec->hostname || spec->domainname) && plan->join_fd[HULL_NS_UTS] >= 0 &&
	    is_own_ns(plan->join_fd[HULL_NS_UTS], "/proc/self/ns/uts")) {
		hull_ns_plan_release(plan);
		return hull_errf(err, EINVAL, "%s: linux.namespaces[%u].path is hull's own uts namespace; "
				 "setting it would rename the host", spec->hostname ? "hostname" : "domainname",
				 ns[HULL_NS_UTS].index);
	}
	return 0;
}

void hull_ns_plan_release(struct hull_ns_plan *plan)
{
	for (int t = 0; t < HULL_NS_TYPES; t++) {
		if (plan->join_fd[t] >= 0)
			close(plan->join_fd[t]);
		plan->join_fd[t] = -1;
	}
}
