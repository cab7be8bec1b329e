/* The labels of the Linux security modules: process.apparmorProfile
 * (exec --apparmor), process.selinuxLabel (exec --process-label) and
 * linux.mountLabel. A label is applied through the kernel's exec attr, so
 * it takes effect at the container's execve and confines nothing of
 * hull's; a label the host cannot apply is refused, never dropped. */
#ifndef HULL_LSM_H
#define HULL_LSM_H

#include <stdbool.h>

#include "../base/err.h"
#include "../oci-spec/spec.h"

/* What the host has: AppArmor enabled (its securityfs directory and the
 * module's "enabled" parameter Y); SELinux with a policy (selinuxfs'
 * enforce file). For `hull features` and the checks below. */
bool hull_apparmor_enabled(void);
bool hull_selinux_enabled(void);

/* Parent, before the clone: every label asked for can be applied here. An
 * AppArmor profile must be loaded (listed in the kernel's profiles file;
 * "unconfined" always is). Errors are "JSON.PATH: cause". */
int hull_lsm_validate(const struct hull_spec *spec, struct hull_err *err);

/* Whether the text of /sys/kernel/security/apparmor/profiles ("NAME
 * (MODE)" lines) lists the profile NAME. */
bool hull_apparmor_profiles_have(const char *list, const char *name);

/* In the container process, the last thing before seccomp and execve:
 * the AppArmor profile or SELinux label the execve is to enter. */
int hull_lsm_exec_label(const struct hull_process *p, struct hull_err *err);

/* In the init, before it joins its session keyring: the SELinux label the
 * keyring is created with (the process's). */
int hull_lsm_keyring_label(const struct hull_process *p, struct hull_err *err);

#endif
