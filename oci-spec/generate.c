/* `hull spec`: the default config.json, as runc's specconv.Example() and
 * ToRootless() write it, with these differences: process.terminal is false
 * (a config that works from a script or a pipe without a tty), hostname is
 * "hull", and the cgroup namespace is always listed. With --seccomp, the
 * linux.seccomp of seccomp-default.c (runc writes none). */
#include <string.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "json-util.h"
#include "parse.h"

static json_t *strs(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *gen_process(const struct hull_spec_gen_opts *o)
{
	static const char *const sh[] = { "sh", NULL };
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TERM=xterm",
		NULL,
	};
	static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL",
					    "CAP_NET_BIND_SERVICE", NULL };
	return json_pack("{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:o, s:o, s:o}, "
			 "s:[{s:s, s:i, s:i}], s:b}",
			 "terminal", 0,
			 "user", "uid", 0, "gid", 0,
			 "args", strs(o->args ? (const char *const *)o->args : sh),
			 "env", strs(env),
			 "cwd", "/",
			 "capabilities", "bounding", strs(caps), "effective", strs(caps),
			 "permitted", strs(caps),
			 "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024,
			 "noNewPrivileges", 1);
}

struct gen_mount {
	const char *dest, *type, *source;
	const char *options[8];
};

static const struct gen_mount default_mounts[] = {
	{ "/proc", "proc", "proc", { NULL } },
	{ "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
	{ "/dev/pts", "devpts", "devpts",
	  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL } },
	{ "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
	{ "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
	{ "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL } },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro", NULL } },
};

/* A user namespace cannot mount sysfs without a network namespace of its own
 * and cannot pick the owner of devpts nodes: runc's ToRootless fixes both. */
static const struct gen_mount rootless_sys = {
	"/sys", "none", "/sys", { "rbind", "nosuid", "noexec", "nodev", "ro", NULL }
};

static json_t *gen_mounts(bool rootless)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sizeof(default_mounts) / sizeof(default_mounts[0]); i++) {
		const struct gen_mount *m = &default_mounts[i];
		if (rootless && strcmp(m->dest, "/sys") == 0)
			m = &rootless_sys;
		json_t *j = json_pack("{s:s, s:s, s:s}", "destination", m->dest, "type", m->type,
				      "source", m->source);
		if (m->options[0]) {
			json_t *opts = json_array();
			for (const char *const *p = m->options; *p; p++)
				if (!rootless || (strncmp(*p, "gid=", 4) != 0 &&
						  strncmp(*p, "uid=", 4) != 0))
					json_array_append_new(opts, json_string(*p));
			json_object_set_new(j, "options", opts);
		}
		json_array_append_new(a, j);
	}
	return a;
}

static json_t *gen_linux(const struct hull_spec_gen_opts *o)
{
	static const char *const masked[] = {
		"/proc/acpi",	     "/proc/asound",	 "/proc/kcore",	       "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/sys/firmware",     "/proc/scsi",	 "/sys/devices/virtual/powercap", NULL,
	};
	static const char *const readonly[] = {
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
	};
	static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount", "cgroup", NULL };
	json_t *l = json_object();
	if (o->rootless) {
		json_object_set_new(l, "uidMappings",
				    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
					      (json_int_t)o->uid, "size", 1));
		json_object_set_new(l, "gidMappings",
				    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
					      (json_int_t)o->gid, "size", 1));
	} else {
		json_object_set_new(l, "resources",
				    json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access",
					      "rwm"));
	}
	json_t *nss = json_array();
	for (const char *const *p = ns; *p; p++)
		if (!o->rootless || strcmp(*p, "network") != 0)
			json_array_append_new(nss, json_pack("{s:s}", "type", *p));
	if (o->rootless)
		json_array_append_new(nss, json_pack("{s:s}", "type", "user"));
	json_object_set_new(l, "namespaces", nss);
	json_object_set_new(l, "maskedPaths", strs(masked));
	json_object_set_new(l, "readonlyPaths", strs(readonly));
	return l;
}

int hull_spec_generate(int fd, const struct hull_spec_gen_opts *o, struct hull_err *err)
{
	if (o->args && !o->args[0])
		return hull_errf(err, EINVAL, "spec: the process needs at least one argument");
	_cleanup_json_ json_t *top = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}",
					       "ociVersion", "1.3.0",
					       "process", gen_process(o),
					       "root", "path", "rootfs", "readonly", 1,
					       "hostname", "hull",
					       "mounts", gen_mounts(o->rootless),
					       "linux", gen_linux(o));
	if (!top)
		return hull_errf(err, ENOMEM, "spec: out of memory");
	if (o->seccomp)
		json_object_set_new(json_object_get(top, "linux"), "seccomp", spec_seccomp_default());
	_cleanup_free_ char *s = json_dumps(top, JSON_INDENT(2));
	if (!s)
		return hull_errf(err, ENOMEM, "spec: out of memory");
	size_t n = strlen(s);
	s[n] = '\n';
	int r = hull_write_all(fd, s, n + 1);
	s[n] = 0;
	if (r < 0)
		return hull_syserr(err, -r, "config.json: write");
	return 0;
}
