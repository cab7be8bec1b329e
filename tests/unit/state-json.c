/* state.json round trip, the state JSON hull prints, and RFC 3339 times. */
#include <jansson.h>
#include <stdio.h>
#include <unistd.h>

#include "../../base/util.h"
#include "../../oci-spec/state.h"
#include "../lib/hull-test.h"

static void fill(struct hull_state_file *st)
{
	static struct hull_kv kv[2] = { { "com.example.a", "1" }, { "org.hull.b", "two" } };
	memset(st, 0, sizeof(*st));
	st->oci_version = "1.2.0";
	st->id = "c1";
	st->pid = 4242;
	st->pid_start_time = 123456789012ULL;
	st->bundle = "/srv/b";
	st->rootfs = "/srv/b/rootfs";
	st->created_sec = 1704164645;
	st->created_nsec = 123456789;
	st->owner = 0;
	st->annotations.v = kv;
	st->annotations.n = 2;
	st->cgroup = "v1:/sys/fs/cgroup:/hull/c1";
	st->detached_init = true;
	st->systemd_cgroup = false;
	st->has_hooks = true;
	st->hooks = 1u << HULL_HOOK_POSTSTOP;
}

START_TEST(test_round_trip)
{
	struct hull_state_file in, out;
	struct hull_err err = { 0 };
	fill(&in);
	char *s = hull_state_file_dump(&in);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(hull_state_file_parse(s, strlen(s), &out, &err), 0);
	free(s);
	ck_assert_str_eq(out.oci_version, "1.2.0");
	ck_assert_str_eq(out.id, "c1");
	ck_assert_int_eq(out.pid, 4242);
	ck_assert_uint_eq(out.pid_start_time, 123456789012ULL);
	ck_assert_str_eq(out.bundle, "/srv/b");
	ck_assert_str_eq(out.rootfs, "/srv/b/rootfs");
	ck_assert_int_eq(out.created_sec, 1704164645);
	ck_assert_int_eq(out.created_nsec, 123456789);
	ck_assert_uint_eq(out.owner, 0);
	ck_assert_uint_eq(out.annotations.n, 2);
	ck_assert_str_eq(out.annotations.v[1].key, "org.hull.b");
	ck_assert_str_eq(out.annotations.v[1].value, "two");
	ck_assert_str_eq(out.cgroup, "v1:/sys/fs/cgroup:/hull/c1");
	ck_assert(out.detached_init && !out.systemd_cgroup);
	ck_assert(out.has_hooks);
	ck_assert_uint_eq(out.hooks, 1u << HULL_HOOK_POSTSTOP);
	hull_state_file_free(&out);

	/* the other values of the optional fields */
	in.cgroup = NULL;
	in.annotations.n = 0;
	in.pid = 0;
	in.owner = 65534;
	in.detached_init = false;
	in.systemd_cgroup = true;
	in.has_hooks = false;	/* as in older state files: unknown */
	s = hull_state_file_dump(&in);
	ck_assert_int_eq(hull_state_file_parse(s, strlen(s), &out, &err), 0);
	free(s);
	ck_assert_ptr_null(out.cgroup);
	ck_assert_uint_eq(out.annotations.n, 0);
	ck_assert_int_eq(out.pid, 0);
	ck_assert_uint_eq(out.owner, 65534);
	ck_assert(!out.detached_init && out.systemd_cgroup);
	ck_assert(!out.has_hooks);
	hull_state_file_free(&out);
}
END_TEST

static const struct {
	const char *json, *msg;
} bad_states[] = {
	{ "", NULL },
	{ "[]", "state.json: expected an object" },
	{ "{\"id\":\"c\"}", "state.json: ociVersion: missing" },
	{ "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"pid\":-1}",
	  "state.json: pid: must be between 0 and 2147483647" },
	{ "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\",\"rootfs\":\"/r\","
	  "\"createdSec\":1,\"owner\":\"root\"}",
	  "state.json: owner: expected a non-negative integer" },
	{ "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\",\"rootfs\":\"/r\","
	  "\"createdSec\":1,\"owner\":0,\"annotations\":{\"a\":1}}",
	  "state.json: annotations.a: expected a string" },
	{ "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\",\"rootfs\":\"/r\","
	  "\"createdSec\":1,\"createdNsec\":1000000000,\"owner\":0}",
	  "state.json: createdNsec: must be between 0 and 999999999" },
};

START_TEST(test_parse_errors)
{
	struct hull_state_file out;
	struct hull_err err = { 0 };
	const char *j = bad_states[_i].json;
	ck_assert_int_eq(hull_state_file_parse(j, strlen(j), &out, &err), -EINVAL);
	if (bad_states[_i].msg)
		ck_assert_str_eq(err.msg, bad_states[_i].msg);
	else
		ck_assert_msg(strncmp(err.msg, "state.json: line 1 column 0: ", 29) == 0, "%s", err.msg);
	/* nothing left to free, and freeing again is harmless */
	ck_assert_ptr_null(out.id);
	ck_assert_ptr_null(out.oci_version);
	hull_state_file_free(&out);
}
END_TEST

START_TEST(test_state_json)
{
	struct hull_state_file st;
	fill(&st);
	char *s = hull_state_json(&st, "running", true);
	const char *want =
		"{\n"
		"  \"ociVersion\": \"1.2.0\",\n"
		"  \"id\": \"c1\",\n"
		"  \"pid\": 4242,\n"
		"  \"status\": \"running\",\n"
		"  \"bundle\": \"/srv/b\",\n"
		"  \"rootfs\": \"/srv/b/rootfs\",\n"
		"  \"created\": \"2024-01-02T03:04:05.123456789Z\",\n"
		"  \"owner\": \"root\",\n"
		"  \"annotations\": {\n"
		"    \"com.example.a\": \"1\",\n"
		"    \"org.hull.b\": \"two\"\n"
		"  }\n"
		"}";
	ck_assert_str_eq(s, want);
	free(s);

	/* stopped with no pid: pid omitted; no annotations: omitted; compact */
	st.pid = 0;
	st.annotations.n = 0;
	st.created_nsec = 0;
	s = hull_state_json(&st, "stopped", false);
	ck_assert_str_eq(s, "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"stopped\","
			    "\"bundle\":\"/srv/b\",\"rootfs\":\"/srv/b/rootfs\","
			    "\"created\":\"2024-01-02T03:04:05Z\",\"owner\":\"root\"}");
	free(s);

	/* pid 0 is kept while creating, and a stopped pid is kept too */
	s = hull_state_json(&st, "creating", false);
	ck_assert_ptr_nonnull(strstr(s, "\"pid\":0,\"status\":\"creating\""));
	free(s);
	st.pid = 7;
	s = hull_state_json(&st, "stopped", false);
	ck_assert_ptr_nonnull(strstr(s, "\"pid\":7,"));
	free(s);

	/* an owner without a passwd entry is shown as runc shows it */
	st.owner = 3999999999u;
	s = hull_state_json(&st, "stopped", false);
	ck_assert_ptr_nonnull(strstr(s, "\"owner\":\"#3999999999\""));
	free(s);
}
END_TEST

START_TEST(test_list_and_pids)
{
	struct hull_state_file a, b;
	fill(&a);
	fill(&b);
	b.id = "c2";
	b.pid = 0;
	b.annotations.n = 0;
	const struct hull_state_file *sts[] = { &a, &b };
	const char *statuses[] = { "running", "stopped" };
	char *s = hull_state_list_json(sts, statuses, 2);
	json_t *j = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_null(strchr(s, '\n'));
	free(s);
	ck_assert_uint_eq(json_array_size(j), 2);
	json_t *e = json_array_get(j, 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "id")), "c1");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "pid")), 4242);
	ck_assert_str_eq(json_string_value(json_object_get(e, "status")), "running");
	ck_assert_str_eq(json_string_value(json_object_get(e, "created")),
			 "2024-01-02T03:04:05.123456789Z");
	ck_assert_ptr_nonnull(json_object_get(e, "annotations"));
	e = json_array_get(j, 1);
	ck_assert_str_eq(json_string_value(json_object_get(e, "id")), "c2");
	ck_assert_ptr_null(json_object_get(e, "pid"));
	ck_assert_ptr_null(json_object_get(e, "annotations"));
	json_decref(j);

	s = hull_state_list_json(NULL, NULL, 0);
	ck_assert_str_eq(s, "[]");
	free(s);

	pid_t pids[] = { 1, 42, 65536 };
	s = hull_pids_json(pids, 3);
	ck_assert_str_eq(s, "[1,42,65536]");
	free(s);
	s = hull_pids_json(NULL, 0);
	ck_assert_str_eq(s, "[]");
	free(s);
}
END_TEST

START_TEST(test_rfc3339)
{
	char buf[40];
	hull_format_rfc3339(1704164645, 123456789, buf);
	ck_assert_str_eq(buf, "2024-01-02T03:04:05.123456789Z");
	/* Go's RFC3339Nano: trailing zeros dropped, no fraction when zero */
	hull_format_rfc3339(1704164645, 120000000, buf);
	ck_assert_str_eq(buf, "2024-01-02T03:04:05.12Z");
	hull_format_rfc3339(1704164645, 1, buf);
	ck_assert_str_eq(buf, "2024-01-02T03:04:05.000000001Z");
	hull_format_rfc3339(0, 0, buf);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	hull_format_rfc3339(951782400, 500000000, buf);
	ck_assert_str_eq(buf, "2000-02-29T00:00:00.5Z");
}
END_TEST

HULL_SUITE(state_json, unit)
{
	Suite *s = suite_create("state_json");
	TCase *tc = tcase_create("state");
	tcase_add_test(tc, test_round_trip);
	tcase_add_loop_test(tc, test_parse_errors, 0,
			    (int)(sizeof(bad_states) / sizeof(bad_states[0])));
	tcase_add_test(tc, test_state_json);
	tcase_add_test(tc, test_list_and_pids);
	tcase_add_test(tc, test_rfc3339);
	suite_add_tcase(s, tc);
	return s;
}
