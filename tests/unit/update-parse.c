/* `hull update` inputs: runc's size units and a linux.resources object
 * alone, with its error paths. */
#include <stdlib.h>
#include <string.h>

#include "../../cli/cli.h"
#include "../../oci-spec/spec.h"
#include "../lib/hull-test.h"

START_TEST(ram_units)
{
	static const struct { const char *in; int64_t want; } ok[] = {
		{ "-1", -1 }, { "0", 0 }, { "4096", 4096 }, { "64m", 64ll << 20 }, { "64M", 64ll << 20 },
		{ "1g", 1ll << 30 }, { "1GB", 1ll << 30 }, { "1GiB", 1ll << 30 }, { "512k", 512ll << 10 },
		{ "1.5g", 3ll << 29 }, { "2t", 2ll << 40 }, { "10b", 10 }, { "3 m", 3ll << 20 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t v = 0;
		ck_assert_msg(hull_parse_ram(ok[i].in, &v) == 0, "%s refused", ok[i].in);
		ck_assert_msg(v == ok[i].want, "%s: %lld, want %lld", ok[i].in, (long long)v, (long long)ok[i].want);
	}
	static const char *const bad[] = { "", "m", "-2", "64x", "1.g", "64mm", "1e3", " 64m", "99999999999p" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v;
		ck_assert_msg(hull_parse_ram(bad[i], &v) < 0, "\"%s\" accepted", bad[i]);
	}
}
END_TEST

START_TEST(resources_object)
{
	struct hull_resources r;
	struct hull_err err = { 0 };
	const char *in = "{\"memory\": {\"limit\": 1048576, \"checkBeforeUpdate\": true}, \"cpu\": {\"quota\": 20000,"
			 " \"cpus\": \"0-1\"}, \"pids\": {\"limit\": 9}, \"blockIO\": {\"throttleReadBpsDevice\":"
			 " [{\"major\": 7, \"minor\": 1, \"rate\": 10}]}, \"unified\": {\"io.weight\": \"50\"}}";
	ck_assert_int_eq(hull_resources_parse(in, strlen(in), &r, &err), 0);
	ck_assert(r.present && r.memory.has_limit && r.memory.limit == 1048576 && r.memory.check_before_update);
	ck_assert(r.cpu.has_quota && r.cpu.quota == 20000 && !strcmp(r.cpu.cpus, "0-1") && !r.cpu.has_period);
	ck_assert(r.pids.has_limit && r.pids.limit == 9);
	ck_assert_uint_eq(r.block_io.throttle_read_bps.n, 1);
	ck_assert_uint_eq(r.block_io.throttle_read_bps.v[0].minor, 1);
	ck_assert_uint_eq(r.unified.n, 1);
	hull_resources_free(&r);

	static const struct { const char *in, *msg; } bad[] = {
		{ "{\"memory\": {\"limit\": \"64m\"}}", "resources.memory.limit: expected an integer" },
		{ "{\"memory\": {\"limit\": -5}}", "resources.memory.limit: must be -1 or non-negative" },
		{ "{\"blockIO\": {\"weight\": 5}}", "resources.blockIO.weight" },
		{ "{\"hugepageLimits\": [{\"limit\": 1}]}", "resources.hugepageLimits[0].pageSize: missing" },
		{ "[]", "resources: expected an object" },
		{ "{", "line 1" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hull_err_clear(&err);
		ck_assert_msg(hull_resources_parse(bad[i].in, strlen(bad[i].in), &r, &err) < 0, "%s accepted", bad[i].in);
		ck_assert_msg(strstr(err.msg, bad[i].msg) && strncmp(err.msg, "linux.", 6), "%s: \"%s\"", bad[i].in, err.msg);
		ck_assert(!r.present && !r.cpu.cpus);
	}
}
END_TEST

HULL_SUITE(update_parse, unit)
{
	Suite *s = suite_create("update_parse");
	TCase *tc = tcase_create("update");
	tcase_add_test(tc, ram_units);
	tcase_add_test(tc, resources_object);
	suite_add_tcase(s, tc);
	return s;
}
