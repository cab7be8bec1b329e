/* The LSM labels: process.apparmorProfile and exec --apparmor,
 * process.selinuxLabel, linux.mountLabel and exec --process-label. Where
 * the host has the LSM, the label is applied (tcase apparmor loads a
 * profile of its own with apparmor_parser: make check-node's guest); where
 * it has not, hull refuses the label and no container runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/xattr.h>

#include "exec.h"

#define PROFILE "hull-test-deny-write"
#define APPARMOR_PARSER "/sbin/apparmor_parser"

/* Everything but writing /dev/shm/hull-denied (the container's tmpfs). */
static const char profile_text[] = "profile " PROFILE " flags=(attach_disconnected,mediate_deleted) {\n"
				   "  file,\n"
				   "  capability,\n"
				   "  network,\n"
				   "  signal,\n"
				   "  ptrace,\n"
				   "  unix,\n"
				   "  deny /dev/shm/hull-denied w,\n"
				   "}\n";

static char profile_file[64];

static bool host_apparmor(void)
{
	char *s = ht_read("/sys/module/apparmor/parameters/enabled");
	bool on = s && s[0] == 'Y' && access("/sys/kernel/security/apparmor", F_OK) == 0;
	free(s);
	return on;
}

static bool host_selinux(void) { return access("/sys/fs/selinux/enforce", F_OK) == 0; }

static bool profile_loaded(void)
{
	char *list = ht_read("/sys/kernel/security/apparmor/profiles");
	bool yes = list && (strstr(list, "\n" PROFILE " (") || !strncmp(list, PROFILE " (", strlen(PROFILE) + 2));
	free(list);
	return yes;
}

static bool can_load(void)
{
	if (!host_apparmor()) {
		ht_skip("AppArmor is not enabled on this host");
		return false;
	}
	if (access(APPARMOR_PARSER, X_OK) < 0) {
		ht_skip("no %s (Debian's apparmor)", APPARMOR_PARSER);
		return false;
	}
	return true;
}

/* Once for the tcase, in the runner's process; removed in teardown. */
static void profile_load(void)
{
	if (!host_apparmor() || access(APPARMOR_PARSER, X_OK) < 0)
		return;
	strcpy(profile_file, "/tmp/ht-aa-XXXXXX");
	int fd = mkstemp(profile_file);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, profile_text, strlen(profile_text)), (ssize_t)strlen(profile_text));
	close(fd);
	/* -K: no cache file left in /var/cache/apparmor */
	ck_assert_int_eq(ht_spawn_quiet(APPARMOR_PARSER, "-r", "-K", profile_file, NULL), 0);
	ck_assert(profile_loaded());
}

static void profile_unload(void)
{
	if (!profile_file[0])
		return;
	if (profile_loaded())
		ht_spawn_quiet(APPARMOR_PARSER, "-R", "-K", profile_file, NULL);
	unlink(profile_file);
	profile_file[0] = 0;
}

#define TRY_WRITE(file) "echo x > /dev/shm/" file " && echo " file " written || echo " file " refused; "

/* The container's process runs in the profile: the kernel says so in its
 * attr/current, and the write the profile denies fails; others do not. */
START_TEST(apparmor_confines)
{
	if (!can_load())
		return;
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_object_set_new(process(&t), "apparmorProfile", json_string(PROFILE));
	ht_sh(&t, "cat /proc/self/attr/current; " TRY_WRITE("hull-denied") TRY_WRITE("other"));
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, PROFILE " (enforce)\nhull-denied refused\nother written\n");
	ck_assert_msg(strstr(r.err, "Permission denied"), "stderr: %s", r.err);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* exec --apparmor confines the exec'd process alone: the unconfined
 * container's own exec stays unconfined and may write. */
START_TEST(exec_apparmor)
{
	if (!can_load())
		return;
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ex_start_sleeper(&t);
	EXEC(&t, &r, "--apparmor", PROFILE, t.id, "sh", "-c", "cat /proc/self/attr/current; " TRY_WRITE("hull-denied"));
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, PROFILE " (enforce)\nhull-denied refused\n");
	ht_result_free(&r);
	EXEC(&t, &r, t.id, "sh", "-c", "cat /proc/self/attr/current; " TRY_WRITE("hull-denied"));
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "unconfined\nhull-denied written\n");
	ht_result_free(&r);
	ex_delete_and_finish(&t);
}
END_TEST

static const char *apparmor_refusal(void)
{
	return host_apparmor() ? "process.apparmorProfile: profile \"hull-test-not-loaded\" is not loaded "
				 "(/sys/kernel/security/apparmor/profiles)\n"
			       : "process.apparmorProfile: AppArmor is not enabled on this host\n";
}

/* A profile hull cannot apply fails create, whatever the host. */
START_TEST(apparmor_refused)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_object_set_new(process(&t), "apparmorProfile", json_string("hull-test-not-loaded"));
	ht_sh(&t, "echo ran");
	ht_run(&t, &r);
	ht_assert_error(&r, apparmor_refusal());
	ck_assert_str_eq(r.out, "");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(exec_apparmor_refused)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ex_start_sleeper(&t);
	EXEC(&t, &r, "--apparmor", "hull-test-not-loaded", t.id, "echo", "ran");
	ht_assert_error(&r, apparmor_refusal());
	ck_assert_str_eq(r.out, "");
	ht_result_free(&r);
	ex_delete_and_finish(&t);
}
END_TEST

/* ---- SELinux ---- */

static void selinux_refused(const char *field, const char *value, const char *want)
{
	if (host_selinux()) {
		ht_skip("SELinux is enabled on this host");
		return;
	}
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_object_set_new(!strcmp(field, "mountLabel") ? lnx(&t) : process(&t), field, json_string(value));
	ht_sh(&t, "echo ran");
	ht_run(&t, &r);
	ht_assert_error(&r, want);
	ck_assert_str_eq(r.out, "");
	ht_result_free(&r);
	ht_finish(&t);
}

START_TEST(selinux_label_refused)
{
	selinux_refused("selinuxLabel", "system_u:system_r:container_t:s0",
			"hull: config.json: process.selinuxLabel: SELinux is not enabled on this host\n");
}
END_TEST

START_TEST(mount_label_refused)
{
	selinux_refused("mountLabel", "system_u:object_r:container_file_t:s0:c1,c2",
			"hull: config.json: linux.mountLabel: SELinux is not enabled on this host\n");
}
END_TEST

START_TEST(exec_process_label_refused)
{
	if (host_selinux()) {
		ht_skip("SELinux is enabled on this host");
		return;
	}
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ex_start_sleeper(&t);
	EXEC(&t, &r, "--process-label", "system_u:system_r:container_t:s0", t.id, "echo", "ran");
	ht_assert_error(&r, "process.selinuxLabel: SELinux is not enabled on this host\n");
	ck_assert_str_eq(r.out, "");
	ht_result_free(&r);
	ex_delete_and_finish(&t);
}
END_TEST

/* A label unlike this process's own (its user, role and range, another
 * type of the reference policy), so that the container's cannot be
 * inherited by chance. */
static char *selinux_other_label(void)
{
	char *self = ht_read("/proc/self/attr/current");
	ck_assert_ptr_nonnull(self);
	self[strcspn(self, "\n")] = 0;
	char *user = self, *role = strchr(user, ':'), *type = role ? strchr(role + 1, ':') : NULL;
	ck_assert_msg(type, "a context has user:role:type: %s", self);
	char *range = strchr(type + 1, ':');
	*role++ = 0;
	*type++ = 0;
	const char *other = strncmp(type, "initrc_t", 8) ? "initrc_t" : "kernel_t";
	char *label;
	ck_assert_int_gt(asprintf(&label, "%s:%s:%s%s", user, role, other, range ? range : ""), 0);
	free(self);
	return label;
}

/* A file context the policy knows: the one of /tmp. */
static void selinux_file_label(char *ctx, size_t cap)
{
	ssize_t n = getxattr("/tmp", "security.selinux", ctx, cap - 1);
	ck_assert_int_gt(n, 0);
	ctx[n] = 0;
	ctx[strcspn(ctx, "\n")] = 0;
}

/* SELinux ends the label with a NUL, not a newline (ht_read stops there). */
#define SHOW_LABEL "tr -d '\\000' < /proc/self/attr/current; echo; "

/* Whether the mount at dest in mountinfo has opt among its options. */
static bool mount_has(const char *mountinfo, const char *dest, const char *opt)
{
	char key[64];
	snprintf(key, sizeof(key), " %s ", dest);
	for (const char *line = mountinfo; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		/* fields: ID PARENT MAJ:MIN ROOT MOUNTPOINT ...; ROOT is "/" here */
		const char *at = strstr(line, key);
		if (at && at < line + len && !strncmp(at - 2, " / ", 3)) {
			const char *o = strstr(line, opt);
			return o && o < line + len;
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}

/* On an SELinux host: the init runs with the label; the container's tmpfs
 * and devpts mounts have the mount label as their context= option, its
 * mqueue has it on its root. Read from here, in /proc/PID. */
START_TEST(selinux_labels_applied)
{
	if (!host_selinux()) {
		ht_skip("SELinux is not enabled on this host");
		return;
	}
	char *label = selinux_other_label(), ctx[256], path[128], opt[300], mq[256];
	selinux_file_label(ctx, sizeof(ctx));
	struct ht t;
	ht_begin(&t, false);
	json_object_set_new(process(&t), "selinuxLabel", json_string(label));
	json_object_set_new(lnx(&t), "mountLabel", json_string(ctx));
	pid_t pid = ex_start_sleeper(&t);
	snprintf(path, sizeof(path), "/proc/%d/attr/current", (int)pid);
	char *cur = ht_read(path);
	ck_assert_ptr_nonnull(cur);
	ck_assert_str_eq(cur, label);
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	char *mi = ht_read(path);
	ck_assert_ptr_nonnull(mi);
	/* The tmpfs and devpts mounts of hull spec's config, a masking tmpfs */
	snprintf(opt, sizeof(opt), "context=%s", ctx);
	static const char *const labeled[] = { "/dev", "/dev/pts", "/dev/shm", "/proc/acpi" };
	for (size_t i = 0; i < sizeof(labeled) / sizeof(labeled[0]); i++)
		ck_assert_msg(mount_has(mi, labeled[i], opt), "%s: no %s in the container's mountinfo:\n%s", labeled[i],
			      opt, mi);
	snprintf(path, sizeof(path), "/proc/%d/root/dev/mqueue", (int)pid);
	ssize_t n = getxattr(path, "security.selinux", mq, sizeof(mq) - 1);
	ck_assert_int_gt(n, 0);
	mq[n] = 0;
	ck_assert_str_eq(mq, ctx);
	free(cur);
	free(mi);
	free(label);
	ex_delete_and_finish(&t);
}
END_TEST

/* exec --process-label: the exec'd process alone runs with it. */
START_TEST(exec_process_label)
{
	if (!host_selinux()) {
		ht_skip("SELinux is not enabled on this host");
		return;
	}
	char *label = selinux_other_label(), want[600];
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ex_start_sleeper(&t);
	EXEC(&t, &r, "--process-label", label, t.id, "sh", "-c", SHOW_LABEL);
	ht_assert_status(&r, 0);
	snprintf(want, sizeof(want), "%s\n", label);
	ck_assert_str_eq(r.out, want);
	ht_result_free(&r);
	EXEC(&t, &r, t.id, "sh", "-c", SHOW_LABEL);
	ht_assert_status(&r, 0);
	ck_assert_str_ne(r.out, want);
	ht_result_free(&r);
	free(label);
	ex_delete_and_finish(&t);
}
END_TEST

HULL_SUITE(lsm, integration)
{
	Suite *s = suite_create("lsm");
	TCase *tc = tcase_create("apparmor");
	tcase_add_unchecked_fixture(tc, profile_load, profile_unload);
	tcase_add_test(tc, apparmor_confines);
	tcase_add_test(tc, exec_apparmor);
	tcase_add_test(tc, apparmor_refused);
	tcase_add_test(tc, exec_apparmor_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("selinux");
	tcase_add_test(tc, selinux_label_refused);
	tcase_add_test(tc, mount_label_refused);
	tcase_add_test(tc, exec_process_label_refused);
	tcase_add_test(tc, selinux_labels_applied);
	tcase_add_test(tc, exec_process_label);
	suite_add_tcase(s, tc);
	return s;
}
