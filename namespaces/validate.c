/* Parent side: refusing mounts that cannot work, before anything exists. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "../base/cleanup.h"
#include "../base/log.h"
#include "../base/util.h"
#include "internal.h"

char *hull_path_clean(const char *path)
{
	size_t len = strlen(path);
	char *out = hull_xmalloc(len + 2), *o = out;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	if (o == out)
		*o++ = '/';
	*o = 0;
	return out;
}

bool hull_proc_dest_allowed(const char *rel)
{
	/* Files lxcfs emulates; anything else under /proc could hide what
	 * maskedPaths and readonlyPaths protect (runc's checkProcMount). */
	static const char *const ok[] = {
		"proc/cpuinfo", "proc/diskstats", "proc/meminfo", "proc/stat", "proc/swaps",
		"proc/uptime", "proc/loadavg", "proc/slabinfo", "proc/net/dev",
		"proc/sys/kernel/ns_last_pid",
	};
	if (strncmp(rel, "proc", 4) != 0 || (rel[4] != 0 && rel[4] != '/'))
		return true;
	if (rel[4] == 0)
		return true;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(rel, ok[i]) == 0)
			return true;
	return false;
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == 0 || p[2] == '/'))
			return true;
	return false;
}

/* fstype as listed in /proc/filesystems; "fuse.sshfs" is a "fuse". */
static bool fs_known(const char *filesystems, const char *type)
{
	size_t tlen = strcspn(type, ".");
	for (const char *line = filesystems; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *name = memchr(line, '\t', len);
		name = name ? name + 1 : line;
		size_t nlen = (size_t)(line + len - name);
		if (nlen == tlen && strncmp(name, type, tlen) == 0)
			return true;
		line = end ? end + 1 : NULL;
	}
	return false;
}

bool hull_mount_idmapped(const struct hull_mount *m)
{
	return m->idmap || m->ridmap || m->uid_mappings.n || m->gid_mappings.n;
}

static int check_one(const struct hull_mount *m, size_t i, const char *filesystems, bool spec_has_userns_maps,
		     struct hull_err *err)
{
	const char *d = m->destination ? m->destination : "";
	/* runtime-spec 1.2: a relative destination is read from the root. */
	if (d[0] != '/')
		hull_warn("mounts[%zu].destination: %s: relative, taken as /%s", i, d, d);
	if (has_dotdot(d))
		return hull_errf(err, EINVAL, "mounts[%zu].destination: %s: must not contain \"..\"", i, d);
	_cleanup_free_ char *clean = hull_path_clean(d);
	if (strcmp(clean, "/") == 0)
		return hull_errf(err, EINVAL, "mounts[%zu].destination: /: cannot mount over the container's root (use root.path)", i);
	if (hull_mount_idmapped(m) && !m->is_bind)
		return hull_errf(err, ENOTSUP, "mounts[%zu] %s: idmapped mounts are bind mounts only here", i, d);
	if ((m->uid_mappings.n > 0) != (m->gid_mappings.n > 0))
		return hull_errf(err, EINVAL, "mounts[%zu]: uidMappings and gidMappings go together", i);
	if (hull_mount_idmapped(m) && !m->uid_mappings.n && !spec_has_userns_maps)
		return hull_errf(err, EINVAL, "mounts[%zu] %s: idmap without uidMappings takes the container's "
				 "user namespace maps, and there are none", i, d);
	if (!hull_proc_dest_allowed(clean + 1))
		return hull_errf(err, EPERM, "mounts[%zu].destination: %s: nothing can be mounted inside /proc", i, d);

	if (m->is_bind) {
		if (!m->source)
			return hull_errf(err, EINVAL, "mounts[%zu].source: required for a bind mount", i);
		struct stat st;
		if (stat(m->source, &st) < 0)
			return hull_syserr(err, errno, "mounts[%zu].source: %s", i, m->source);
		if (strcmp(clean, "/proc") == 0) {
			struct statfs sf;
			if (statfs(m->source, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
				return hull_errf(err, EPERM, "mounts[%zu].source: %s: only a procfs can be bound over /proc",
						 i, m->source);
		}
		return 0;
	}
	if (!m->type || !*m->type)
		return hull_errf(err, EINVAL, "mounts[%zu].type: required for a mount that is not a bind", i);
	/* "cgroup" means the container's cgroups, whatever the hierarchy. */
	if (strcmp(m->type, "cgroup") != 0 && !fs_known(filesystems, m->type))
		return hull_errf(err, ENODEV, "mounts[%zu].type: %s: not a filesystem this kernel knows (/proc/filesystems)",
				 i, m->type);
	return 0;
}

int hull_mounts_validate(const struct hull_spec *spec, struct hull_err *err)
{
	if (spec->n_mounts == 0)
		return 0;
	_cleanup_free_ char *fs = NULL;
	int r = hull_read_file_at(-1, "/proc/filesystems", &fs, NULL, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < spec->n_mounts; i++)
		if ((r = check_one(&spec->mounts[i], i, fs, spec->linux_.uid_mappings.n > 0, err)) < 0)
			return r;
	return 0;
}
