/* Process security: the capability sets, no_new_privs, I/O priority,
 * scheduler and personality (the LSM labels: lsm.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/ht.h"

static json_t *process(struct ht *t) { return json_object_get(t->cfg, "process"); }

#define CAPS_AND_NNP "grep -E '^(Cap|NoNewPrivs)' /proc/self/status"

/* The container of `hull spec` holds exactly runc's default set:
 * AUDIT_WRITE (29), KILL (5), NET_BIND_SERVICE (10). */
START_TEST(default_caps)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_sh(&t, CAPS_AND_NNP);
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "CapInh:\t0000000000000000\n"
				"CapPrm:\t0000000020000420\n"
				"CapEff:\t0000000020000420\n"
				"CapBnd:\t0000000020000420\n"
				"CapAmb:\t0000000000000000\n"
				"NoNewPrivs:\t1\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* Without process.capabilities, runc grants nothing; neither does hull,
 * even to uid 0. */
START_TEST(no_caps)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_object_del(process(&t), "capabilities");
	ht_sh(&t, "grep -E '^Cap' /proc/self/status; touch /dev/x; chown 1 /dev/x 2>/dev/null || echo denied");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "CapInh:\t0000000000000000\n"
				"CapPrm:\t0000000000000000\n"
				"CapEff:\t0000000000000000\n"
				"CapBnd:\t0000000000000000\n"
				"CapAmb:\t0000000000000000\n"
				"denied\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* A non-root process keeps across exec only what is ambient: NET_RAW (13)
 * survives, CHOWN (0), only permitted, does not; the bounding set holds
 * SYS_ADMIN (21) and nothing else that was not listed. */
START_TEST(ambient_non_root)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_t *p = process(&t);
	json_object_set_new(p, "user", json_pack("{s:i, s:i}", "uid", 1000, "gid", 1000));
	json_object_set_new(p, "noNewPrivileges", json_false());
	json_object_set_new(p, "capabilities",
			    json_pack("{s:[s,s,s], s:[s,s], s:[s,s], s:[s], s:[s]}",
				      "bounding", "CAP_NET_RAW", "CAP_CHOWN", "CAP_SYS_ADMIN",
				      "effective", "CAP_NET_RAW", "CAP_CHOWN",
				      "permitted", "CAP_NET_RAW", "CAP_CHOWN",
				      "inheritable", "CAP_NET_RAW",
				      "ambient", "CAP_NET_RAW"));
	ht_sh(&t, "id -u; " CAPS_AND_NNP);
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "1000\n"
				"CapInh:\t0000000000002000\n"
				"CapPrm:\t0000000000002000\n"
				"CapEff:\t0000000000002000\n"
				"CapBnd:\t0000000000202001\n"
				"CapAmb:\t0000000000002000\n"
				"NoNewPrivs:\t0\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* Dropped from the bounding set, a capability cannot come back: not even
 * uid 0 gets CAP_SYS_ADMIN to mount. */
START_TEST(bounding_dropped)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_object_set_new(process(&t), "capabilities",
			    json_pack("{s:[s], s:[s], s:[s]}", "bounding", "CAP_KILL",
				      "effective", "CAP_KILL", "permitted", "CAP_KILL"));
	ht_sh(&t, "grep CapBnd /proc/self/status; mount -t tmpfs x /tmp 2>/dev/null || echo no mount");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "CapBnd:\t0000000000000020\nno mount\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

static void assert_config_error(void (*edit)(struct ht *t), const char *want)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	edit(&t);
	ht_run(&t, &r);
	ht_assert_error(&r, want);
	ck_assert_msg(!strstr(r.out, "CapEff"), "the container ran: %s", r.out);
	ht_result_free(&r);
	ht_finish(&t);
}

static void unknown_cap_edit(struct ht *t)
{
	json_t *b = json_object_get(json_object_get(process(t), "capabilities"), "bounding");
	json_array_insert_new(b, 2, json_string("CAP_FOO"));
	ht_sh(t, CAPS_AND_NNP);
}

START_TEST(unknown_cap)
{
	assert_config_error(unknown_cap_edit,
			    "hull: config.json: process.capabilities.bounding[2]: unknown capability CAP_FOO\n");
}
END_TEST

static void lowercase_cap_edit(struct ht *t)
{
	json_t *b = json_object_get(json_object_get(process(t), "capabilities"), "ambient");
	if (!b)
		json_object_set_new(json_object_get(process(t), "capabilities"), "ambient",
				    b = json_array());
	json_array_append_new(b, json_string("cap_kill"));
	ht_sh(t, CAPS_AND_NNP);
}

START_TEST(lowercase_cap)
{
	assert_config_error(lowercase_cap_edit,
			    "config.json: process.capabilities.ambient[0]: unknown capability cap_kill\n");
}
END_TEST

/* PR_CAP_AMBIENT_RAISE would fail in the container; the parent says why. */
static void ambient_not_inheritable_edit(struct ht *t)
{
	json_object_set_new(json_object_get(process(t), "capabilities"), "ambient",
			    json_pack("[s]", "CAP_KILL"));
	ht_sh(t, CAPS_AND_NNP);
}

START_TEST(ambient_not_inheritable)
{
	assert_config_error(ambient_not_inheritable_edit,
			    "config.json: process.capabilities.ambient[0]: CAP_KILL must also be in "
			    "the permitted and inheritable sets\n");
}
END_TEST

/* ionice reads ioprio_get; field 19 of /proc/self/stat is the nice value. */
START_TEST(io_priority_scheduler_personality)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_t *p = process(&t);
	json_object_set_new(p, "ioPriority", json_pack("{s:s, s:i}", "class", "IOPRIO_CLASS_BE",
						       "priority", 6));
	json_object_set_new(p, "scheduler", json_pack("{s:s, s:i}", "policy", "SCHED_BATCH", "nice", 7));
	json_object_set_new(json_object_get(t.cfg, "linux"), "personality",
			    json_pack("{s:s}", "domain", "LINUX32"));
	ht_sh(&t, "ionice; grep -E '^policy' /proc/self/sched | tr -s ' '; "
		  "cut -d' ' -f19 /proc/self/stat; uname -m");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "best-effort: prio 6\npolicy : 3\n7\ni686\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* Without the settings, the container has the host's defaults. */
START_TEST(defaults_untouched)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_sh(&t, "grep -E '^policy' /proc/self/sched | tr -s ' '; uname -m");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "policy : 0\nx86_64\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

static void fifo_edit(struct ht *t)
{
	json_object_set_new(process(t), "scheduler", json_pack("{s:s}", "policy", "SCHED_FIFO"));
	ht_sh(t, CAPS_AND_NNP);
}

START_TEST(scheduler_bad_priority)
{
	assert_config_error(fifo_edit, "hull: config.json: process.scheduler.priority: SCHED_FIFO "
				       "needs 1 to 99\n");
}
END_TEST

HULL_SUITE(security, integration)
{
	Suite *s = suite_create("security");
	TCase *tc = tcase_create("security");
	tcase_add_test(tc, default_caps);
	tcase_add_test(tc, no_caps);
	tcase_add_test(tc, ambient_non_root);
	tcase_add_test(tc, bounding_dropped);
	tcase_add_test(tc, unknown_cap);
	tcase_add_test(tc, lowercase_cap);
	tcase_add_test(tc, ambient_not_inheritable);
	tcase_add_test(tc, io_priority_scheduler_personality);
	tcase_add_test(tc, defaults_untouched);
	tcase_add_test(tc, scheduler_bad_priority);
	suite_add_tcase(s, tc);
	return s;
}
