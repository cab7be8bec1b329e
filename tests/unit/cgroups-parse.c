/* cgroups/ parsing helpers that need no cgroup: mountinfo, /proc/self/cgroup,
 * linux.cgroupsPath, the saved form, v1 -> v2 value conversions. */
#include <stdlib.h>
#include <string.h>

#include "../../cgroups/internal.h"
#include "../lib/hull-test.h"

static const char mountinfo[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
	"35 31 0:32 /process_api /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
	"40 31 0:37 / /sys/fs/cgroup/sys\\040temd rw - cgroup cgroup rw,xattr,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n";

START_TEST(test_mountinfo)
{
	struct hull_cg_mountinfo *m = NULL;
	size_t n = 0;
	struct hull_err err = { 0 };
	ck_assert_int_eq(hull_cg_parse_mountinfo(mountinfo, &m, &n, &err), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert(!m[0].v2);
	ck_assert_str_eq(m[0].mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
	ck_assert_str_eq(m[0].super_opts, "rw,cpu,cpuacct");
	ck_assert_str_eq(m[1].root, "/process_api");
	ck_assert_str_eq(m[2].mountpoint, "/sys/fs/cgroup/sys temd");
	ck_assert(hull_cg_list_has(m[2].super_opts, "name=systemd"));
	ck_assert(m[3].v2);
	hull_cg_mountinfo_free(m, n);

	ck_assert_int_lt(hull_cg_parse_mountinfo("31 23 0:28 / /x rw\n", &m, &n, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "/proc/self/mountinfo: malformed line"));
}
END_TEST

START_TEST(test_proc_cgroup)
{
	struct hull_cg_proc *p = NULL;
	size_t n = 0;
	struct hull_err err = { 0 };
	ck_assert_int_eq(hull_cg_parse_proc("9:name=systemd:/\n4:memory:/process_api/x\n"
					    "2:cpu,cpuacct:/a:b\n0::/\n", &p, &n, &err), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(p[0].id, 9);
	ck_assert_str_eq(p[0].controllers, "name=systemd");
	ck_assert_str_eq(p[1].path, "/process_api/x");
	ck_assert_str_eq(p[2].controllers, "cpu,cpuacct");
	ck_assert_str_eq(p[2].path, "/a:b");
	ck_assert_uint_eq(p[3].id, 0);
	ck_assert_str_eq(p[3].controllers, "");
	hull_cg_proc_free(p, n);
	ck_assert_int_lt(hull_cg_parse_proc("x:memory:/\n", &p, &n, &err), 0);
	hull_err_clear(&err);
	ck_assert_int_lt(hull_cg_parse_proc("4:memory\n", &p, &n, &err), 0);
}
END_TEST

START_TEST(test_list_has)
{
	ck_assert(hull_cg_list_has("cpu,cpuacct", "cpu"));
	ck_assert(hull_cg_list_has("cpu,cpuacct", "cpuacct"));
	ck_assert(!hull_cg_list_has("cpuacct", "cpu"));
	ck_assert(!hull_cg_list_has("", "cpu"));
	ck_assert(!hull_cg_list_has(NULL, "cpu"));
}
END_TEST

static void norm_ok(const char *in, const char *id, const char *want, bool want_abs)
{
	char *out = NULL;
	bool abs;
	struct hull_err err = { 0 };
	ck_assert_msg(hull_cg_path_normalize(in, id, &out, &abs, &err) == 0, "%s: %s", in, err.msg);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(abs, want_abs);
	free(out);
}

static void norm_bad(const char *in, const char *want_msg)
{
	char *out = NULL;
	bool abs;
	struct hull_err err = { 0 };
	ck_assert_int_lt(hull_cg_path_normalize(in, "id", &out, &abs, &err), 0);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(err.msg, want_msg);
}

START_TEST(test_path_normalize)
{
	norm_ok(NULL, "c1", "hull/c1", false);
	norm_ok("", "c1", "hull/c1", false);
	norm_ok("/a//b/./c/", "x", "a/b/c", true);
	norm_ok("a/b", "x", "a/b", false);
	norm_ok("a:b", "x", "a:b", false);
	norm_ok("/a:b:c", "x", "a:b:c", true);
	norm_bad("system.slice:hull:c1", "linux.cgroupsPath: system.slice:hull:c1: a systemd path (slice:prefix:name) needs --systemd-cgroup");
	norm_bad("a/../b", "linux.cgroupsPath: a/../b: \"..\" is not allowed");
	norm_bad("/..", "linux.cgroupsPath: /..: \"..\" is not allowed");
	norm_bad("/", "linux.cgroupsPath: /: names no cgroup below the root");
	norm_bad("./", "linux.cgroupsPath: ./: names no cgroup below the root");
	ck_assert_uint_eq(hull_cg_path_depth("/a/b//c/"), 3);
	ck_assert_uint_eq(hull_cg_path_depth("/"), 0);
}
END_TEST

START_TEST(test_serialize_roundtrip)
{
	struct hull_cg_hier h[2] = {
		{ .v2 = false, .controllers = "cpu,cpuacct", .mountpoint = "/sys/fs/cgroup/cpu,cpuacct",
		  .path = "/x/a:b;c%d\ne", .created = 2, .dirfd = -1 },
		{ .v2 = true, .controllers = "", .mountpoint = "/sys/fs/cgroup/unified", .path = "/x/y",
		  .created = 1, .dirfd = -1 },
	};
	char *links[1][2] = { { "cpu", "cpu,cpuacct" } };
	struct hull_cgroup cg = { .mode = HULL_CG_HYBRID, .h = h, .n = 2, .links = links, .n_links = 1 };
	char *s = hull_cg_serialize(&cg);
	ck_assert_ptr_null(strchr(s, '\n'));
	ck_assert_str_eq(s, "hybrid;v1:cpu,cpuacct:2:/sys/fs/cgroup/cpu,cpuacct:/x/a%3Ab%3Bc%25d%0Ae;"
			    "v2::1:/sys/fs/cgroup/unified:/x/y;link:cpu:cpu,cpuacct");

	struct hull_cgroup back = { 0 };
	struct hull_err err = { 0 };
	ck_assert_int_eq(hull_cg_unserialize(s, &back, &err), 0);
	ck_assert_int_eq(back.mode, HULL_CG_HYBRID);
	ck_assert_uint_eq(back.n, 2);
	ck_assert_str_eq(back.h[0].path, h[0].path);
	ck_assert_str_eq(back.h[0].controllers, "cpu,cpuacct");
	ck_assert_uint_eq(back.h[0].created, 2);
	ck_assert_str_eq(back.h[0].dir, "/sys/fs/cgroup/cpu,cpuacct/x/a:b;c%d\ne");
	ck_assert(back.h[1].v2);
	ck_assert_uint_eq(back.n_links, 1);
	ck_assert_str_eq(back.links[0][1], "cpu,cpuacct");
	char *again = hull_cg_serialize(&back);
	ck_assert_str_eq(again, s);
	free(again);
	free(s);
	for (size_t i = 0; i < back.n; i++) {
		free(back.h[i].controllers);
		free(back.h[i].mountpoint);
		free(back.h[i].path);
		free(back.h[i].dir);
	}
	free(back.h);
	free(back.links[0][0]);
	free(back.links[0][1]);
	free(back.links);
}
END_TEST

static void unser_bad(const char *s)
{
	struct hull_cgroup cg = { 0 };
	struct hull_err err = { 0 };
	ck_assert_msg(hull_cg_unserialize(s, &cg, &err) < 0, "accepted \"%s\"", s);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot read the saved cgroup"));
	for (size_t i = 0; i < cg.n; i++) {
		free(cg.h[i].controllers);
		free(cg.h[i].mountpoint);
		free(cg.h[i].path);
		free(cg.h[i].dir);
	}
	free(cg.h);
}

START_TEST(test_unserialize_bad)
{
	unser_bad("");
	unser_bad("v3;v1:memory:0:/m:/a");
	unser_bad("v1");
	unser_bad("v1;v1:memory:3:/m:/a/b");		/* created beyond the path */
	unser_bad("v1;v1:memory:1:/m:/a/../../etc");
	unser_bad("v1;v1:memory:1:m:/a");
	unser_bad("v1;v1:memory:1:/m:/a:extra");
	unser_bad("v1;v1:memory:x:/m:/a");
	unser_bad("v1;v1:memory:1:/m:/a%2");
	unser_bad("v1;v1:memory:1:/m:/a%00");
	unser_bad("v2;v2:memory:1:/m:/a");		/* v2 has no controller list */
	unser_bad("v1;link:cpu:../x");
}
END_TEST

START_TEST(test_conversions)
{
	ck_assert_uint_eq(hull_cg_shares_to_weight(0), 0);
	ck_assert_uint_eq(hull_cg_shares_to_weight(2), 1);
	/* runc 1.3.2's quadratic map: the default share is the default weight */
	ck_assert_uint_eq(hull_cg_shares_to_weight(1024), 100);
	ck_assert_uint_eq(hull_cg_shares_to_weight(512), 59);
	ck_assert_uint_eq(hull_cg_shares_to_weight(2048), 174);
	ck_assert_uint_eq(hull_cg_shares_to_weight(262144), 10000);
	ck_assert_uint_eq(hull_cg_shares_to_weight(1), 1);
	ck_assert_uint_eq(hull_cg_shares_to_weight(1000000), 10000);

	int64_t out;
	struct hull_err err = { 0 };
	ck_assert_int_eq(hull_cg_swap_v2(true, 200, true, 100, &out, &err), 0);
	ck_assert_int_eq(out, 100);
	ck_assert_int_eq(hull_cg_swap_v2(true, -1, true, 100, &out, &err), 0);
	ck_assert_int_eq(out, -1);
	ck_assert_int_eq(hull_cg_swap_v2(false, 0, true, -1, &out, &err), 0);
	ck_assert_int_eq(out, -1);
	ck_assert_int_eq(hull_cg_swap_v2(false, 0, true, 100, &out, &err), 0);
	ck_assert_int_eq(out, -2);
	ck_assert_int_eq(hull_cg_swap_v2(true, 100, true, 100, &out, &err), 0);
	ck_assert_int_eq(out, 0);
	ck_assert_int_lt(hull_cg_swap_v2(true, 50, true, 100, &out, &err), 0);
	hull_err_clear(&err);
	ck_assert_int_lt(hull_cg_swap_v2(true, 50, false, 0, &out, &err), 0);
	ck_assert_str_eq(err.msg, "linux.resources.memory.swap: a swap limit needs a memory limit");
}
END_TEST

HULL_SUITE(cgroups_parse, unit)
{
	Suite *s = suite_create("cgroups_parse");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_mountinfo);
	tcase_add_test(tc, test_proc_cgroup);
	tcase_add_test(tc, test_list_has);
	tcase_add_test(tc, test_path_normalize);
	tcase_add_test(tc, test_serialize_roundtrip);
	tcase_add_test(tc, test_unserialize_bad);
	tcase_add_test(tc, test_conversions);
	suite_add_tcase(s, tc);
	return s;
}
