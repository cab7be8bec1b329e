/* AppArmor profiles and SELinux labels (see lsm.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "lsm.h"

#define AA_DIR "/sys/kernel/security/apparmor"
#define AA_ENABLED "/sys/module/apparmor/parameters/enabled"
#define AA_PROFILES AA_DIR "/profiles"
#define SELINUX_ENFORCE "/sys/fs/selinux/enforce"

static bool set(const char *s) { return s && *s; }

bool hull_apparmor_enabled(void)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	struct hull_err ignore = { 0 };
	if (access(AA_DIR, F_OK) < 0)
		return false;
	return hull_read_file_at(AT_FDCWD, AA_ENABLED, &buf, &len, &ignore) == 0 && len > 0 && buf[0] == 'Y';
}

bool hull_selinux_enabled(void) { return access(SELINUX_ENFORCE, F_OK) == 0; }

/* A line is "NAME (MODE)"; a name may hold spaces, the mode does not. */
bool hull_apparmor_profiles_have(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *line = list; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > n + 2 && !strncmp(line, name, n) && !strncmp(line + n, " (", 2) && line[len - 1] == ')' &&
		    !memchr(line + n + 2, ' ', len - n - 2))
			return true;
		line = end ? end + 1 : NULL;
	}
	return false;
}

static int check_apparmor(const char *profile, struct hull_err *err)
{
	if (!hull_apparmor_enabled())
		return hull_errf(err, EOPNOTSUPP, "process.apparmorProfile: AppArmor is not enabled on this host");
	/* unconfined is no profile; a stack (A//&B) or a namespace (:NS:A) is
	 * left to the kernel, which names the missing part when it is written. */
	if (!strcmp(profile, "unconfined") || strstr(profile, "//&") || profile[0] == ':')
		return 0;
	_cleanup_free_ char *list = NULL;
	if (hull_read_file_at(AT_FDCWD, AA_PROFILES, &list, NULL, err) < 0) {
		hull_err_prefix(err, "process.apparmorProfile");
		return err->code;
	}
	if (!hull_apparmor_profiles_have(list, profile))
		return hull_errf(err, ENOENT, "process.apparmorProfile: profile \"%s\" is not loaded (%s)",
				 HULL_Q(profile), AA_PROFILES);
	return 0;
}

int hull_lsm_validate(const struct hull_spec *spec, struct hull_err *err)
{
	const struct hull_process *p = &spec->process;
	if (set(p->apparmor_profile)) {
		int r = check_apparmor(p->apparmor_profile, err);
		if (r < 0)
			return r;
	}
	const char *what = set(p->selinux_label)	   ? "process.selinuxLabel"
			   : set(spec->linux_.mount_label) ? "linux.mountLabel"
							   : NULL;
	if (what && !hull_selinux_enabled())
		return hull_errf(err, EOPNOTSUPP, "%s: SELinux is not enabled on this host", what);
	return 0;
}

/* -errno; ENOENT when the file is not there (an older kernel's layout). */
static int write_attr(const char *path, const char *value)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do
		n = write(fd, value, strlen(value));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

/* AppArmor's own attr directory (Linux 5.8) is not shared with another
 * LSM; the common attr/exec is AppArmor's where it is the major LSM. */
static int apparmor_exec(const char *profile, struct hull_err *err)
{
	_cleanup_free_ char *cmd = hull_xasprintf("exec %s", profile);
	const char *path = "/proc/thread-self/attr/apparmor/exec";
	int r = write_attr(path, cmd);
	if (r == -ENOENT) {
		path = "/proc/thread-self/attr/exec";
		r = write_attr(path, cmd);
	}
	if (r < 0)
		return hull_syserr(err, -r, "process.apparmorProfile: \"%s\": %s", HULL_Q(profile), path);
	return 0;
}

int hull_lsm_exec_label(const struct hull_process *p, struct hull_err *err)
{
	if (set(p->apparmor_profile) && apparmor_exec(p->apparmor_profile, err) < 0)
		return err->code;
	if (set(p->selinux_label)) {
		int r = write_attr("/proc/thread-self/attr/exec", p->selinux_label);
		if (r < 0)
			return hull_syserr(err, -r, "process.selinuxLabel: \"%s\": /proc/thread-self/attr/exec",
					   HULL_Q(p->selinux_label));
	}
	return 0;
}

int hull_lsm_keyring_label(const struct hull_process *p, struct hull_err *err)
{
	if (!set(p->selinux_label))
		return 0;
	int r = write_attr("/proc/thread-self/attr/keycreate", p->selinux_label);
	if (r < 0)
		return hull_syserr(err, -r, "process.selinuxLabel: \"%s\": /proc/thread-self/attr/keycreate",
				   HULL_Q(p->selinux_label));
	return 0;
}
