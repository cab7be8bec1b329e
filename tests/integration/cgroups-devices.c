/* linux.resources (cgroups-resources.c) on devices: a read throttle on a
 * loop device (the cgroup v2 guest: a virtio disk), measured inside the
 * container; the cgroup v2 device filter (eBPF), through the library. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libcgroup.h>
#include <linux/loop.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroups-resources.h"

/* The backing file of blkio_read_throttle's loop device and the cgroup of
 * v2_device_filter: named after the runner's pid (set in the unchecked
 * setup), so that the runner's teardown finds them after a test died. */
static char loop_file[64];

static char bpf_dir[128];

/* Detaches every loop device backed by loop_file, then removes the file. */
static void loop_teardown(void)
{
	DIR *d = opendir("/sys/block");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (strncmp(e->d_name, "loop", 4))
			continue;
		char p[300];
		snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file", e->d_name);
		char *bf = ht_read(p);
		if (bf && !strncmp(bf, loop_file, strlen(loop_file)) && bf[strlen(loop_file)] == '\n') {
			snprintf(p, sizeof(p), "/dev/%s", e->d_name);
			int fd = open(p, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				ioctl(fd, LOOP_CLR_FD, 0);
				close(fd);
			}
		}
		free(bf);
	}
	if (d)
		closedir(d);
	unlink(loop_file);
}

/* A loop device over a 64 MiB file of real blocks, read-only, direct I/O. */
static dev_t make_loop(void)
{
	int ffd = open(loop_file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(ffd, 0);
	/* Real blocks, not a hole: reads must reach the backing file's disk. */
	static char chunk[1 << 20];
	memset(chunk, 0x5a, sizeof(chunk));
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(write(ffd, chunk, sizeof(chunk)), (ssize_t)sizeof(chunk));
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(ctl, 0);
	struct loop_config lc = { .fd = (unsigned)ffd, .info = { .lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_DIRECT_IO } };
	int dfd = -1, loop_nr = -1;
	for (int tries = 0; tries < 10 && dfd < 0; tries++) {
		loop_nr = ioctl(ctl, LOOP_CTL_GET_FREE);
		ck_assert_int_ge(loop_nr, 0);
		char dev[32];
		snprintf(dev, sizeof(dev), "/dev/loop%d", loop_nr);
		dfd = open(dev, O_RDONLY | O_CLOEXEC);
		ck_assert_int_ge(dfd, 0);
		if (ioctl(dfd, LOOP_CONFIGURE, &lc) < 0) {
			ck_assert_int_eq(errno, EBUSY);	/* raced with another user */
			close(dfd);
			dfd = -1;
			loop_nr = -1;
		}
	}
	ck_assert_int_ge(dfd, 0);
	close(ctl);
	close(ffd);
	struct stat st;
	ck_assert_int_eq(fstat(dfd, &st), 0);
	close(dfd);
	return st.st_rdev;
}

START_TEST(blkio_read_throttle)
{
	/* In the cgroup v2 guest, a virtio disk: io.max on a real block driver. */
	const char *blockdev = getenv("HULL_TEST_BLOCKDEV");
	struct stat st;
	dev_t rdev;
	if (blockdev && *blockdev) {
		ck_assert_msg(stat(blockdev, &st) == 0 && S_ISBLK(st.st_mode), "%s: not a block device",
			      blockdev);
		rdev = st.st_rdev;
	} else {
		rdev = make_loop();
	}
	unsigned maj = major(rdev), min = minor(rdev);

	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	/* Timed inside, around dd alone: the container's start is not the
	 * throttle's business (and takes long under TCG). */
	ht_sh(&t, "a=$(cut -d' ' -f1 /proc/uptime); "
		  "dd if=/dev/hullloop of=/dev/null bs=1M count=30 iflag=direct 2>/dev/null; "
		  "b=$(cut -d' ' -f1 /proc/uptime); echo \"$a $b\"");
	json_t *l = json_object_get(t.cfg, "linux");
	json_t *devs = json_object_get(l, "devices");
	if (!devs) {
		devs = json_array();
		json_object_set_new(l, "devices", devs);
	}
	json_array_append_new(devs, json_pack("{s:s, s:s, s:I, s:I}", "path", "/dev/hullloop", "type", "b", "major",
					      (json_int_t)maj, "minor", (json_int_t)min));
	json_t *res = cgr_resources(&t);
	json_array_append_new(json_object_get(res, "devices"),
			      json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1, "type", "b", "major", (json_int_t)maj,
					"minor", (json_int_t)min, "access", "r"));
	json_object_set_new(res, "blockIO",
			    json_pack("{s:[{s:I, s:I, s:I}]}", "throttleReadBpsDevice", "major", (json_int_t)maj,
				      "minor", (json_int_t)min, "rate", (json_int_t)(10 << 20)));
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	double up0 = 0, up1 = 0;
	ck_assert_msg(sscanf(r.out, "%lf %lf", &up0, &up1) == 2 && up1 > up0, "uptimes: %s", r.out);
	double secs = up1 - up0;
	double rate = 30.0 / secs;	/* MiB/s, as the throttle counts */
	ck_assert_msg(rate >= 8.5 && rate <= 11.5, "read %.2f MiB/s (%.2f s for 30 MiB), want 10 +- 1.5\n%s", rate, secs,
		      r.err);
	ht_result_free(&r);
	ht_finish(&t);
	loop_teardown();
}
END_TEST

/* --- the v2 device filter, through the library ------------------------ */

static void bpf_teardown(void)
{
	for (int i = 0; i < 200 && rmdir(bpf_dir) < 0 && errno == EBUSY; i++)
		usleep(10000);
}

/* A child moved into the cgroup opens /dev/null; its errno, 0 on success. */
static int open_in_cgroup(const char *dir, int flags)
{
	int p[2];
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char procs[256], me[16];
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
		snprintf(me, sizeof(me), "%d", (int)getpid());
		int fd = open(procs, O_WRONLY | O_CLOEXEC);
		int e = fd < 0 || write(fd, me, strlen(me)) < 0 ? 1000 + errno : 0;
		if (!e) {
			int nf = open("/dev/null", flags | O_CLOEXEC);
			e = nf < 0 ? errno : 0;
		}
		(void)!write(p[1], &e, sizeof(e));
		_exit(0);
	}
	close(p[1]);
	int e = -1;
	ck_assert_int_eq(read(p[0], &e, sizeof(e)), (ssize_t)sizeof(e));
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_msg(e < 1000, "cannot join %s: %s", dir, strerror(e - 1000));
	return e;
}

START_TEST(v2_device_filter)
{
	const char *mnt = cgr_pure_v2() ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
	if (access(mnt, F_OK) < 0) {
		ht_skip("no cgroup v2 tree at %s to attach a device filter to (cgroup v1 only)", mnt);
		return;
	}
	ck_assert_int_eq(mkdir(bpf_dir, 0755), 0);
	struct hull_cg_hier h = {
		.v2 = true, .controllers = "", .mountpoint = (char *)mnt, .path = bpf_dir + strlen(mnt),
		.dir = bpf_dir, .dirfd = open(bpf_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
	};
	ck_assert_int_ge(h.dirfd, 0);
	struct hull_err err = { 0 };

	/* /dev/null readable only; a later rule overrides an earlier one */
	struct hull_device_rule rules[] = {
		{ true, 'c', 1, 3, "rw" },
		{ false, 'c', 1, 3, "w" },
	};
	int r = hull_cg_v2_devices(&h, rules, 2, &err);
	ck_assert_msg(r == 0, "devices: %s", err.msg);
	ck_assert_int_eq(open_in_cgroup(bpf_dir, O_RDONLY), 0);
	ck_assert_int_eq(open_in_cgroup(bpf_dir, O_WRONLY), EPERM);
	ck_assert_int_eq(open_in_cgroup(bpf_dir, O_RDWR), EPERM);

	/* replaced, not stacked: the new program alone decides */
	struct hull_device_rule all[] = { { true, 'c', 1, 3, "rwm" } };
	r = hull_cg_v2_devices(&h, all, 1, &err);
	ck_assert_msg(r == 0, "devices: %s", err.msg);
	ck_assert_int_eq(open_in_cgroup(bpf_dir, O_WRONLY), 0);

	/* default deny: a device no rule names */
	struct hull_device_rule zero_only[] = { { true, 'c', 1, 5, "rwm" } };
	r = hull_cg_v2_devices(&h, zero_only, 1, &err);
	ck_assert_msg(r == 0, "devices: %s", err.msg);
	ck_assert_int_eq(open_in_cgroup(bpf_dir, O_RDONLY), EPERM);

	/* the defaults hull appends let /dev/null through */
	r = hull_cg_v2_devices(&h, hull_cg_default_rules, hull_cg_n_default_rules, &err);
	ck_assert_msg(r == 0, "devices: %s", err.msg);
	ck_assert_int_eq(open_in_cgroup(bpf_dir, O_RDWR), 0);
	close(h.dirfd);
	bpf_teardown();
	ck_assert_msg(access(bpf_dir, F_OK) < 0, "%s left behind", bpf_dir);
}
END_TEST

void cgr_setup(void)
{
	snprintf(loop_file, sizeof(loop_file), "/tmp/ht-loop-%d", (int)getpid());
	snprintf(bpf_dir, sizeof(bpf_dir), "%s/hull-test-bpf-%d",
		 cgr_pure_v2() ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified", (int)getpid());
}

void cgr_teardown(void)
{
	loop_teardown();
	bpf_teardown();
}

HULL_TESTS(cgroups_devices)
{
	tcase_add_test(tc, blkio_read_throttle);
	tcase_add_test(tc, v2_device_filter);
}
