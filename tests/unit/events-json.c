/* oci-spec/events.c, the Go duration parser and the cpu_limited_by rule. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/cli.h"
#include "../../oci-spec/events.h"
#include "../../runtime/lifecycle.h"
#include "../lib/hull-test.h"

START_TEST(durations)
{
	static const struct { const char *s; uint64_t ns; } ok[] = {
		{ "5s", 5000000000ull }, { "500ms", 500000000ull }, { "1m", 60000000000ull },
		{ "1m30s", 90000000000ull }, { "0.1s", 100000000ull }, { "1.5h", 5400000000000ull },
		{ "250us", 250000ull }, { "7ns", 7 }, { "0", 0 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t ns = 1;
		ck_assert_msg(hull_parse_duration(ok[i].s, &ns) == 0 && ns == ok[i].ns, "%s: %llu", ok[i].s,
			      (unsigned long long)ns);
	}
	static const char *const bad[] = { "", "5", "s", "5x", "-1s", "1.s.", "99999999999h" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ns;
		ck_assert_msg(hull_parse_duration(bad[i], &ns) < 0, "\"%s\" accepted", bad[i]);
	}
}
END_TEST

START_TEST(cpuset_count)
{
	ck_assert_uint_eq(hull_cpuset_count("0-1\n"), 2);
	ck_assert_uint_eq(hull_cpuset_count("0-3,8,10-11"), 7);
	ck_assert_uint_eq(hull_cpuset_count("3"), 1);
	ck_assert_uint_eq(hull_cpuset_count("3-1"), 0);
	ck_assert_uint_eq(hull_cpuset_count("x"), 0);
}
END_TEST

START_TEST(verdicts)
{
	const uint64_t s = 1000000000ull;
	struct hull_cgroup_stats st = { 0 };
	st.cpu.present = true;
	st.cpu.has_throttling = true;
	st.cpu.total = s / 5;
	st.cpu.throttled_periods = 8;
	st.cpu.throttled_time = s / 2;
	ck_assert_str_eq(hull_cpu_limited_by(&st, s, 2, 0.5), "bandwidth");
	st.cpu.throttled_periods = st.cpu.throttled_time = 0;
	ck_assert_str_eq(hull_cpu_limited_by(&st, s, 2, 0.5), "none");
	/* One CPU of two in the cpuset, kept busy. */
	st.limits.n_cpus = 1;
	st.cpu.total = 95 * s / 100;
	ck_assert_str_eq(hull_cpu_limited_by(&st, s, 2, 0.5), "cpuset");
	/* The whole host in the cpuset: not a cpuset limit. */
	ck_assert_str_eq(hull_cpu_limited_by(&st, s, 1, 0.5), "none");
	/* Waited a third of the time on a busy host. */
	st.limits.n_cpus = 2;
	st.cpu.total = s / 2;
	st.cpu.has_wait = true;
	st.cpu.wait = s / 3;
	ck_assert_str_eq(hull_cpu_limited_by(&st, s, 2, 0.02), "shares");
	/* The same on an idle host: something else held it. */
	ck_assert_str_eq(hull_cpu_limited_by(&st, s, 2, 0.6), "none");
	/* No waiting: it did not want more. */
	st.cpu.wait = 0;
	ck_assert_str_eq(hull_cpu_limited_by(&st, s, 2, 0.02), "none");
}
END_TEST

START_TEST(stats_json)
{
	struct hull_cgroup_stats st = { 0 };
	st.cpu.present = true;
	st.cpu.total = 30;
	st.cpu.user = 20;
	st.cpu.kernel = 10;
	st.cpu.has_throttling = true;
	st.cpu.periods = 5;
	st.memory.present = st.memory.usage.present = true;
	st.memory.usage = (struct hull_mem_entry){ true, 4096, 8192, 16384, 1 };
	st.pids.present = true;
	st.pids.current = 3;
	struct hull_blkio_entry b[] = { { 8, 0, "Read", 512 }, { 8, 0, "Write", 1024 } };
	st.blkio.bytes = b;
	st.blkio.n_bytes = 2;
	char *s = hull_events_stats_json("c1", &st);
	json_t *j = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "type")), "stats");
	json_t *d = json_object_get(j, "data");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(d, "cpu"), "usage"), "total")), 30);
	json_t *thr = json_object_get(json_object_get(d, "cpu"), "throttling");
	ck_assert_int_eq(json_integer_value(json_object_get(thr, "periods")), 5);
	ck_assert_ptr_null(json_object_get(thr, "throttledPeriods"));	/* omitempty */
	json_t *mu = json_object_get(json_object_get(d, "memory"), "usage");
	ck_assert_int_eq(json_integer_value(json_object_get(mu, "limit")), 16384);
	ck_assert_int_eq(json_integer_value(json_object_get(mu, "max")), 8192);
	json_t *bl = json_object_get(json_object_get(d, "blkio"), "ioServiceBytesRecursive");
	ck_assert_uint_eq(json_array_size(bl), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(bl, 1), "op")), "Write");
	json_decref(j);
	free(s);

	s = hull_events_oom_json("c1");
	ck_assert_str_eq(s, "{\"type\":\"oom\",\"id\":\"c1\"}");
	free(s);

	struct hull_run_report rep = { "c1", 3, 1000, &st, "none" };
	s = hull_run_report_json(&rep);
	j = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(j);
	json_t *dev = json_array_get(json_object_get(j, "blkio"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(dev, "read_bytes")), 512);
	ck_assert_int_eq(json_integer_value(json_object_get(dev, "write_bytes")), 1024);
	ck_assert(json_is_null(json_object_get(json_object_get(j, "pids"), "peak")));
	ck_assert(json_is_null(json_object_get(json_object_get(j, "limits"), "pids")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "memory"), "limit_bytes")), 16384);
	json_decref(j);
	free(s);
}
END_TEST

HULL_SUITE(events_json, unit)
{
	Suite *s = suite_create("events_json");
	TCase *tc = tcase_create("events_json");
	tcase_add_test(tc, durations);
	tcase_add_test(tc, cpuset_count);
	tcase_add_test(tc, verdicts);
	tcase_add_test(tc, stats_json);
	suite_add_tcase(s, tc);
	return s;
}
