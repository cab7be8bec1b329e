/* `hull features`: its shape, and every entry it lists tried against the
 * parser (and the cgroup writers), so that features never claims what hull
 * does not read. New entries in the tables are tried here without a new test. */
#include <stdio.h>

#include <jansson.h>

#include "../../cgroups/cgroups.h"
#include "../../runtime/features.h"
#include "../../runtime/lsm.h"
#include "spec-testutil.h"

static json_t *features(void)
{
	char *text = hull_features_json("9.9.9");
	ck_assert_ptr_nonnull(text);
	json_error_t e;
	json_t *f = json_loads(text, 0, &e);
	ck_assert_msg(f != NULL, "%s", e.text);
	free(text);
	return f;
}

static json_t *linux_get(json_t *f, const char *key)
{
	json_t *v = json_object_get(json_object_get(f, "linux"), key);
	ck_assert_msg(v != NULL, "linux.%s missing", key);
	return v;
}

static bool flag(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	ck_assert_msg(json_is_boolean(v), "%s is not a bool", key);
	return json_is_true(v);
}

static bool array_has(json_t *a, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* Parses CFG(members) with each string of a replacing %s; the parse must
 * succeed (what = "accepted") or fail naming want. */
static void each_parses(json_t *a, const char *members, const char *want)
{
	ck_assert_uint_gt(json_array_size(a), 0);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		char json[2048], m[1800];
		snprintf(m, sizeof(m), members, json_string_value(v));
		snprintf(json, sizeof(json), "{" MIN_CFG ",%s}", m);
		struct hull_spec *spec;
		struct hull_err err;
		int r = spec_test_parse(json, &spec, &err);
		if (!want)
			ck_assert_msg(r == 0, "%s: %s", json_string_value(v), err.msg);
		else
			ck_assert_msg(r < 0 && strstr(err.msg, want), "%s: %s", json_string_value(v),
				      r < 0 ? err.msg : "accepted");
		hull_spec_free(spec);
	}
}

START_TEST(test_shape)
{
	json_t *f = features();
	ck_assert_str_eq(json_string_value(json_object_get(f, "ociVersionMin")), "1.0.0");
	ck_assert_str_eq(json_string_value(json_object_get(f, "ociVersionMax")), "1.3.0");
	ck_assert_uint_eq(json_array_size(json_object_get(f, "hooks")), 6);
	json_t *mo = json_object_get(f, "mountOptions");
	for (size_t i = 1; i < json_array_size(mo); i++)
		ck_assert_int_lt(strcmp(json_string_value(json_array_get(mo, i - 1)),
					json_string_value(json_array_get(mo, i))), 0);
	ck_assert_uint_eq(json_array_size(linux_get(f, "namespaces")), 8);
	ck_assert_str_eq(json_string_value(json_array_get(linux_get(f, "capabilities"), 0)), "CAP_CHOWN");
	json_t *cg = linux_get(f, "cgroup");
	ck_assert(flag(cg, "v1") && flag(cg, "v2") && flag(cg, "rdma") && flag(cg, "systemd"));
	ck_assert(!flag(cg, "systemdUser"));
	json_t *sc = linux_get(f, "seccomp");
	ck_assert(flag(sc, "enabled"));
	ck_assert_uint_eq(json_array_size(json_object_get(sc, "knownFlags")), 4);
	ck_assert(array_has(json_object_get(sc, "supportedFlags"), "SECCOMP_FILTER_FLAG_LOG"));
	ck_assert(flag(json_object_get(linux_get(f, "mountExtensions"), "idmap"), "enabled"));
	ck_assert(flag(linux_get(f, "netDevices"), "enabled"));
	json_t *rdt = linux_get(f, "intelRdt");
	ck_assert(flag(rdt, "enabled") && flag(rdt, "schemata") && flag(rdt, "monitoring"));
	ck_assert_uint_eq(json_array_size(json_object_get(linux_get(f, "memoryPolicy"), "modes")), 7);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(f, "annotations"),
							   "org.hull.version")), "9.9.9");
	json_decref(f);
}
END_TEST

/* linux.apparmor and linux.selinux: what the host has, as lsm.c finds it. */
START_TEST(test_lsm_host)
{
	json_t *f = features();
	ck_assert_int_eq(flag(linux_get(f, "apparmor"), "enabled"), hull_apparmor_enabled());
	ck_assert_int_eq(flag(linux_get(f, "selinux"), "enabled"), hull_selinux_enabled());
	json_decref(f);
}
END_TEST

/* Every option listed is one the parser digests (none land in data). */
START_TEST(test_mount_options)
{
	json_t *f = features();
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(f, "mountOptions"), i, v) {
		char json[512];
		struct hull_spec *spec;
		struct hull_err err;
		snprintf(json, sizeof(json),
			 CFG("'mounts':[{'destination':'/m','type':'bind','source':'/s','options':['%s']}]"),
			 json_string_value(v));
		ck_assert_msg(spec_test_parse(json, &spec, &err) == 0, "%s", err.msg);
		ck_assert_msg(spec->mounts[0].data == NULL, "%s went to data", json_string_value(v));
		hull_spec_free(spec);
	}
	json_decref(f);
}
END_TEST

START_TEST(test_lists_parse)
{
	json_t *f = features();
	each_parses(json_object_get(f, "hooks"), "'hooks':{'%s':[{'path':'/bin/true'}]}", NULL);
	each_parses(linux_get(f, "namespaces"), "'linux':{'namespaces':[{'type':'%s'}]}", NULL);
	each_parses(linux_get(f, "capabilities"), PROC(",'capabilities':{'bounding':['%s']}"), NULL);
	json_t *sc = linux_get(f, "seccomp");
	each_parses(json_object_get(sc, "actions"),
		    "'linux':{'seccomp':{'defaultAction':'%s','listenerPath':'/run/l.sock'}}", NULL);
	each_parses(json_object_get(sc, "operators"),
		    "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],"
		    "'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1,'op':'%s'}]}]}}", NULL);
	each_parses(json_object_get(sc, "archs"),
		    "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','architectures':['%s']}}", NULL);
	each_parses(json_object_get(sc, "knownFlags"),
		    "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','flags':['%s']}}", NULL);
	json_t *mp = linux_get(f, "memoryPolicy");
	each_parses(json_object_get(mp, "modes"), "'linux':{'memoryPolicy':{'mode':'%s','nodes':'0'}}", NULL);
	each_parses(json_object_get(mp, "flags"),
		    "'linux':{'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0','flags':['%s']}}", NULL);
	json_decref(f);
}
END_TEST

/* The linux features that are one flag: a config using each is parsed and
 * kept (and rdma has a writer in the cgroup controllers' table). */
START_TEST(test_flags_kept)
{
	struct hull_spec *s;
	struct hull_err err;
	ck_assert(hull_cgroup_controller_known("rdma"));
	ck_assert_msg(spec_test_parse(CFG("'linux':{'resources':{'rdma':{'mlx5_1':{'hcaHandles':3}}}}"), &s, &err) == 0,
		      "%s", err.msg);
	ck_assert_uint_eq(s->linux_.resources.n_rdma, 1);
	hull_spec_free(s);
	ck_assert_msg(spec_test_parse(CFG("'linux':{'intelRdt':{'closID':'g','schemata':['L3:0=f'],"
					  "'enableMonitoring':true}}"), &s, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(s->linux_.rdt_clos_id, "g");
	ck_assert_uint_eq(s->linux_.rdt_schemata.n, 1);
	ck_assert(s->linux_.rdt_enable_monitoring);
	hull_spec_free(s);
	ck_assert_msg(spec_test_parse(CFG("'linux':{'namespaces':[{'type':'network'}],"
					  "'netDevices':{'eth9':{'name':'ctr0'}}}"), &s, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(s->linux_.n_net_devices, 1);
	hull_spec_free(s);
	ck_assert_msg(spec_test_parse(CFG("'mounts':[{'destination':'/m','type':'bind','source':'/s',"
					  "'options':['idmap'],'uidMappings':[{'containerID':0,'hostID':1000,'size':10}],"
					  "'gidMappings':[{'containerID':0,'hostID':1000,'size':10}]}]"), &s, &err) == 0,
		      "%s", err.msg);
	ck_assert(s->mounts[0].idmap);
	ck_assert_uint_eq(s->mounts[0].uid_mappings.n, 1);
	hull_spec_free(s);
}
END_TEST

/* Each potentially unsafe annotation is one hull reads: a bad value under
 * it is refused by its parser. An org.hull. key of no family is refused.
 * org.systemd.property.* is read by the systemd driver at create
 * (cgroups_systemd, systemd_driver suites), not by the config's parser. */
START_TEST(test_unsafe_annotations_read)
{
	json_t *f = features();
	json_t *a = json_object_get(f, "potentiallyUnsafeConfigAnnotations");
	ck_assert_uint_ge(json_array_size(a), 4);
	size_t i;
	json_t *v;
	bool systemd = false;
	json_array_foreach(a, i, v) {
		const char *k = json_string_value(v);
		if (!strcmp(k, "org.systemd.property.")) {
			systemd = true;
			continue;
		}
		bool prefix = k[strlen(k) - 1] == '.';
		char json[512];
		snprintf(json, sizeof(json), CFG("'annotations':{'%s%s':'maybe'}"), k, prefix ? "no-such-key" : "");
		struct hull_spec *s;
		struct hull_err err;
		ck_assert_msg(spec_test_parse(json, &s, &err) < 0, "%s: accepted", k);
		ck_assert_msg(strstr(err.msg, "annotations.org.hull."), "%s", err.msg);
		hull_spec_free(s);
	}
	ck_assert(systemd);
	json_decref(f);
	struct hull_spec *s;
	struct hull_err err;
	ck_assert_int_lt(spec_test_parse(CFG("'annotations':{'org.hull.cgroup.join':'true'}"), &s, &err), 0);
	ck_assert_str_eq(err.msg, "annotations.org.hull.cgroup.join: unknown key (hull reads "
				  "org.hull.net.*, org.hull.rootfs.* and org.hull.cgroups.join)");
	hull_spec_free(s);
	ck_assert_int_eq(spec_test_parse(CFG("'annotations':{'org.hull.cgroups.join':'true','org.other':'x'}"), &s,
					 &err), 0);
	ck_assert(s->cgroups_join);
	hull_spec_free(s);
}
END_TEST

HULL_SUITE(features, unit)
{
	Suite *s = suite_create("features");
	TCase *tc = tcase_create("features");
	tcase_add_test(tc, test_shape);
	tcase_add_test(tc, test_lsm_host);
	tcase_add_test(tc, test_mount_options);
	tcase_add_test(tc, test_lists_parse);
	tcase_add_test(tc, test_flags_kept);
	tcase_add_test(tc, test_unsafe_annotations_read);
	suite_add_tcase(s, tc);
	return s;
}
