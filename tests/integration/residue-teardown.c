/* The residue suite (residue.c): what kill -9 at a random instant, a
 * state.json whose cgroup does not parse, and a bridge's ports deleted in
 * either order must not leave. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../../runtime/net.h"
#include "../lib/ht-net.h"
#include "residue.h"

/* ---- C: kill -9 at a random instant, then delete --force ---- */

/* `hull run` (or `hull create`) of one container, SIGKILLed after a random
 * 0 to 25 ms, 60 times; after each, `delete --force ID` exits 0 (or says
 * the container does not exist), and no state dir and no cgroup named ID
 * is left. 0.1.0 leaks now and then (the issue: 7/150 for run, 10/150 for
 * create; here 2 to 6 of 60, so a run of 60 may by chance see none): a
 * cgroup named ID when the kill lands about 1 to 3 ms in (made, not yet
 * recorded: delete says the container does not exist), and for run also
 * a state dir whose delete --force fails with "cgroups: no freezer". */
START_TEST(kill9_random_then_delete)
{
	static const char *const cmd[] = { "run", "create" };
	char fail[6000] = "";
	struct ht t;
	ht_begin(&t, false);
	res_own_id(&t, cmd[_i]);
	ht_args(&t, "true", NULL);
	ht_write_config(&t);
	const char *hull = getenv("HULL");
	unsigned seed = (unsigned)(time(NULL) ^ getpid()), s = seed;
	unsigned n_leaks = 0, n_cg = 0, n_state = 0, n_del = 0, n_procs = 0, shown = 0;
	long t0 = ht_now_ms();
	for (int i = 0; i < 60; i++) {
		char id[96], sdir[160];
		snprintf(id, sizeof(id), "%s-%d", t.id, i);
		snprintf(sdir, sizeof(sdir), "%s/%s", t.root, id);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			execl(hull, hull, "--root", t.root, cmd[_i], "--bundle", t.bundle, id, (char *)NULL);
			_exit(126);
		}
		long delay_us = rand_r(&s) % 25001;
		struct timespec d = { .tv_sec = 0, .tv_nsec = delay_us * 1000 };
		nanosleep(&d, NULL);	/* the test's input: when the kill lands */
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;

		struct ht_result r;
		ht_hull(&t, &r, NULL, "delete", "--force", id, NULL);
		bool del_ok = r.status == 0 || (r.status == 1 && strstr(r.err, "does not exist"));
		bool state_left = res_exists(sdir);
		bool cg_left = ht_cgroup_exists(id);
		size_t procs = res_kill_children();
		n_procs += procs != 0;
		if (!del_ok || state_left || cg_left) {
			n_leaks++;
			n_del += !del_ok;
			n_state += state_left;
			n_cg += cg_left;
			if (shown++ < 4)
				FAIL("[#%d kill at %.1f ms:%s%s%s delete exit %d \"%.160s\"] ", i,
				     delay_us / 1000.0, cg_left ? " cgroup left," : "",
				     state_left ? " state dir left," : "",
				     procs ? " process left," : "", r.status, r.err);
			if (cg_left)
				ht_cgroup_sweep(id, true, true);
			if (state_left)
				ht_rm_rf(sdir);
		}
		ht_result_free(&r);
	}
	long took = ht_now_ms() - t0;
	if (n_cg) {
		/* Removes the default parents left empty: any container of the
		 * default path takes the "hull" level away with it. */
		struct ht_result r;
		ht_hull(&t, &r, NULL, "run", "--bundle", t.bundle, t.id, NULL);
		ht_result_free(&r);
	}
	if (n_leaks) {
		char head[512];
		snprintf(head, sizeof(head),
			 "%s, SIGKILL after 0-25 ms (seed %u), then delete --force: %u of 60 left "
			 "residue (%u cgroups, %u state dirs, %u deletes failed; %u with a process left, "
			 "killed) in %ld ms: ", cmd[_i], seed, n_leaks, n_cg, n_state, n_del, n_procs, took);
		memmove(fail + strlen(head), fail, strlen(fail) + 1);
		memcpy(fail, head, strlen(head));
	}
	res_finish(&t, fail);
}
END_TEST

/* ---- D: a state.json whose cgroup does not parse ---- */

/* 0.1.0: "hull: cgroup: cannot read the saved cgroup ..." and exit 1, even
 * with --force; the init, its cgroups and the state dir stay. Fixed:
 * --force falls back on the side record (STATE/ID/cgroup) and removes all. */
START_TEST(delete_force_with_broken_state_cgroup)
{
	char fail[4096] = "";
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	res_own_id(&t, "d");
	ht_args(&t, "sleep", "300", NULL);
	ht_write_config(&t);
	ht_ok(&t, "create", "--bundle", t.bundle, t.id, NULL);
	pid_t pid = ht_state_pid(&t, t.id, NULL, 0);
	char state[192], record[192], sdir[160];
	snprintf(sdir, sizeof(sdir), "%s/%s", t.root, t.id);
	snprintf(state, sizeof(state), "%s/state.json", sdir);
	snprintf(record, sizeof(record), "%s/cgroup", sdir);
	json_t *j = json_load_file(state, 0, NULL);
	if (!j || !json_is_string(json_object_get(j, "cgroup")))
		FAIL("%s: no \"cgroup\" string to break; ", state);
	if (!res_exists(record))
		FAIL("%s: no side record; ", record);
	if (j) {
		json_object_set_new(j, "cgroup", json_string("garbage;v9:not-a-cgroup:x"));
		if (json_dump_file(j, state, JSON_INDENT(2)) < 0)
			FAIL("cannot rewrite %s; ", state);
		json_decref(j);
	}
	if (!*fail) {
		ht_hull(&t, &r, NULL, "delete", "--force", t.id, NULL);
		if (r.status != 0)
			FAIL("delete --force with a broken \"cgroup\": exit %d, stderr \"%.300s\"; ",
			     r.status, r.err);
		ht_result_free(&r);
		if (res_exists(sdir))
			FAIL("state dir %s left; ", sdir);
		if (!res_dead_or_doomed(pid))
			FAIL("init %d still alive; ", (int)pid);
		if (ht_cgroup_exists(t.id))
			FAIL("cgroup %s left; ", t.id);
	}
	if (*fail) {
		res_kill_children();
		ht_cgroup_sweep(t.id, true, true);
		ht_rm_rf(sdir);
		/* the default "hull" level, now empty, goes with a container of its own */
		ht_sh(&t, "true");
		ht_write_config(&t);
		ht_hull(&t, &r, NULL, "run", "--bundle", t.bundle, t.id, NULL);
		ht_result_free(&r);
	}
	res_finish(&t, fail);
}
END_TEST

/* ---- E: a bridge with remove-empty goes with its last port ---- */

/* A makes the bridge (remove-empty), B joins it. Deleted B then A: A
 * removes it (passes on 0.1.0). A then B: the bridge stays on 0.1.0, since
 * only its creator may remove it and the creator was not last. Fixed:
 * whoever leaves it empty removes it. */
START_TEST(bridge_goes_with_last_port)
{
	bool creator_first = _i == 0;
	char fail[4096] = "", br[32], va[16], vb[16], addr[3][32];
	snprintf(br, sizeof(br), "%s%c", res_br_prefix, 'a' + _i);
	ck_assert_uint_le(strlen(br), 15);
	for (int k = 0; k < 3; k++)
		snprintf(addr[k], sizeof(addr[k]), "198.18.%d.%d/24", 40 + _i, k + 1);
	struct ht a, b;
	struct ht_result r;
	ht_begin(&a, false);
	res_own_id(&a, creator_first ? "e0-a" : "e1-a");
	ht_begin(&b, false);
	res_own_id(&b, creator_first ? "e0-b" : "e1-b");
	hull_net_host_ifname(a.id, va);
	hull_net_host_ifname(b.id, vb);
	htn_annotate(&a, "org.hull.net.bridge", br);
	htn_annotate(&a, "org.hull.net.bridge.address", addr[0]);
	htn_annotate(&a, "org.hull.net.bridge.remove-empty", "true");
	htn_annotate(&a, "org.hull.net.address", addr[1]);
	htn_annotate(&b, "org.hull.net.bridge", br);
	htn_annotate(&b, "org.hull.net.address", addr[2]);
	ht_args(&a, "sleep", "300", NULL);
	ht_args(&b, "sleep", "300", NULL);
	ck_assert_msg(!htn_link_exists(br), "%s exists before the test", br);

	struct ht *c[2] = { &a, &b };
	for (int k = 0; k < 2 && !*fail; k++) {
		ht_write_config(c[k]);
		ht_hull(c[k], &r, NULL, "run", "--detach", "--bundle", c[k]->bundle, c[k]->id, NULL);
		if (r.status != 0)
			FAIL("run -d %s: exit %d, stderr \"%.300s\"; ", k ? "B" : "A", r.status, r.err);
		ht_result_free(&r);
	}
	if (!*fail && !htn_link_exists(br))
		FAIL("A did not make %s; ", br);
	struct ht *first = creator_first ? &a : &b, *last = creator_first ? &b : &a;
	if (!*fail) {
		ht_hull(first, &r, NULL, "delete", "--force", first->id, NULL);
		if (r.status != 0)
			FAIL("delete --force %s: exit %d, stderr \"%.300s\"; ", creator_first ? "A" : "B",
			     r.status, r.err);
		ht_result_free(&r);
		if (!htn_link_exists(br))
			FAIL("%s removed while %s still had a port; ", br, creator_first ? "B" : "A");
	}
	if (!*fail) {
		ht_hull(last, &r, NULL, "delete", "--force", last->id, NULL);
		if (r.status != 0)
			FAIL("delete --force %s: exit %d, stderr \"%.300s\"; ", creator_first ? "B" : "A",
			     r.status, r.err);
		ht_result_free(&r);
		if (!ht_link_gone(br, 5000))
			FAIL("bridge %s (remove-empty, made by A) left after %s, the last port, was "
			     "deleted (A first: %s); ", br, creator_first ? "B" : "A",
			     creator_first ? "yes" : "no");
	}
	if (*fail) {
		ht_force_clean(&b);
		ht_force_clean(&a);
		ht_link_delete(va);
		ht_link_delete(vb);
		ht_link_delete(br);
		ck_abort_msg("%s", fail);
	}
	ht_finish(&b);
	ht_finish(&a);
}
END_TEST

void res_teardown_tests(Suite *s)
{
	TCase *kill9 = res_tcase(s, "kill9");
	tcase_set_tags(kill9, "slow");	/* 2 x 60 runs killed at random */
	tcase_add_loop_test(kill9, kill9_random_then_delete, 0, 2);
	tcase_add_test(res_tcase(s, "broken_state"), delete_force_with_broken_state_cgroup);
	tcase_add_loop_test(res_tcase(s, "bridge"), bridge_goes_with_last_port, 0, 2);
}
