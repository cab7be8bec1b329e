/* linux.intelRdt: an existing closID group's schemata compared with the
 * config's l3CacheSchema and memBwSchema, domain by domain. */
#include "../../runtime/rdt.h"
#include "spec-testutil.h"

static const char have[] = "    L3:0=fffff;1=0ff00\n    MB:0=100;1= 50\n";

START_TEST(test_matches)
{
	ck_assert(hull_rdt_schema_matches(have, "L3:0=fffff;1=ff00"));
	ck_assert(hull_rdt_schema_matches(have, "L3:1=FF00"));	/* a subset of the domains */
	ck_assert(hull_rdt_schema_matches(have, "MB:0=100"));
	ck_assert(!hull_rdt_schema_matches(have, "L3:0=ff"));
	ck_assert(!hull_rdt_schema_matches(have, "L3:2=fffff"));	/* no such domain */
	ck_assert(!hull_rdt_schema_matches(have, "L2:0=f"));	/* no such resource */
	ck_assert(!hull_rdt_schema_matches(have, "MB:0=10"));
	ck_assert(!hull_rdt_schema_matches(have, "MB"));
	ck_assert(!hull_rdt_schema_matches(have, "L3:0"));
}
END_TEST

/* closID "/" is the default CLOS (the spec's special case). */
START_TEST(test_root_clos)
{
	struct hull_spec *s;
	struct hull_err err;
	ck_assert_msg(spec_test_parse(CFG("'linux':{'intelRdt':{'closID':'/'}}"), &s, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(s->linux_.rdt_clos_id, "/");
	hull_spec_free(s);
}
END_TEST

HULL_SUITE(rdt_schema, unit)
{
	Suite *s = suite_create("rdt_schema");
	TCase *tc = tcase_create("rdt_schema");
	tcase_add_test(tc, test_matches);
	tcase_add_test(tc, test_root_clos);
	suite_add_tcase(s, tc);
	return s;
}
