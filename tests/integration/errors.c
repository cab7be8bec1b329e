/* Bad inputs: each fails with one line naming the object and the cause, and
 * leaves nothing behind (ht_finish checks the host). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/ht.h"

static json_t *get(json_t *o, const char *k) { return json_object_get(o, k); }
static json_t *lnx(struct ht *t) { return get(t->cfg, "linux"); }

static void args_not_string(struct ht *t) { json_array_set_new(get(get(t->cfg, "process"), "args"), 0, json_integer(5)); }
static void no_root(struct ht *t) { json_object_del(t->cfg, "root"); }
static void rootfs_missing(struct ht *t) { json_object_set_new(get(t->cfg, "root"), "path", json_string("/nonexistent/rootfs")); }
static void cwd_relative(struct ht *t) { json_object_set_new(get(t->cfg, "process"), "cwd", json_string("tmp")); }
static void bad_fstype(struct ht *t) { ht_mount(t, "/x", "nosuchfs", "none", NULL); }
static void bind_source_missing(struct ht *t) { ht_mount(t, "/mnt", "bind", "/nonexistent/src", "rbind", NULL); }
static void bad_tmpfs_option(struct ht *t) { ht_mount(t, "/tmp", "tmpfs", "tmpfs", "size=lots", NULL); }
static void sysctl_host(struct ht *t) { json_object_set_new(lnx(t), "sysctl", json_pack("{s:s}", "vm.swappiness", "10")); }
static void sysctl_net_without_netns(struct ht *t)
{
	json_t *nss = get(lnx(t), "namespaces"), *ns;
	size_t i;
	json_array_foreach(nss, i, ns)
		if (!strcmp(json_string_value(get(ns, "type")), "network")) {
			json_array_remove(nss, i);
			break;
		}
	json_object_set_new(lnx(t), "sysctl", json_pack("{s:s}", "net.ipv4.ip_forward", "1"));
}
static void ns_path_missing(struct ht *t)
{
	json_t *nss = get(lnx(t), "namespaces"), *ns;
	size_t i;
	json_array_foreach(nss, i, ns)
		if (!strcmp(json_string_value(get(ns, "type")), "ipc"))
			json_object_set_new(ns, "path", json_string("/nonexistent/ns"));
}
static void user_ns(struct ht *t) { json_array_append_new(get(lnx(t), "namespaces"), json_pack("{s:s}", "type", "user")); }
static void gid_maps_without_userns(struct ht *t) { json_object_set_new(lnx(t), "gidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 100000, "size", 65536)); }
static void userns_without_uid_0(struct ht *t)
{
	user_ns(t);
	json_object_set_new(lnx(t), "uidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID", 1, "hostID", 100000, "size", 10));
	json_object_set_new(lnx(t), "gidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 100000, "size", 10));
}
static void time_offsets_without_timens(struct ht *t) { json_object_set_new(lnx(t), "timeOffsets", json_pack("{s:{s:i, s:i}}", "boottime", "secs", 10, "nanosecs", 0)); }
static void hostname_without_uts(struct ht *t)
{
	json_t *nss = get(lnx(t), "namespaces"), *ns;
	size_t i;
	json_array_foreach(nss, i, ns)
		if (!strcmp(json_string_value(get(ns, "type")), "uts")) {
			json_array_remove(nss, i);
			break;
		}
}
static void cgroups_path_dotdot(struct ht *t) { json_object_set_new(lnx(t), "cgroupsPath", json_string("../../escape")); }
static void cgroups_path_systemd(struct ht *t) { json_object_set_new(lnx(t), "cgroupsPath", json_string("system.slice:hull:x")); }
static void memory_limit_string(struct ht *t) { json_object_set_new(get(lnx(t), "resources"), "memory", json_pack("{s:s}", "limit", "lots")); }
static void bad_device_type(struct ht *t) { json_object_set_new(lnx(t), "devices", json_pack("[{s:s, s:s, s:i, s:i}]", "path", "/dev/x", "type", "x", "major", 1, "minor", 3)); }
static void bad_option_type(struct ht *t) { ht_mount(t, "/tmp", "tmpfs", "tmpfs", NULL); json_array_append_new(get(json_array_get(get(t->cfg, "mounts"), json_array_size(get(t->cfg, "mounts")) - 1), "options"), json_true()); }
static void version_2(struct ht *t) { json_object_set_new(t->cfg, "ociVersion", json_string("2.0.0")); }

static const struct {
	void (*mutate)(struct ht *t);
	const char *want;
} cases[] = {
	{ args_not_string, "hull: config.json: process.args[0]: expected a string\n" },
	{ no_root, "hull: config.json: root: missing\n" },
	{ rootfs_missing, "/nonexistent/rootfs" },
	{ cwd_relative, "hull: config.json: process.cwd: must be an absolute path\n" },
	{ bad_fstype, "nosuchfs" },
	{ bind_source_missing, "/nonexistent/src" },
	{ bad_tmpfs_option, "Invalid argument" },
	{ sysctl_host, "linux.sysctl.vm.swappiness" },
	{ sysctl_net_without_netns, "linux.sysctl.net.ipv4.ip_forward" },
	{ ns_path_missing, "/nonexistent/ns" },
	{ user_ns, "hull: config.json: linux.uidMappings: user namespaces enabled, but no mappings found\n" },
	{ gid_maps_without_userns, "hull: config.json: linux.gidMappings: mappings given but no user namespace\n" },
	{ userns_without_uid_0, "hull: config.json: linux.uidMappings: container uid 0 is not mapped; the container's root needs it\n" },
	{ time_offsets_without_timens, "hull: config.json: linux.timeOffsets: offsets given but no time namespace\n" },
	{ hostname_without_uts, "hull: config.json: hostname: needs a uts namespace\n" },
	{ cgroups_path_dotdot, "cgroupsPath" },
	{ cgroups_path_systemd, "a systemd path (slice:prefix:name) needs --systemd-cgroup" },
	{ memory_limit_string, "hull: config.json: linux.resources.memory.limit: expected an integer\n" },
	{ bad_device_type, "linux.devices[0].type" },
	{ bad_option_type, "options[0]: expected a string" },
	{ version_2, "hull: config.json: ociVersion: " },
};

START_TEST(bad_config_leaves_nothing)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_sh(&t, "echo should not run");
	cases[_i].mutate(&t);
	ht_run(&t, &r);
	ht_assert_error(&r, cases[_i].want);
	ck_assert_str_eq(r.out, "");
	ht_result_free(&r);
	/* create leaves nothing either */
	ht_hull(&t, &r, NULL, "create", "--bundle", t.bundle, t.id, NULL);
	ht_assert_error(&r, cases[_i].want);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(missing_bundle)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_hull(&t, &r, NULL, "run", "--bundle", "/nonexistent/bundle", t.id, NULL);
	ht_assert_error(&r, "hull: config.json: /nonexistent/bundle/config.json: No such file or directory\n");
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "start", "nosuchcontainer", NULL);
	ht_assert_error(&r, "hull: container nosuchcontainer does not exist\n");
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "frobnicate", NULL);
	ht_assert_error(&r, "hull: unknown command \"frobnicate\"");
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "create", "--bogus", t.id, NULL);
	ht_assert_error(&r, "--bogus");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* --log-format json: one object per line, as containerd reads runc's log. */
START_TEST(log_json_help_version)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	char log[128];
	snprintf(log, sizeof(log), "%s/log.json", t.bundle);
	ht_hull(&t, &r, NULL, "--log", log, "--log-format", "json", "state", "nosuch", NULL);
	ht_assert_error(&r, "hull: container nosuch does not exist\n");
	ht_result_free(&r);
	char *s = ht_read(log);
	ck_assert_ptr_nonnull(s);
	ck_assert_msg(strchr(s, '\n') == s + strlen(s) - 1, "not one line: %s", s);
	json_t *j = json_loads(s, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON: %s", s);
	ck_assert_str_eq(json_string_value(json_object_get(j, "level")), "error");
	ck_assert_str_eq(json_string_value(json_object_get(j, "msg")), "container nosuch does not exist");
	ck_assert(json_is_string(json_object_get(j, "time")));
	json_decref(j);
	free(s);

	ht_hull(&t, &r, NULL, "help", "kill", NULL);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "usage: hull [GLOBAL OPTIONS] kill [--all] ID [SIGNAL]\nSee hull-kill(8).\n");
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "--version", NULL);
	ht_assert_status(&r, 0);
	ck_assert_msg(!strncmp(r.out, "hull version ", 13) && strstr(r.out, "spec: 1.3.0\n"), "%s", r.out);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

HULL_SUITE(errors, integration)
{
	Suite *s = suite_create("errors");
	TCase *tc = tcase_create("errors");
	tcase_add_loop_test(tc, bad_config_leaves_nothing, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, missing_bundle);
	tcase_add_test(tc, log_json_help_version);
	suite_add_tcase(s, tc);
	return s;
}
