/* What attackers test: the hull binary through /proc/PID/exe
 * (CVE-2019-5736), host fds (CVE-2024-21626), mount destinations that are
 * symlinks out of the rootfs (CVE-2019-19921), unmasking masked paths. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/ht.h"

/* FNV-1a of a whole file: enough to see that a binary was not changed. */
static unsigned long long file_hash(const char *path)
{
	FILE *f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	unsigned long long h = 1469598103934665603ULL;
	for (int c; (c = fgetc(f)) != EOF;)
		h = (h ^ (unsigned char)c) * 1099511628211ULL;
	fclose(f);
	return h;
}

static void write_fifo(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Container A runs; container B is created in A's pid namespace, so B's
 * init, still running hull's code before start, is visible to A. A tries
 * to open it for writing and for reading through /proc/PID/exe. */
START_TEST(hull_binary_not_reachable)
{
	struct ht a, b;
	struct ht_result r;
	const char *hull = getenv("HULL");
	unsigned long long before = file_hash(hull);

	ht_begin(&a, false);
	ht_add_sync(&a);
	char go[160], out[160];
	snprintf(go, sizeof(go), "%s/sync/go", a.bundle);
	snprintf(out, sizeof(out), "%s/sync/out", a.bundle);
	ck_assert_int_eq(mkfifo(go, 0600), 0);
	ht_sh(&a, "echo ready > /mnt/ready; read x < /mnt/go;"
		  "for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = hull ] || continue;"
		  "  echo seen;"
		  "  if (exec 3>>$p/exe); then echo exe writable; fi;"
		  "  if (exec 3<$p/exe); then echo exe readable; fi;"
		  "  if readlink $p/exe; then echo exe link readable; fi;"
		  "  if (exec 3<$p/mem); then echo mem readable; fi;"
		  "done > /mnt/out 2>&1; echo done > /mnt/ready; exec sleep 1000");
	ht_write_config(&a);
	ht_ok(&a, "run", "--detach", "--bundle", a.bundle, a.id, NULL);
	free(ht_wait_ready(&a));
	pid_t apid = ht_state_pid(&a, a.id, NULL, 0);

	/* B: same state root, in A's pid namespace, left created. */
	b = a;
	b.cfg = json_deep_copy(a.cfg);
	snprintf(b.id, sizeof(b.id), "%.60s-b", a.id);
	char pidns[64];
	snprintf(pidns, sizeof(pidns), "/proc/%d/ns/pid", apid);
	json_t *nss = json_object_get(json_object_get(b.cfg, "linux"), "namespaces"), *ns;
	size_t i;
	json_array_foreach(nss, i, ns)
		if (!strcmp(json_string_value(json_object_get(ns, "type")), "pid"))
			json_object_set_new(ns, "path", json_string(pidns));
	ht_args(&b, "true", NULL);
	char bdir[128];
	snprintf(bdir, sizeof(bdir), "%s/b", a.bundle);
	ck_assert_int_eq(mkdir(bdir, 0700), 0);
	strcpy(b.bundle, bdir);
	ht_write_config(&b);
	json_decref(b.cfg);
	ht_ok(&a, "create", "--bundle", bdir, b.id, NULL);

	write_fifo(go, "go\n");
	free(ht_wait_ready(&a));
	char *seen = ht_read(out);
	ck_assert_ptr_nonnull(seen);
	ck_assert_msg(!strncmp(seen, "seen\n", 5), "A did not see B's init: %s", seen);
	ck_assert_msg(!strstr(seen, "writable") && !strstr(seen, "readable"), "A reached hull: %s", seen);
	ck_assert_msg(strstr(seen, "Permission denied") || strstr(seen, "Text file busy"),
		      "no refusal: %s", seen);
	free(seen);
	ck_assert(file_hash(hull) == before);

	/* B's init is our child (we are a subreaper): reap it, or A's pid 1
	 * could not finish dying while B's zombie stays in its namespace. */
	pid_t bpid = ht_state_pid(&a, b.id, NULL, 0);
	ht_ok(&a, "delete", "--force", b.id, NULL);
	ck_assert_int_eq(waitpid(bpid, NULL, 0), bpid);
	ht_ok(&a, "delete", "--force", a.id, NULL);
	(void)r;
	ht_finish(&a);
}
END_TEST

/* Nothing but 0-2 reaches the container: ls's own directory fd is 3. */
START_TEST(no_host_fd)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_sh(&t, "ls /proc/self/fd | tr '\\n' ' '");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "0 1 2 3 ");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* A rootfs whose /proc is a symlink to a host path: proc must not be
 * mounted there on the host's side of the root. */
START_TEST(proc_symlink_out_of_rootfs)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, true);
	char evil[128], link[4300], inside[8600];
	snprintf(evil, sizeof(evil), "/tmp/%s-evil", t.id);
	snprintf(link, sizeof(link), "%s/proc", t.rootfs);
	ck_assert_int_eq(rmdir(link), 0);
	ck_assert_int_eq(symlink(evil, link), 0);
	ht_sh(&t, "echo ran");
	ht_run(&t, &r);
	struct stat st;
	ck_assert_msg(stat(evil, &st) < 0, "%s created on the host", evil);
	if (r.status == 0) {
		/* followed inside the rootfs */
		snprintf(inside, sizeof(inside), "%s%s", t.rootfs, evil);
		ck_assert_msg(stat(inside, &st) == 0, "proc went neither inside nor refused");
	} else {
		ht_assert_error(&r, "/proc");
	}
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* Without CAP_SYS_ADMIN the masks stay. */
START_TEST(masked_paths_stay_masked)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_sh(&t, "umount /proc/keys 2>&1; umount -l /sys/firmware 2>&1;"
		  "mount -t proc proc /mnt 2>&1; [ -c /proc/keys ] && echo still masked");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_msg(strstr(r.out, "still masked\n") && !strstr(r.out, "\n/") &&
		      strstr(r.out, "Operation not permitted"), "%s", r.out);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

HULL_SUITE(hardening, integration)
{
	Suite *s = suite_create("hardening");
	TCase *tc = tcase_create("hardening");
	tcase_add_test(tc, hull_binary_not_reachable);
	tcase_add_test(tc, no_host_fd);
	tcase_add_test(tc, proc_symlink_out_of_rootfs);
	tcase_add_test(tc, masked_paths_stay_masked);
	suite_add_tcase(s, tc);
	return s;
}
