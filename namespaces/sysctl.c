/* linux.sysctl: only keys that a namespace of the container's own scopes,
 * so that no write can change the host. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/openat2.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

int hull_sysctl_path(const char *key, char **out)
{
	if (!key || !*key || strchr(key, '/'))
		return -EINVAL;
	char *p = hull_xstrdup(key);
	for (char *c = p; *c; c++)
		if (*c == '.')
			*c = '/';
	/* empty components ("a..b", ".a", "a.") could walk out of /proc/sys */
	if (p[0] == '/' || p[strlen(p) - 1] == '/' || strstr(p, "//")) {
		free(p);
		return -EINVAL;
	}
	*out = p;
	return 0;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The namespace that scopes key, or -1 if none does. */
static int scoping_ns(const char *key)
{
	static const char *const ipc[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
		"kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
	};
	for (size_t i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++)
		if (strcmp(key, ipc[i]) == 0)
			return HULL_NS_IPC;
	if (starts_with(key, "fs.mqueue."))
		return HULL_NS_IPC;
	if (starts_with(key, "net."))
		return HULL_NS_NETWORK;
	if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
		return HULL_NS_UTS;
	return -1;
}

/* A namespace joined by path may be the host's own (runc's check for net). */
static bool is_hosts(enum hull_ns_type t, const char *path)
{
	static const char *const self[HULL_NS_TYPES] = {
		[HULL_NS_IPC] = "/proc/self/ns/ipc", [HULL_NS_NETWORK] = "/proc/self/ns/net",
		[HULL_NS_UTS] = "/proc/self/ns/uts",
	};
	struct stat a, b;
	if (!self[t] || stat(path, &a) < 0 || stat(self[t], &b) < 0)
		return true;	/* cannot tell: assume the worst */
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int hull_sysctl_validate(const struct hull_spec *spec, struct hull_err *err)
{
	const struct hull_kvs *kv = &spec->linux_.sysctl;
	for (size_t i = 0; i < kv->n; i++) {
		const char *key = kv->v[i].key;
		_cleanup_free_ char *path = NULL;
		if (hull_sysctl_path(key, &path) < 0)
			return hull_errf(err, EINVAL, "linux.sysctl.%s: not a sysctl name (no \"/\" or empty components)",
					 key ? key : "");
		int t = scoping_ns(key);
		if (t < 0)
			return hull_errf(err, EPERM, "linux.sysctl.%s: not namespaced, refused (it would change the host)",
					 key);
		const struct hull_namespace *ns = &spec->linux_.ns[t];
		if (!ns->present || (ns->path && is_hosts((enum hull_ns_type)t, ns->path)))
			return hull_errf(err, EPERM, "linux.sysctl.%s: needs the container's own %s namespace "
					 "(it would change the host)", key, hull_ns_type_name((enum hull_ns_type)t));
	}
	return 0;
}

/* Called in the container's namespaces before pivot_root, through the
 * host's procfs: /proc/sys resolves ipc, net and uts entries against the
 * writer's namespaces, so this needs no /proc inside the container. */
int hull_sysctl_apply(const struct hull_spec *spec, struct hull_err *err)
{
	const struct hull_kvs *kv = &spec->linux_.sysctl;
	if (kv->n == 0)
		return 0;
	_cleanup_close_ int dir = open("/proc/sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sf;
	if (dir < 0)
		return hull_syserr(err, errno, "linux.sysctl: /proc/sys");
	if (fstatfs(dir, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		return hull_errf(err, EXDEV, "linux.sysctl: /proc/sys is not procfs");
	for (size_t i = 0; i < kv->n; i++) {
		const char *key = kv->v[i].key, *val = kv->v[i].value ? kv->v[i].value : "";
		_cleanup_free_ char *path = NULL;
		if (hull_sysctl_path(key, &path) < 0)
			return hull_errf(err, EINVAL, "linux.sysctl.%s: not a sysctl name", key);
		struct open_how how = {
			.flags = O_WRONLY | O_CLOEXEC | O_NOCTTY,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV,
		};
		_cleanup_close_ int fd = (int)syscall(SYS_openat2, dir, path, &how, sizeof(how));
		if (fd < 0)
			return hull_syserr(err, errno, "linux.sysctl.%s", key);
		ssize_t n;
		do
			n = write(fd, val, strlen(val));
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return hull_syserr(err, errno, "linux.sysctl.%s: write \"%s\"", key, val);
	}
	return 0;
}
