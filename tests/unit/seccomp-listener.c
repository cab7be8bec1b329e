/* The container process state sent to linux.seccomp.listenerPath. */
#include <jansson.h>
#include <stdlib.h>

#include "../../oci-spec/state.h"
#include "../lib/hull-test.h"

static void fill(struct hull_state_file *st)
{
	static struct hull_kv kv[1] = { { "com.example.a", "1" } };
	memset(st, 0, sizeof(*st));
	st->oci_version = "1.2.0";
	st->id = "c1";
	st->pid = 4242;
	st->bundle = "/srv/b";
	st->rootfs = "/srv/b/rootfs";
	st->created_sec = 1704164645;
	st->annotations.v = kv;
	st->annotations.n = 1;
}

START_TEST(test_listener_json)
{
	struct hull_state_file st;
	fill(&st);
	char *s = hull_seccomp_listener_json(&st, "creating", "MKNOD=/dev/null;x=\"y\"");
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(strchr(s, '\n'));
	json_error_t e;
	json_t *o = json_loads(s, 0, &e);
	ck_assert_msg(o != NULL, "%s: %s", e.text, s);
	free(s);
	ck_assert_uint_eq(json_object_size(o), 5);
	ck_assert_str_eq(json_string_value(json_object_get(o, "ociVersion")), "1.2.0");
	json_t *fds = json_object_get(o, "fds");
	ck_assert_uint_eq(json_array_size(fds), 1);
	ck_assert_str_eq(json_string_value(json_array_get(fds, 0)), "seccompFd");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "pid")), 4242);
	ck_assert_str_eq(json_string_value(json_object_get(o, "metadata")), "MKNOD=/dev/null;x=\"y\"");
	json_t *state = json_object_get(o, "state");
	ck_assert(json_is_object(state));
	ck_assert_str_eq(json_string_value(json_object_get(state, "ociVersion")), "1.2.0");
	ck_assert_str_eq(json_string_value(json_object_get(state, "id")), "c1");
	ck_assert_str_eq(json_string_value(json_object_get(state, "status")), "creating");
	ck_assert_int_eq(json_integer_value(json_object_get(state, "pid")), 4242);
	ck_assert_str_eq(json_string_value(json_object_get(state, "bundle")), "/srv/b");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(state, "annotations"),
							   "com.example.a")), "1");
	json_decref(o);
}
END_TEST

START_TEST(test_listener_json_no_metadata)
{
	struct hull_state_file st;
	fill(&st);
	st.annotations.n = 0;
	char *s = hull_seccomp_listener_json(&st, "creating", NULL);
	ck_assert_ptr_nonnull(s);
	json_t *o = json_loads(s, 0, NULL);
	free(s);
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_null(json_object_get(o, "metadata"));
	ck_assert_ptr_null(json_object_get(json_object_get(o, "state"), "annotations"));
	ck_assert_uint_eq(json_object_size(o), 4);
	json_decref(o);
}
END_TEST

HULL_SUITE(seccomp_listener, unit)
{
	Suite *s = suite_create("seccomp_listener");
	TCase *tc = tcase_create("listener");
	tcase_add_test(tc, test_listener_json);
	tcase_add_test(tc, test_listener_json_no_metadata);
	suite_add_tcase(s, tc);
	return s;
}
