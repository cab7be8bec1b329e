/* Fault injection without hooks in the product: Debian's strace fails one
 * system call of hull (`-e inject=SYSCALL:error=E:when=N`; strace counts
 * calls per process, and N is found by tracing the same run once; where
 * several processes make the call, -P PATH narrows the count to the calls
 * on the path that traced run showed), and hull must exit 1 with one line
 * "hull: ..." naming the injected cause and leave the host as it was. Then hull killed with SIGKILL at each point
 * where create, start, run and delete wait (a hook blocked on a fifo the
 * test holds): `delete --force` must leave nothing.
 *
 * This file: mounts, pivot_root, clone, cgroups, netlink, setns; the exec
 * path is faults-exec.c, the SIGKILLs faults-kill.c. The harness is
 * tests/lib/hf.h, shared with the exhaustion and concurrency suites. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../lib/hf.h"

/* ---- fault injection ---- */

START_TEST(mount_first)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	hf_inject_at(&h, "mount", "EPERM", 1, "Operation not permitted");
}
END_TEST

/* The k-th mount: /dev/pts of the config's mounts, then the last mount of all. */
START_TEST(mount_kth)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	int n = hf_find_call(&h, "mount", "\"devpts\"", false, false, NULL, 0);
	hf_inject_at(&h, "mount", "EPERM", n, "Operation not permitted");

	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	n = hf_find_call(&h, "mount", "", true, false, NULL, 0);
	ck_assert_int_gt(n, 2);
	hf_inject_at(&h, "mount", "EPERM", n, "Operation not permitted");
}
END_TEST

START_TEST(pivot_root)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	hf_inject_at(&h, "pivot_root", "EPERM", 1, "Operation not permitted");
}
END_TEST

/* Every clone3 of hull fails (a first try may be a variant with a fallback,
 * CLONE_INTO_CGROUP). */
START_TEST(clone3)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	hf_expect_fault(&h, INJ("clone3:error=EAGAIN"), NULL, 1, "Resource temporarily unavailable");
}
END_TEST

/* When hull's first clone3 asks for CLONE_INTO_CGROUP, a failure of that
 * one alone is not an error: hull clones its helper without it and attaches
 * it afterwards. strace counts calls per process, so only hull's own is
 * traced: the helper's clone3 of the init must not fail too. */
START_TEST(clone3_into_cgroup)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "echo", "ran", NULL);
	if (hf_find_call_any(&h, "clone3", "CLONE_INTO_CGROUP", false, false, NULL, 0) != 1) {
		hf_finish(&h);
		ht_skip("hull's run here makes no clone3 with CLONE_INTO_CGROUP (no cgroup v2 cgroup of its "
			"own, or a kernel before 5.7): no such call to fail");
		return;
	}
	struct ht_result r;
	h.hull_only = true;
	hf_strace(&h, &r, INJ("clone3:error=EBUSY:when=1"), NULL, "run", "--bundle", h.t.bundle,
		  h.t.id, NULL);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "ran\n");
	ht_result_free(&r);
	hf_finish(&h);
}
END_TEST

/* Without clone3 (a kernel before 5.3) hull clones with clone(2). */
START_TEST(clone_fallback)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	hf_expect_fault(&h, INJ("clone3:error=ENOSYS", "clone:error=ENOMEM"), NULL, 1,
			"Cannot allocate memory");
}
END_TEST

/* The parent cgroup hull makes (cg_parent), in the first hierarchy. */
START_TEST(cgroup_mkdir_parent)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	char pat[64];
	snprintf(pat, sizeof(pat), "/%s\"", h.cg_parent);
	hf_inject_on_path(&h, "mkdir", pat, false, false, "ENOSPC", "No space left on device");
}
END_TEST

/* The container's own directory, in the first and in the last hierarchy:
 * its parent was made just before and must go too. */
START_TEST(cgroup_mkdir_dir)
{
	for (int last = 0; last < 2; last++) {
		struct hf h;
		hf_begin(&h, false);
		ht_args(&h.t, "true", NULL);
		char pat[80];
		snprintf(pat, sizeof(pat), "/%s\"", h.t.id);
		hf_inject_on_path(&h, "mkdir", pat, last, false, "ENOSPC", "No space left on device");
	}
}
END_TEST

static void limits(struct hf *h)
{
	json_t *res = json_object_get(json_object_get(h->t.cfg, "linux"), "resources");
	if (!res) {
		res = json_object();
		json_object_set_new(json_object_get(h->t.cfg, "linux"), "resources", res);
	}
	json_object_set_new(res, "pids", json_pack("{s:i}", "limit", 100));
	json_object_set_new(res, "memory", json_pack("{s:I}", "limit", (json_int_t)256 << 20));
}

/* The first write to a cgroup file, a limit, and the first and last
 * attach (cgroup.procs, or tasks when the init moves itself; after the
 * clone: the init must go). */
START_TEST(cgroup_write)
{
	static const struct { const char *pattern; bool last; const char *err, *want; } at[] = {
		{ "</sys/fs/cgroup/", false, "EINVAL", "Invalid argument" },
		{ "pids.max>", false, "EINVAL", "Invalid argument" },
		{ "cgroup.procs>|tasks>", false, "EBUSY", "Device or resource busy" },
		{ "cgroup.procs>|tasks>", true, "ENOSPC", "No space left on device" },
	};
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct hf h;
		hf_begin(&h, false);
		ht_args(&h.t, "true", NULL);
		limits(&h);
		hf_inject_on_path(&h, "write", at[i].pattern, at[i].last, true, at[i].err, at[i].want);
	}
}
END_TEST

/* rtnetlink requests of a bridge-mode create: the first (is the bridge
 * there), the bridge's creation, the veth's, and the first one in the
 * container's netns. hull made the bridge: it goes with the failed create. */
START_TEST(netlink_sendto)
{
	static const struct { const char *pattern; int after; } at[] = {
		{ "RTM_GETLINK", 0 },
		{ "NLM_F_CREATE", 0 },
		{ "\"veth\"", 0 },
		{ "\"veth\"", 1 },
	};
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct hf h;
		hf_begin(&h, false);
		ht_args(&h.t, "true", NULL);
		hf_bridge(&h, false);
		hf_annotate(&h, "org.hull.net.gateway", "198.18.30.1");
		int n = hf_find_call(&h, "sendto", at[i].pattern, false, false, NULL, 0) + at[i].after;
		hf_inject_at(&h, "sendto", "ENOBUFS", n, "No buffer space available");
	}
}
END_TEST

/* hull's own setns calls for its netlink socket in the container's netns
 * (into it, and back if it does that): each failure is reported, nothing
 * is left. */
START_TEST(setns_bridge)
{
	int calls = 0;
	for (int when = 1; when == 1 || when <= calls; when++) {
		struct hf h;
		hf_begin(&h, false);
		ht_args(&h.t, "true", NULL);
		hf_bridge(&h, false);
		if (when == 1)
			calls = hf_find_call(&h, "setns", "CLONE_NEWNET", true, false, NULL, 0);
		hf_inject_at(&h, "setns", "EINVAL", when, "Invalid argument");
	}
}
END_TEST

/* A container joining a netns by path: the init's setns. */
START_TEST(setns_join_path)
{
	struct hf h;
	hf_begin(&h, false);
	int keep;
	pid_t holder = ht_ns_holder(CLONE_NEWNET, &keep);
	ht_args(&h.t, "true", NULL);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)holder);
	json_t *nss = json_object_get(json_object_get(h.t.cfg, "linux"), "namespaces"), *ns;
	size_t i;
	json_array_foreach(nss, i, ns)
		if (!strcmp(json_string_value(json_object_get(ns, "type")), "network"))
			json_object_set_new(ns, "path", json_string(path));
	/* The holder is a child of the test: it must be gone before the check. */
	ht_write_config(&h.t);
	struct ht_result r;
	hf_strace(&h, &r, INJ("setns:error=EPERM:when=1"), NULL, "run", "--bundle", h.t.bundle, h.t.id,
		  NULL);
	close(keep);
	waitpid(holder, NULL, 0);
	hf_assert_error_line(&r, 1, "Operation not permitted");
	ht_result_free(&r);
	hf_finish(&h);
}
END_TEST

HULL_TESTS(faults_exec);
HULL_TESTS(faults_kill);

HULL_SUITE(faults, integration)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("inject");
	tcase_set_tags(tc, "slow");	/* every run traced by strace, most twice */
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, NULL, hf_sweep);
	tcase_add_test(tc, mount_first);
	tcase_add_test(tc, mount_kth);
	tcase_add_test(tc, pivot_root);
	tcase_add_test(tc, clone3);
	tcase_add_test(tc, clone_fallback);
	tcase_add_test(tc, clone3_into_cgroup);
	tcase_add_test(tc, cgroup_mkdir_parent);
	tcase_add_test(tc, cgroup_mkdir_dir);
	tcase_add_test(tc, cgroup_write);
	tcase_add_test(tc, netlink_sendto);
	tcase_add_test(tc, setns_bridge);
	tcase_add_test(tc, setns_join_path);
	hull_tests_faults_exec(tc);
	suite_add_tcase(s, tc);
	tc = tcase_create("kill9");
	tcase_set_tags(tc, "slow");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, NULL, hf_sweep);
	hull_tests_faults_kill(tc);
	suite_add_tcase(s, tc);
	return s;
}
