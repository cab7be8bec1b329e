/* linux.intelRdt through resctrl: the container's tasks in a resctrl group
 * (closID, else one named after the container) with its schemata, and a
 * monitoring group of its own when enableMonitoring asks. Where resctrl is
 * not mounted (no Intel RDT or AMD PQoS, or nobody mounted it), the
 * runtime-spec wants an error, never a silent pass. What create makes is
 * recorded in the state dir before it is made, for delete to undo. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "rdt.h"

#define RESCTRL "/sys/fs/resctrl"
#define RDTGROUP_SUPER_MAGIC 0x7655821
#define RECORD "rdt"

int hull_rdt_check(const struct hull_spec *spec, struct hull_err *err)
{
	struct statfs sf;
	if (!spec->linux_.has_intel_rdt)
		return 0;
	if (statfs(RESCTRL, &sf) < 0 || sf.f_type != RDTGROUP_SUPER_MAGIC)
		return hull_errf(err, ENOTSUP, "linux.intelRdt: resctrl is not mounted at %s (this host has no "
				 "Intel RDT or AMD PQoS, or nobody mounted it)", RESCTRL);
	return 0;
}

static int write_line(int dir, const char *file, const char *line, struct hull_err *err)
{
	int r = hull_write_file_at(dir, file, line, strlen(line), err);
	if (r < 0)
		hull_err_prefix(err, "linux.intelRdt: %s", file);
	return r;
}

static int schemata(int dir, const struct hull_linux *l, struct hull_err *err)
{
	int r = 0;
	if (l->rdt_l3_cache_schema && *l->rdt_l3_cache_schema)
		r = write_line(dir, "schemata", l->rdt_l3_cache_schema, err);
	if (r == 0 && l->rdt_mem_bw_schema && *l->rdt_mem_bw_schema)
		r = write_line(dir, "schemata", l->rdt_mem_bw_schema, err);
	for (size_t i = 0; r == 0 && i < l->rdt_schemata.n; i++)
		r = write_line(dir, "schemata", l->rdt_schemata.v[i], err);
	return r;
}

int hull_rdt_setup(const struct hull_spec *spec, struct hull_container *c, pid_t pid, struct hull_err *err)
{
	const struct hull_linux *l = &spec->linux_;
	if (!l->has_intel_rdt)
		return 0;
	const char *group = l->rdt_clos_id ? l->rdt_clos_id : c->id;
	_cleanup_free_ char *dir = hull_xasprintf("%s/%s", RESCTRL, group);
	bool made = access(dir, F_OK) < 0;
	/* group, made by us, monitoring group: recorded before either exists */
	_cleanup_free_ char *rec = hull_xasprintf("%s\n%d\n%d\n", group, made, l->rdt_enable_monitoring);
	int r = hull_write_atomic_at(c->dirfd, RECORD, rec, strlen(rec), 0600, err);
	if (r < 0)
		return r;
	if (made && mkdir(dir, 0755) < 0 && errno != EEXIST)
		return hull_syserr(err, errno, "linux.intelRdt: %s", dir);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return hull_syserr(err, errno, "linux.intelRdt: %s", dir);
	if ((r = schemata(fd, l, err)) < 0)
		return r;
	char v[24];
	snprintf(v, sizeof(v), "%d", (int)pid);
	if (!l->rdt_enable_monitoring)
		return write_line(fd, "tasks", v, err);
	_cleanup_free_ char *mon = hull_xasprintf("mon_groups/%s", c->id);
	if (mkdirat(fd, mon, 0755) < 0 && errno != EEXIST)
		return hull_syserr(err, errno, "linux.intelRdt.enableMonitoring: %s/%s", dir, mon);
	_cleanup_close_ int mfd = openat(fd, mon, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return hull_syserr(err, errno, "linux.intelRdt.enableMonitoring: %s/%s", dir, mon);
	return write_line(mfd, "tasks", v, err);
}

int hull_rdt_teardown(struct hull_container *c, struct hull_err *err)
{
	_cleanup_free_ char *rec = NULL;
	struct hull_err ignore = { 0 };
	if (hull_read_file_at(c->dirfd, RECORD, &rec, NULL, &ignore) < 0)
		return 0;	/* no intelRdt, or a create killed before it */
	char group[256];
	int made = 0, mon = 0;
	if (sscanf(rec, "%255[^\n]\n%d\n%d", group, &made, &mon) != 3)
		return hull_errf(err, EINVAL, "%s/%s: not a resctrl record", c->dir, RECORD);
	_cleanup_free_ char *dir = hull_xasprintf("%s/%s", RESCTRL, group);
	_cleanup_free_ char *mdir = hull_xasprintf("%s/mon_groups/%s", dir, c->id);
	if (mon && rmdir(mdir) < 0 && errno != ENOENT)
		return hull_syserr(err, errno, "linux.intelRdt: %s", mdir);
	if (made && rmdir(dir) < 0 && errno != ENOENT && errno != EBUSY)
		return hull_syserr(err, errno, "linux.intelRdt: %s", dir);
	return 0;
}
