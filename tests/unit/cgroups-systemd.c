/* The systemd driver's parts that need no bus: linux.cgroupsPath as
 * "slice:prefix:name", the unit properties from linux.resources and from
 * org.systemd.property.* annotations, the saved unit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cgroups/internal.h"
#include "../../cgroups/systemd.h"
#include "../lib/hull-test.h"

static void unit_ok(const char *in, const char *id, const char *slice, const char *name, const char *path)
{
	struct hull_sd_unit u;
	struct hull_err err = { 0 };
	ck_assert_msg(hull_sd_unit_parse(in, id, &u, &err) == 0, "%s: %s", in ? in : "(null)", err.msg);
	ck_assert_str_eq(u.slice, slice);
	ck_assert_str_eq(u.name, name);
	ck_assert_str_eq(u.path, path);
	hull_sd_unit_free(&u);
}

static void unit_bad(const char *in, const char *want)
{
	struct hull_sd_unit u;
	struct hull_err err = { 0 };
	ck_assert_msg(hull_sd_unit_parse(in, "c1", &u, &err) < 0, "accepted %s", in);
	ck_assert_msg(strstr(err.msg, want), "%s: message: %s", in, err.msg);
	ck_assert_ptr_null(u.name);
}

START_TEST(test_unit_path)
{
	unit_ok("system.slice:docker:abc", "x", "system.slice", "docker-abc.scope", "/system.slice/docker-abc.scope");
	unit_ok("kubepods-besteffort-pod12.slice:cri-containerd:c1", "x", "kubepods-besteffort-pod12.slice",
		"cri-containerd-c1.scope",
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice/cri-containerd-c1.scope");
	unit_ok(":hull:c2", "x", "system.slice", "hull-c2.scope", "/system.slice/hull-c2.scope");
	unit_ok(NULL, "c3", "system.slice", "hull-c3.scope", "/system.slice/hull-c3.scope");
	unit_ok("", "c4", "system.slice", "hull-c4.scope", "/system.slice/hull-c4.scope");
	unit_ok("-.slice:p:n", "x", "-.slice", "p-n.scope", "/p-n.scope");
	unit_ok("user.slice::n", "x", "user.slice", "n.scope", "/user.slice/n.scope");

	unit_bad("/a/b", "--systemd-cgroup expects \"slice:prefix:name\"");
	unit_bad("a.slice:p:n:q", "--systemd-cgroup expects \"slice:prefix:name\"");
	unit_bad("a--b.slice:p:n", "an empty component in a slice name");
	unit_bad("-a.slice:p:n", "an empty component in a slice name");
	unit_bad("system:p:n", "not a slice name");
	unit_bad(".slice:p:n", "not a slice name");
	unit_bad("s.slice:p:", "the name is empty");
	unit_bad("s.slice:p:x.slice", "a slice as the container's unit is not supported");
	unit_bad("s.slice:p:a/b", "not a valid systemd unit name");
	unit_bad("s.slice:p:a b", "not a valid systemd unit name");

	char *p = NULL;
	struct hull_err err = { 0 };
	ck_assert_int_eq(hull_sd_slice_path("a-b-c.slice", &p, &err), 0);
	ck_assert_str_eq(p, "/a.slice/a-b.slice/a-b-c.slice");
	free(p);
}
END_TEST

static const struct hull_sd_prop *get(const struct hull_sd_props *p, const char *name, const char *type)
{
	const struct hull_sd_prop *q = hull_sd_props_get(p, name);
	ck_assert_msg(q != NULL, "no property %s", name);
	ck_assert_str_eq(q->type, type);
	return q;
}

START_TEST(test_props_v2)
{
	struct hull_resources res = { .present = true };
	res.memory.present = res.memory.has_limit = res.memory.has_reservation = res.memory.has_swap = true;
	res.memory.limit = 64 << 20;
	res.memory.reservation = 32 << 20;
	res.memory.swap = 128 << 20;
	res.cpu.present = res.cpu.has_shares = res.cpu.has_quota = res.cpu.has_period = true;
	res.cpu.shares = 1024;
	res.cpu.quota = 33333;
	res.cpu.period = 100000;
	res.cpu.cpus = "0-2,9";
	res.cpu.mems = "0";
	res.pids.present = res.pids.has_limit = true;
	res.pids.limit = 100;
	res.block_io.present = res.block_io.has_weight = true;
	res.block_io.weight = 500;
	struct hull_kv kv[] = { { "memory.high", "max" }, { "memory.min", "4096" } };
	res.unified = (struct hull_kvs){ kv, 2 };

	struct hull_sd_props p = { 0 };
	struct hull_err err = { 0 };
	ck_assert_int_eq(hull_sd_props_resources(&p, &res, true, &err), 0);
	ck_assert_uint_eq(get(&p, "MemoryMax", "t")->u, 64 << 20);
	ck_assert_uint_eq(get(&p, "MemoryLow", "t")->u, 32 << 20);
	ck_assert_uint_eq(get(&p, "MemorySwapMax", "t")->u, 64 << 20);
	ck_assert_uint_eq(get(&p, "CPUWeight", "t")->u, 100);
	ck_assert_uint_eq(get(&p, "CPUQuotaPeriodUSec", "t")->u, 100000);
	/* 333330 us per s, up to systemd's 1 % steps */
	ck_assert_uint_eq(get(&p, "CPUQuotaPerSecUSec", "t")->u, 340000);
	const struct hull_sd_prop *cpus = get(&p, "AllowedCPUs", "ay");
	ck_assert_uint_eq(cpus->n_bytes, 2);
	ck_assert_uint_eq(cpus->bytes[0], 0x07);
	ck_assert_uint_eq(cpus->bytes[1], 0x02);
	ck_assert_uint_eq(get(&p, "AllowedMemoryNodes", "ay")->bytes[0], 0x01);
	ck_assert_uint_eq(get(&p, "TasksMax", "t")->u, 100);
	ck_assert_uint_eq(get(&p, "IOWeight", "t")->u, 4950);
	ck_assert_uint_eq(get(&p, "MemoryHigh", "t")->u, UINT64_MAX);
	ck_assert_uint_eq(get(&p, "MemoryMin", "t")->u, 4096);
	ck_assert_ptr_null(hull_sd_props_get(&p, "MemoryLimit"));
	hull_sd_props_free(&p);

	/* unlimited is systemd's infinity; pids 0 is left to pids.max */
	res.memory.limit = -1;
	res.memory.has_swap = false;
	res.pids.limit = 0;
	res.cpu.quota = -1;
	res.cpu.has_period = false;
	res.unified.n = 0;
	ck_assert_int_eq(hull_sd_props_resources(&p, &res, true, &err), 0);
	ck_assert_uint_eq(get(&p, "MemoryMax", "t")->u, UINT64_MAX);
	ck_assert_uint_eq(get(&p, "CPUQuotaPerSecUSec", "t")->u, UINT64_MAX);
	ck_assert_ptr_null(hull_sd_props_get(&p, "TasksMax"));
	ck_assert_ptr_null(hull_sd_props_get(&p, "CPUQuotaPeriodUSec"));
	hull_sd_props_free(&p);

	res.cpu.cpus = "0-x";
	ck_assert_int_lt(hull_sd_props_resources(&p, &res, true, &err), 0);
	ck_assert_str_eq(err.msg, "linux.resources.cpu.cpus: 0-x: not a CPU or memory node list (\"0-3,7\")");
	hull_sd_props_free(&p);
	hull_err_clear(&err);
	res.cpu.cpus = NULL;
	struct hull_kv badkv[] = { { "memory.high", "lots" } };
	res.unified = (struct hull_kvs){ badkv, 1 };
	ck_assert_int_lt(hull_sd_props_resources(&p, &res, true, &err), 0);
	ck_assert_str_eq(err.msg, "linux.resources.unified.memory.high: lots: not a number or \"max\"");
	hull_sd_props_free(&p);
}
END_TEST

START_TEST(test_props_v1)
{
	struct hull_resources res = { .present = true };
	res.memory.present = res.memory.has_limit = true;
	res.memory.limit = 1 << 20;
	res.cpu.present = res.cpu.has_shares = true;
	res.cpu.shares = 512;
	res.cpu.cpus = "1";
	res.block_io.present = res.block_io.has_weight = true;
	res.block_io.weight = 300;
	struct hull_sd_props p = { 0 };
	struct hull_err err = { 0 };
	ck_assert_int_eq(hull_sd_props_resources(&p, &res, false, &err), 0);
	ck_assert_uint_eq(get(&p, "MemoryLimit", "t")->u, 1 << 20);
	ck_assert_uint_eq(get(&p, "CPUShares", "t")->u, 512);
	ck_assert_uint_eq(get(&p, "BlockIOWeight", "t")->u, 300);
	ck_assert_ptr_null(hull_sd_props_get(&p, "MemoryMax"));
	ck_assert_ptr_null(hull_sd_props_get(&p, "AllowedCPUs"));
	ck_assert_uint_eq(p.n, 3);
	hull_sd_props_free(&p);
}
END_TEST

static void variant(const char *text, const char *type)
{
	struct hull_sd_prop p = { 0 };
	struct hull_err err = { 0 };
	ck_assert_msg(hull_sd_parse_variant(text, &p, &err) == 0, "%s: %s", text, err.msg);
	ck_assert_str_eq(p.type, type);
	free(p.s);
	for (size_t i = 0; i < p.n_strv; i++)
		free(p.strv[i]);
	free(p.strv);
}

START_TEST(test_variants)
{
	variant("true", "b");
	variant("'x'", "s");
	variant("\"a\\\"b\"", "s");
	variant("5", "i");
	variant("uint64 5", "t");
	variant("@t 5", "t");
	variant("@as []", "as");
	variant("['a', \"b\"]", "as");
	variant("1.5", "d");
	variant("uint64 18446744073709551615", "t");
	variant("byte 255", "y");
	variant("  int64 -3  ", "x");
	const char *bad[] = { "what", "uint32 -1", "byte 256", "'open", "[1, 2]", "boolean 5", "5 6", "@z 1", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hull_sd_prop p = { 0 };
		struct hull_err err = { 0 };
		ck_assert_msg(hull_sd_parse_variant(bad[i], &p, &err) < 0, "accepted %s", bad[i]);
		free(p.s);
		for (size_t k = 0; k < p.n_strv; k++)
			free(p.strv[k]);
		free(p.strv);
	}
}
END_TEST

START_TEST(test_annotations)
{
	struct hull_kv kv[] = {
		{ "org.systemd.property.TimeoutStopSec", "5" },
		{ "org.systemd.property.RuntimeMaxSec", "1.5" },
		{ "org.systemd.property.CollectMode", "'inactive-or-failed'" },
		{ "org.systemd.property.Delegate", "false" },
		{ "org.systemd.property.MemoryHigh", "uint64 1048576" },
		{ "org.hull.other", "ignored" },
	};
	struct hull_kvs a = { kv, sizeof(kv) / sizeof(kv[0]) };
	struct hull_sd_props p = { 0 };
	struct hull_err err = { 0 };
	hull_sd_props_bool(&p, "Delegate", true);
	ck_assert_int_eq(hull_sd_props_annotations(&p, &a, &err), 0);
	ck_assert_uint_eq(get(&p, "TimeoutStopUSec", "t")->u, 5000000);
	ck_assert_uint_eq(get(&p, "RuntimeMaxUSec", "t")->u, 1500000);
	ck_assert_str_eq(get(&p, "CollectMode", "s")->s, "inactive-or-failed");
	ck_assert_uint_eq(get(&p, "Delegate", "b")->u, 0);
	ck_assert_uint_eq(get(&p, "MemoryHigh", "t")->u, 1048576);
	ck_assert_uint_eq(p.n, 5);
	hull_sd_props_free(&p);

	static const char *const bad[][3] = {
		{ "org.systemd.property.PIDs", "['1']", "hull sets PIDs itself" },
		{ "org.systemd.property.Slice", "'x.slice'", "hull sets Slice itself" },
		{ "org.systemd.property.A1x", "1", "not a systemd property name" },
		{ "org.systemd.property.", "1", "not a systemd property name" },
		{ "org.systemd.property.TimeoutStopSec", "'soon'", "not a number of seconds" },
		{ "org.systemd.property.CPUWeight", "lots", "not a GVariant value hull reads" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hull_kv one = { (char *)bad[i][0], (char *)bad[i][1] };
		struct hull_kvs b = { &one, 1 };
		hull_err_clear(&err);
		ck_assert_int_lt(hull_sd_props_annotations(&p, &b, &err), 0);
		ck_assert_msg(strstr(err.msg, bad[i][2]) && !strncmp(err.msg, "annotations.", 12), "message: %s", err.msg);
		hull_sd_props_free(&p);
	}
}
END_TEST

START_TEST(test_saved_unit)
{
	struct hull_cg_hier h[1] = { { .v2 = true, .controllers = "", .mountpoint = "/sys/fs/cgroup",
				       .path = "/system.slice/hull-a.scope", .dirfd = -1 } };
	struct hull_cg_sd sd = { .unit = "hull-a.scope" };
	struct hull_cgroup cg = { .mode = HULL_CG_V2, .h = h, .n = 1, .sd = &sd };
	char *s = hull_cg_serialize(&cg);
	ck_assert_str_eq(s, "v2;v2::0:/sys/fs/cgroup:/system.slice/hull-a.scope;unit:hull-a.scope");
	struct hull_cgroup back = { 0 };
	struct hull_err err = { 0 };
	ck_assert_int_eq(hull_cg_unserialize(s, &back, &err), 0);
	ck_assert_ptr_nonnull(back.sd);
	ck_assert_str_eq(back.sd->unit, "hull-a.scope");
	ck_assert(back.sd->ours);
	free(s);
	free(back.h[0].controllers);
	free(back.h[0].mountpoint);
	free(back.h[0].path);
	free(back.h[0].dir);
	free(back.h);
	hull_cg_sd_free(back.sd);

	struct hull_cgroup bad = { 0 };
	ck_assert_int_lt(hull_cg_unserialize("v2;v2::0:/m:/a;unit:", &bad, &err), 0);
	ck_assert_int_lt(hull_cg_unserialize("v2;v2::0:/m:/a;unit:a/b", &bad, &err), 0);
	for (size_t i = 0; i < bad.n; i++) {
		free(bad.h[i].controllers);
		free(bad.h[i].mountpoint);
		free(bad.h[i].path);
		free(bad.h[i].dir);
	}
	free(bad.h);
	hull_cg_sd_free(bad.sd);
}
END_TEST

HULL_SUITE(cgroups_systemd, unit)
{
	Suite *s = suite_create("cgroups_systemd");
	TCase *tc = tcase_create("systemd");
	tcase_add_test(tc, test_unit_path);
	tcase_add_test(tc, test_props_v2);
	tcase_add_test(tc, test_props_v1);
	tcase_add_test(tc, test_variants);
	tcase_add_test(tc, test_annotations);
	tcase_add_test(tc, test_saved_unit);
	suite_add_tcase(s, tc);
	return s;
}
