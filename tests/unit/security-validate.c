/* runtime/caps.c and runtime/security.c on the parent side: names to masks,
 * and the configs refused before a container exists. */
#include <stdio.h>

#include "../../runtime/caps.h"
#include "../../runtime/lsm.h"
#include "../../runtime/security.h"
#include "spec-testutil.h"

#define B(c) (UINT64_C(1) << (c))

START_TEST(test_resolve_default)
{
	struct hull_spec *s;
	struct hull_err err;
	struct hull_capsets c;
	const char *set = "['CAP_AUDIT_WRITE','CAP_KILL','CAP_NET_BIND_SERVICE']";
	char json[1024];
	snprintf(json, sizeof(json),
		 CFG(PROC(",'capabilities':{'bounding':%s,'effective':%s,'permitted':%s}")), set, set,
		 set);
	ck_assert_int_eq(spec_test_parse(json, &s, &err), 0);
	ck_assert_int_eq(hull_caps_resolve(&s->process, &c, &err), 0);
	ck_assert_uint_eq(c.bounding, UINT64_C(0x20000420));
	ck_assert_uint_eq(c.effective, UINT64_C(0x20000420));
	ck_assert_uint_eq(c.permitted, UINT64_C(0x20000420));
	ck_assert_uint_eq(c.inheritable, 0);
	ck_assert_uint_eq(c.ambient, 0);
	hull_spec_free(s);
}
END_TEST

START_TEST(test_resolve_absent)
{
	struct hull_spec *s;
	struct hull_err err;
	struct hull_capsets c = { .bounding = 1 };
	ck_assert_int_eq(spec_test_parse(CFG(PROC("")), &s, &err), 0);
	ck_assert_int_eq(hull_caps_resolve(&s->process, &c, &err), 0);
	ck_assert_uint_eq(c.bounding | c.effective | c.permitted | c.inheritable | c.ambient, 0);
	hull_spec_free(s);
}
END_TEST

START_TEST(test_resolve_all_sets)
{
	struct hull_spec *s;
	struct hull_err err;
	struct hull_capsets c;
	ck_assert_int_eq(spec_test_parse(CFG(PROC(",'capabilities':{"
						  "'bounding':['CAP_CHOWN','CAP_NET_RAW','CAP_SYS_ADMIN'],"
						  "'effective':['CAP_CHOWN'],"
						  "'permitted':['CAP_CHOWN','CAP_NET_RAW'],"
						  "'inheritable':['CAP_NET_RAW'],"
						  "'ambient':['CAP_NET_RAW']}")),
					 &s, &err),
			 0);
	ck_assert_int_eq(hull_caps_resolve(&s->process, &c, &err), 0);
	ck_assert_uint_eq(c.bounding, B(0) | B(13) | B(21));
	ck_assert_uint_eq(c.effective, B(0));
	ck_assert_uint_eq(c.permitted, B(0) | B(13));
	ck_assert_uint_eq(c.inheritable, B(13));
	ck_assert_uint_eq(c.ambient, B(13));
	hull_spec_free(s);
}
END_TEST

static const struct {
	const char *json;
	const char *want;
} bad[] = {
	{ CFG(PROC(",'capabilities':{'bounding':['CAP_KILL','CAP_CHOWN','CAP_FOO']}")),
	  "process.capabilities.bounding[2]: unknown capability CAP_FOO" },
	{ CFG(PROC(",'capabilities':{'effective':['KILL']}")),
	  "process.capabilities.effective[0]: unknown capability KILL" },
	{ CFG(PROC(",'capabilities':{'permitted':['cap_kill']}")),
	  "process.capabilities.permitted[0]: unknown capability cap_kill" },
	{ CFG(PROC(",'capabilities':{'permitted':['CAP_KILL'],'effective':['CAP_KILL','CAP_CHOWN']}")),
	  "process.capabilities.effective[1]: CAP_CHOWN is not in the permitted set" },
	{ CFG(PROC(",'capabilities':{'inheritable':['CAP_KILL']}")),
	  "process.capabilities.inheritable[0]: CAP_KILL is not in the bounding set" },
	{ CFG(PROC(",'capabilities':{'bounding':['CAP_KILL'],'permitted':['CAP_KILL'],"
		   "'ambient':['CAP_KILL']}")),
	  "process.capabilities.ambient[0]: CAP_KILL must also be in the permitted and inheritable sets" },
	{ CFG(PROC(",'scheduler':{'policy':'SCHED_FIFO'}")),
	  "process.scheduler.priority: SCHED_FIFO needs 1 to 99" },
	{ CFG(PROC(",'scheduler':{'policy':'SCHED_OTHER','priority':5}")),
	  "process.scheduler.priority: only SCHED_FIFO and SCHED_RR have one" },
	{ CFG(PROC(",'scheduler':{'policy':'SCHED_BATCH','runtime':100}")),
	  "process.scheduler: runtime, deadline and period are for SCHED_DEADLINE only" },
	{ CFG(PROC(",'scheduler':{'policy':'SCHED_DEADLINE','runtime':200,'deadline':100}")),
	  "process.scheduler: SCHED_DEADLINE needs 0 < runtime <= deadline <= period" },
	{ CFG(PROC(",'scheduler':{'policy':'SCHED_ISO'}")),
	  "process.scheduler.policy: SCHED_ISO is not in Linux" },
	{ CFG(PROC(",'execCPUAffinity':{'initial':'0-'}")),
	  "process.execCPUAffinity.initial: bad CPU list \"0-\"" },
	{ CFG(PROC(",'execCPUAffinity':{'final':'3-1'}")),
	  "process.execCPUAffinity.final: bad CPU list \"3-1\"" },
	{ CFG(PROC("") ",'linux':{'personality':{'domain':'LINUX','flags':['X']}}"),
	  "linux.personality.flags[0]: unknown flag X" },
};

START_TEST(test_bad)
{
	struct hull_spec *s;
	struct hull_capsets caps;
	struct hull_err err;
	ck_assert_msg(spec_test_parse(bad[_i].json, &s, &err) == 0, "%s", err.msg);
	ck_assert_int_lt(hull_security_validate(s, &caps, &err), 0);
	ck_assert_str_eq(err.msg, bad[_i].want);
	hull_spec_free(s);
}
END_TEST

static const char *const good[] = {
	CFG(PROC(",'scheduler':{'policy':'SCHED_RR','priority':99,'flags':['SCHED_FLAG_RESET_ON_FORK']}")),
	CFG(PROC(",'scheduler':{'policy':'SCHED_DEADLINE','runtime':10,'deadline':20,'period':30}")),
	CFG(PROC(",'scheduler':{'policy':'SCHED_BATCH','nice':-5}")),
	CFG(PROC(",'execCPUAffinity':{'initial':'0-3,7','final':'1'}")),
	CFG(PROC(",'apparmorProfile':'','selinuxLabel':''")),
	CFG(PROC(",'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':0}")),
	CFG(PROC("") ",'linux':{'personality':{'domain':'LINUX32'}}"),
};

START_TEST(test_good)
{
	struct hull_spec *s;
	struct hull_capsets caps;
	struct hull_err err;
	ck_assert_msg(spec_test_parse(good[_i], &s, &err) == 0, "%s", err.msg);
	ck_assert_msg(hull_security_validate(s, &caps, &err) == 0, "%s", err.msg);
	hull_spec_free(s);
}
END_TEST

/* The kernel's AppArmor profiles file: "NAME (MODE)" lines. */
START_TEST(test_apparmor_profiles_list)
{
	const char *list = "docker-default (enforce)\n"
			   "/usr/sbin/cupsd (complain)\n"
			   "cri-containerd.apparmor.d (enforce)\n"
			   "with space (kill)\n";
	ck_assert(hull_apparmor_profiles_have(list, "docker-default"));
	ck_assert(hull_apparmor_profiles_have(list, "/usr/sbin/cupsd"));
	ck_assert(hull_apparmor_profiles_have(list, "cri-containerd.apparmor.d"));
	ck_assert(hull_apparmor_profiles_have(list, "with space"));
	ck_assert(!hull_apparmor_profiles_have(list, "docker"));
	ck_assert(!hull_apparmor_profiles_have(list, "docker-default (enforce)"));
	ck_assert(!hull_apparmor_profiles_have(list, "with"));
	ck_assert(!hull_apparmor_profiles_have(list, "enforce"));
	ck_assert(!hull_apparmor_profiles_have("", "docker-default"));
	ck_assert(hull_apparmor_profiles_have("a (enforce)", "a"));
}
END_TEST

HULL_SUITE(security_validate, unit)
{
	Suite *s = suite_create("security_validate");
	TCase *tc = tcase_create("security_validate");
	tcase_add_test(tc, test_resolve_default);
	tcase_add_test(tc, test_resolve_absent);
	tcase_add_test(tc, test_resolve_all_sets);
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_test(tc, test_apparmor_profiles_list);
	suite_add_tcase(s, tc);
	return s;
}
