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
#include <strings.h>
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

static bool has_schema(const struct hull_linux *l)
{
	return (l->rdt_l3_cache_schema && *l->rdt_l3_cache_schema) ||
	       (l->rdt_mem_bw_schema && *l->rdt_mem_bw_schema) || l->rdt_schemata.n;
}

/* l3CacheSchema first, memBwSchema, then schemata: the spec's order. */
static int write_schemata(int dir, const struct hull_linux *l, struct hull_err *err)
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

/* One "ID=VALUE" of want, compared with the same domain in the kernel's
 * line for the resource: case and leading zeros aside ("0fff" is "FFF"). */
static bool domain_matches(const char *have_line, const char *id, size_t id_len, const char *val, size_t val_len)
{
	for (const char *d = have_line; d && *d; d = strchr(d, ';') ? strchr(d, ';') + 1 : NULL) {
		while (*d == ' ')
			d++;
		if (strncmp(d, id, id_len) || d[id_len] != '=')
			continue;
		const char *hv = d + id_len + 1;
		size_t hl = strcspn(hv, ";\n");
		while (hl > 1 && *hv == '0')
			hv++, hl--;
		while (val_len > 1 && *val == '0')
			val++, val_len--;
		return hl == val_len && !strncasecmp(hv, val, hl);
	}
	return false;
}

/* Whether every domain of want ("L3:0=f;1=f") has that value in the
 * group's schemata file (have). */
bool hull_rdt_schema_matches(const char *have, const char *want)
{
	const char *colon = strchr(want, ':');
	if (!colon)
		return false;
	size_t rl = (size_t)(colon - want);
	const char *line = NULL;
	for (const char *h = have; h && *h; h = strchr(h, '\n') ? strchr(h, '\n') + 1 : NULL) {
		while (*h == ' ')
			h++;
		if (!strncmp(h, want, rl) && h[rl] == ':') {
			line = h + rl + 1;
			break;
		}
	}
	if (!line)
		return false;
	for (const char *d = colon + 1; *d;) {
		size_t len = strcspn(d, ";"), id_len = strcspn(d, "=");
		if (id_len >= len || !domain_matches(line, d, id_len, d + id_len + 1, len - id_len - 1))
			return false;
		d += len + (d[len] == ';');
	}
	return true;
}

/* An existing closID group is shared: its schemata are compared, never
 * written. */
static int compare_schemata(int dir, const char *group, const struct hull_linux *l, struct hull_err *err)
{
	_cleanup_free_ char *have = NULL;
	if (hull_read_file_at(dir, "schemata", &have, NULL, err) < 0) {
		hull_err_prefix(err, "linux.intelRdt: %s", group);
		return -EIO;
	}
	const char *const want[] = { l->rdt_l3_cache_schema, l->rdt_mem_bw_schema };
	const char *const field[] = { "l3CacheSchema", "memBwSchema" };
	for (size_t i = 0; i < 2; i++)
		if (want[i] && *want[i] && !hull_rdt_schema_matches(have, want[i]))
			return hull_errf(err, EINVAL, "linux.intelRdt.%s: %s is not what the existing group %s has "
					 "(%s)", field[i], HULL_Q(want[i]), group, HULL_Q(have));
	return 0;
}

/* The group's directory, made or checked by the spec's rules; *made: ours
 * to remove at delete (only a group named after the container is). */
static int open_group(const struct hull_linux *l, const char *group, const char *dir, bool *made,
		      struct hull_err *err)
{
	bool clos = l->rdt_clos_id != NULL;
	*made = false;
	if (access(dir, F_OK) < 0) {
		if (clos && !has_schema(l))
			return hull_errf(err, ENOENT, "linux.intelRdt.closID: no resctrl group %s (with no schemata to "
					 "make it from, it must exist)", dir);
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return hull_syserr(err, errno, "linux.intelRdt: %s", dir);
		*made = !clos;
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return hull_syserr(err, errno, "linux.intelRdt: %s", dir);
		int r = write_schemata(fd, l, err);
		return r < 0 ? (close(fd), r) : fd;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return hull_syserr(err, errno, "linux.intelRdt: %s", dir);
	int r = clos ? compare_schemata(fd, group, l, err) : write_schemata(fd, l, err);
	return r < 0 ? (close(fd), r) : fd;
}

int hull_rdt_setup(const struct hull_spec *spec, struct hull_container *c, pid_t pid, struct hull_err *err)
{
	const struct hull_linux *l = &spec->linux_;
	if (!l->has_intel_rdt)
		return 0;
	/* closID "/": the default CLOS, the root of resctrl */
	const char *group = l->rdt_clos_id ? l->rdt_clos_id : c->id;
	_cleanup_free_ char *dir = strcmp(group, "/") ? hull_xasprintf("%s/%s", RESCTRL, group) : hull_xstrdup(RESCTRL);
	bool will_make = !l->rdt_clos_id && access(dir, F_OK) < 0;
	/* group, made by us, monitoring group: recorded before either exists */
	_cleanup_free_ char *rec = hull_xasprintf("%s\n%d\n%d\n", group, will_make, l->rdt_enable_monitoring);
	int r = hull_write_atomic_at(c->dirfd, RECORD, rec, strlen(rec), 0600, err);
	if (r < 0)
		return r;
	bool made;
	_cleanup_close_ int fd = open_group(l, group, dir, &made, err);
	if (fd < 0)
		return fd;
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

int hull_rdt_update(struct hull_container *c, const char *const schemas[], size_t n, struct hull_err *err)
{
	_cleanup_free_ char *rec = NULL;
	struct hull_err none = { 0 };
	if (hull_read_file_at(c->dirfd, RECORD, &rec, NULL, &none) < 0)
		return hull_errf(err, ENOENT, "update: container %s has no linux.intelRdt group", c->id);
	char group[256];
	if (sscanf(rec, "%255[^\n]", group) != 1)
		return hull_errf(err, EINVAL, "%s/%s: not a resctrl record", c->dir, RECORD);
	/* A closID group is shared with other containers: not this one's to change. */
	if (strcmp(group, c->id))
		return hull_errf(err, EPERM, "update: container %s is in the shared resctrl group %s (closID): its "
				 "schemata are not the container's to change", c->id, group);
	_cleanup_free_ char *dir = hull_xasprintf("%s/%s", RESCTRL, group);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return hull_syserr(err, errno, "linux.intelRdt: %s", dir);
	for (size_t i = 0; i < n; i++) {
		int r = write_line(fd, "schemata", schemas[i], err);
		if (r < 0)
			return r;
	}
	return 0;
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
	_cleanup_free_ char *dir = strcmp(group, "/") ? hull_xasprintf("%s/%s", RESCTRL, group) : hull_xstrdup(RESCTRL);
	_cleanup_free_ char *mdir = hull_xasprintf("%s/mon_groups/%s", dir, c->id);
	if (mon && rmdir(mdir) < 0 && errno != ENOENT)
		return hull_syserr(err, errno, "linux.intelRdt: %s", mdir);
	if (made && rmdir(dir) < 0 && errno != ENOENT && errno != EBUSY)
		return hull_syserr(err, errno, "linux.intelRdt: %s", dir);
	return 0;
}
