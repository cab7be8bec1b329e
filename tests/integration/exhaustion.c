/* Resource exhaustion: a full state root (a 64 KiB tmpfs), a state.json
 * that is truncated or garbage, and too few fds for hull (RLIMIT_NOFILE).
 * Each failure is one line "hull: ..." naming the object, and leaves
 * nothing: no state dir, cgroup, process, link or mount (tests/lib/hf.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "../lib/hf.h"

static void assert_one_line(const struct ht_result *r, const char *want)
{
	ck_assert_msg(r->status == 1 && !strncmp(r->err, "hull: ", 6) && ht_lines(r->err) == 1 &&
			      r->err[strlen(r->err) - 1] == '\n' && strstr(r->err, want),
		      "want exit 1 and one line \"hull: ...\" holding \"%s\"; got exit %d\nstderr: %s",
		      want, r->status, r->err);
}

/* Fills the filesystem of dir, then frees pages 4 KiB pages of it. */
static void fill_leaving(const char *dir, unsigned pages)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/fill", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	static char buf[4096];
	off_t size = 0;
	for (int i = 0; i < 64; i++) {
		ssize_t n = write(fd, buf, sizeof(buf));
		if (n < 0) {
			ck_assert_int_eq(errno, ENOSPC);
			break;
		}
		size += n;
	}
	ck_assert_int_ge(size, (off_t)pages * 4096);
	ck_assert_int_eq(ftruncate(fd, size - (off_t)pages * 4096), 0);
	close(fd);
	struct statvfs sv;
	ck_assert_int_eq(statvfs(dir, &sv), 0);
	ck_assert_msg(sv.f_bavail * sv.f_frsize == pages * 4096ul, "%lu bytes free, want %u pages",
		      (unsigned long)(sv.f_bavail * sv.f_frsize), pages);
}

/* --root on a 64 KiB tmpfs (in a mount namespace of the test's own: the
 * host's mount table does not change): full; one page left (state.json
 * fits, the copy of config.json does not); two (the state saved after the
 * clone does not). A failure names the state dir and leaves none; list
 * still works. Then, with room, the container runs. */
START_TEST(state_root_full)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	ht_write_config(&h.t);
	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	free(h.t.mountinfo);
	h.t.mountinfo = ht_read("/proc/self/mountinfo");
	ck_assert_int_eq(mount("tmpfs", h.t.root, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0711"), 0);
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/%s", h.t.root, h.t.id);
	for (unsigned pages = 0; pages <= 2; pages++) {
		fill_leaving(h.t.root, pages);
		struct ht_result r;
		hf_hull(&h, &r, 0, "run", "--bundle", h.t.bundle, h.t.id, NULL);
		assert_one_line(&r, "No space left on device");
		ck_assert_msg(strstr(r.err, dir), "the error does not name the state dir %s: %s", dir,
			      r.err);
		ht_result_free(&r);
		ck_assert_msg(access(dir, F_OK) < 0 && errno == ENOENT, "%s is left", dir);
		hf_hull(&h, &r, 0, "list", NULL);
		ht_assert_status(&r, 0);
		ck_assert_str_eq(r.err, "");
		ck_assert_uint_eq(ht_lines(r.out), 1);
		ht_result_free(&r);
		hf_hull(&h, &r, 0, "list", "-q", NULL);
		ht_assert_status(&r, 0);
		ck_assert_str_eq(r.out, "");
		ht_result_free(&r);
		ck_assert_msg(!ht_cgroup_exists(h.cg_parent), "cgroup %s left", h.cg_parent);
		ck_assert_uint_eq(ht_children(0, NULL, 0), 0);
	}
	char fill[160];
	snprintf(fill, sizeof(fill), "%s/fill", h.t.root);
	ck_assert_int_eq(unlink(fill), 0);
	ht_ok(&h.t, "run", "--bundle", h.t.bundle, h.t.id, NULL);
	ck_assert_int_eq(umount(h.t.root), 0);
	hf_finish(&h);
}
END_TEST

/* A created container whose state.json is then replaced by content:
 * state and delete say so in one line, list goes on without it, and
 * delete --force still removes all of it (its init, its cgroup). */
static void broken_state(const char *content, size_t len)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "sleep", "300", NULL);
	ht_write_config(&h.t);
	ht_ok(&h.t, "create", "--bundle", h.t.bundle, h.t.id, NULL);
	pid_t pid = ht_state_pid(&h.t, h.t.id, NULL, 0);
	ck_assert_int_gt(pid, 0);
	char path[160];
	snprintf(path, sizeof(path), "%s/%s/state.json", h.t.root, h.t.id);
	char *real = ht_read(path);
	ck_assert_ptr_nonnull(real);
	if (!content) {	/* truncated: the first half of the real one */
		content = real;
		len = strlen(real) / 2;
	}
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, len), (ssize_t)len);
	close(fd);
	free(real);

	struct ht_result r;
	hf_hull(&h, &r, 0, "state", h.t.id, NULL);
	assert_one_line(&r, "state.json");
	ht_result_free(&r);
	hf_hull(&h, &r, 0, "delete", h.t.id, NULL);
	assert_one_line(&r, "state.json");
	ht_result_free(&r);
	hf_hull(&h, &r, 0, "list", NULL);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.err, "");
	ht_result_free(&r);
	ck_assert_int_eq(kill(pid, 0), 0);	/* nothing was killed yet */
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	hf_finish(&h);
}

START_TEST(state_truncated)
{
	broken_state(NULL, 0);
}
END_TEST

START_TEST(state_garbage)
{
	static const char garbage[] = "\x7f" "ELF\x02\x01\x01\x00\xff\xfe{\"id\": [}\x1b[2J\n\x00\x01";
	broken_state(garbage, sizeof(garbage) - 1);
}
END_TEST

/* hull with 16 fds: a clear error, nothing left. */
START_TEST(nofile_16)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	ht_write_config(&h.t);
	struct ht_result r;
	hf_hull(&h, &r, 16, "run", "--bundle", h.t.bundle, h.t.id, NULL);
	assert_one_line(&r, "Too many open files");
	ht_result_free(&r);
	hf_finish(&h);
}
END_TEST

/* A bridge-mode container with every fd limit from 16 up to one that is
 * enough: each run either works or fails with one line, and leaves
 * nothing; fds run out at a different step each time. */
START_TEST(nofile_sweep)
{
	int worked = 0, failed = 0;
	for (long n = 16; n <= 40 && !worked; n++) {
		struct hf h;
		hf_begin(&h, false);
		hf_bridge(&h, true);
		ht_sh(&h.t, "echo ok");
		json_object_set_new(json_object_get(h.t.cfg, "process"), "rlimits",
				    json_pack("[{s:s, s:i, s:i}]", "type", "RLIMIT_NOFILE", "hard", 16, "soft",
					      16));
		ht_write_config(&h.t);
		struct ht_result r;
		hf_hull(&h, &r, n, "run", "--bundle", h.t.bundle, h.t.id, NULL);
		if (r.status == 0) {
			ck_assert_str_eq(r.out, "ok\n");
			ck_assert_str_eq(r.err, "");
			worked++;
		} else {
			assert_one_line(&r, "Too many open files");
			failed++;
		}
		ht_result_free(&r);
		hf_finish(&h);
	}
	ck_assert_int_gt(failed, 0);
	ck_assert_int_eq(worked, 1);
}
END_TEST

HULL_SUITE(exhaustion, integration)
{
	Suite *s = suite_create("exhaustion");
	TCase *tc = tcase_create("exhaustion");
	tcase_set_tags(tc, "slow");	/* a sweep of fd limits, a full state root */
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, NULL, hf_sweep);
	tcase_add_test(tc, state_root_full);
	tcase_add_test(tc, state_truncated);
	tcase_add_test(tc, state_garbage);
	tcase_add_test(tc, nofile_16);
	tcase_add_test(tc, nofile_sweep);
	suite_add_tcase(s, tc);
	return s;
}
