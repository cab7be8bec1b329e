/* org.hull.rootfs.* annotations: what hull_spec_parse makes of them and the
 * exact errors. */
#include <stdio.h>
#include <stdlib.h>

#include "../../oci-spec/spec.h"
#include "../lib/hull-test.h"

static int parse(bool readonly, const char *ann, struct hull_spec **spec, struct hull_err *err)
{
	char buf[4096];
	snprintf(buf, sizeof(buf),
		 "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"merged\",\"readonly\":%s},"
		 "\"annotations\":{%s}}", readonly ? "true" : "false", ann);
	return hull_spec_parse(buf, strlen(buf), "/b", spec, err);
}

static void want_error(bool readonly, const char *ann, const char *msg)
{
	struct hull_spec *spec = NULL;
	struct hull_err err = { 0 };
	ck_assert_int_eq(parse(readonly, ann, &spec, &err), -EINVAL);
	ck_assert_ptr_null(spec);
	ck_assert_str_eq(err.msg, msg);
}

START_TEST(test_layers)
{
	struct hull_spec *spec = NULL;
	struct hull_err err = { 0 };
	ck_assert_msg(parse(false, "\"org.hull.rootfs.layers\":\"top:/abs/base\"", &spec, &err) == 0,
		      "%s", err.msg);
	const struct hull_overlay_config *ov = &spec->overlay;
	ck_assert_uint_eq(ov->n_layers, 2);
	ck_assert_str_eq(ov->layers[0], "/b/top");
	ck_assert_str_eq(ov->layers[1], "/abs/base");
	ck_assert_ptr_null(ov->layers[2]);
	ck_assert_ptr_null(ov->upper);
	/* Ephemeral by default, on a 64m tmpfs. */
	ck_assert_str_eq(ov->upper_size, "64m");
	ck_assert_str_eq(spec->root_path, "/b/merged");
	hull_spec_free(spec);

	ck_assert_msg(parse(false, "\"org.hull.rootfs.layers\":\"l\",\"org.hull.rootfs.upper\":\"keep\"",
			    &spec, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(spec->overlay.upper, "/b/keep");
	ck_assert_ptr_null(spec->overlay.upper_size);
	hull_spec_free(spec);

	ck_assert_msg(parse(false, "\"org.hull.rootfs.layers\":\"l\",\"org.hull.rootfs.upper-size\":\"10%\"",
			    &spec, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(spec->overlay.upper_size, "10%");
	hull_spec_free(spec);

	/* Read-only: lowers only. */
	ck_assert_msg(parse(true, "\"org.hull.rootfs.layers\":\"a:b\"", &spec, &err) == 0, "%s", err.msg);
	ck_assert_ptr_null(spec->overlay.upper);
	ck_assert_ptr_null(spec->overlay.upper_size);
	hull_spec_free(spec);

	/* Without the annotations: a plain root. */
	ck_assert_int_eq(parse(false, "\"org.example.other\":\"x\"", &spec, &err), 0);
	ck_assert_ptr_null(spec->overlay.layers);
	hull_spec_free(spec);
}
END_TEST

START_TEST(test_errors)
{
	want_error(false, "\"org.hull.rootfs.layers\":\"l\",\"org.hull.rootfs.foo\":\"1\"",
		   "annotations.org.hull.rootfs.foo: unknown key");
	want_error(false, "\"org.hull.rootfs.layers\":\"\"",
		   "annotations.org.hull.rootfs.layers: must not be empty");
	want_error(false, "\"org.hull.rootfs.layers\":\"a::b\"",
		   "annotations.org.hull.rootfs.layers: \"a::b\": an empty layer (want DIR:DIR..., top first)");
	want_error(false, "\"org.hull.rootfs.layers\":\"a:\"",
		   "annotations.org.hull.rootfs.layers: \"a:\": an empty layer (want DIR:DIR..., top first)");
	want_error(false, "\"org.hull.rootfs.upper\":\"u\"",
		   "annotations.org.hull.rootfs.upper: needs org.hull.rootfs.layers");
	want_error(false, "\"org.hull.rootfs.upper-size\":\"1m\"",
		   "annotations.org.hull.rootfs.upper-size: needs org.hull.rootfs.layers");
	want_error(false, "\"org.hull.rootfs.layers\":\"l\",\"org.hull.rootfs.upper-size\":\"0m\"",
		   "annotations.org.hull.rootfs.upper-size: \"0m\": want a tmpfs size (64m, 1g, 10%)");
	want_error(false, "\"org.hull.rootfs.layers\":\"l\",\"org.hull.rootfs.upper-size\":\"1mb\"",
		   "annotations.org.hull.rootfs.upper-size: \"1mb\": want a tmpfs size (64m, 1g, 10%)");
	want_error(false, "\"org.hull.rootfs.layers\":\"l\",\"org.hull.rootfs.upper\":\"u\","
		   "\"org.hull.rootfs.upper-size\":\"1m\"",
		   "annotations.org.hull.rootfs.upper-size: sizes the tmpfs upper; org.hull.rootfs.upper "
		   "keeps the upper on disk");
	want_error(true, "\"org.hull.rootfs.layers\":\"l\",\"org.hull.rootfs.upper\":\"u\"",
		   "annotations.org.hull.rootfs.upper: root.readonly: a read-only root has no upper");
}
END_TEST

HULL_SUITE(rootfs_annotations, unit)
{
	Suite *s = suite_create("rootfs_annotations");
	TCase *tc = tcase_create("rootfs_annotations");
	tcase_add_test(tc, test_layers);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}
