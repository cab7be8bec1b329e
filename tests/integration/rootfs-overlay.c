/* Overlay roots (org.hull.rootfs.*): a root merged from read-only layers
 * with a tmpfs or a kept upper, the layers untouched afterwards, the
 * overlay never on the host, many containers on the same layers, and the
 * errors that stop create before anything exists.
 *
 * This file: the roots that work; the suite. The errors and limits are in
 * rootfs-overlay-errors.c. */
#include <dirent.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "rootfs-overlay.h"

void ovl_annotate(struct ht *t, const char *key, const char *value)
{
	json_t *ann = json_object_get(t->cfg, "annotations");
	if (!ann) {
		ann = json_object();
		json_object_set_new(t->cfg, "annotations", ann);
	}
	json_object_set_new(ann, key, json_string(value));
}

void ovl_set_root(struct ht *t, const char *path, bool readonly)
{
	json_t *root = json_object_get(t->cfg, "root");
	json_object_set_new(root, "path", json_string(path));
	json_object_set_new(root, "readonly", json_boolean(readonly));
}

void ovl_write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "we");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(s, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* DIR/top: a layer adding /etc/added and whiting out /etc/group. */
void ovl_make_top(const char *dir)
{
	char p[PATH_MAX];
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/added", dir);
	ovl_write_file(p, "added");
	snprintf(p, sizeof(p), "%s/etc/group", dir);
	ck_assert_int_eq(mknod(p, S_IFCHR | 0000, makedev(0, 0)), 0);
}

/* The two layers of most tests: t's private copy of the fixture rootfs
 * (base) under BUNDLE/top; root.path is BUNDLE/merged (not made yet). */
static void two_layers(struct ht *t, bool readonly)
{
	char top[128];
	snprintf(top, sizeof(top), "%s/top", t->bundle);
	ovl_make_top(top);
	ovl_annotate(t, LAYERS, "top:rootfs");
	ovl_set_root(t, "merged", readonly);
}

/* --- the tree checksum: every name, mode, owner, size, time, xattr,
 * symlink target, device number and byte of content, in name order,
 * hashed by sha256sum. */

static void put(int fd, const void *p, size_t n)
{
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
}

static void describe(int out, const char *path, const char *rel)
{
	struct stat st;
	ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	char line[PATH_MAX + 256];
	int n = snprintf(line, sizeof(line), "%s|%o|%u|%u|%lld|%u:%u|%lld.%09ld|%lld.%09ld|", rel,
			 (unsigned)st.st_mode, (unsigned)st.st_uid, (unsigned)st.st_gid,
			 (long long)st.st_size, major(st.st_rdev), minor(st.st_rdev),
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
			 st.st_ctim.tv_nsec);
	put(out, line, n);
	char names[8192];
	ssize_t len = llistxattr(path, names, sizeof(names));
	ck_assert_msg(len >= 0, "%s: listxattr: %s", path, strerror(errno));
	for (char *x = names; x < names + len; x += strlen(x) + 1) {
		char val[4096];
		ssize_t vl = lgetxattr(path, x, val, sizeof(val));
		ck_assert_int_ge(vl, 0);
		put(out, x, strlen(x) + 1);
		put(out, val, vl);
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t tl = readlink(path, target, sizeof(target));
		ck_assert_int_ge(tl, 0);
		put(out, target, tl);
	} else if (S_ISREG(st.st_mode)) {
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
		char buf[65536];
		ssize_t r;
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			put(out, buf, r);
		ck_assert_int_eq(r, 0);
		close(fd);
	}
	put(out, "\n", 1);
	if (!S_ISDIR(st.st_mode))
		return;
	struct dirent **list;
	int k = scandir(path, &list, NULL, alphasort);
	ck_assert_msg(k >= 0, "%s: %s", path, strerror(errno));
	for (int i = 0; i < k; i++) {
		const char *name = list[i]->d_name;
		if (strcmp(name, ".") && strcmp(name, "..")) {
			char p[PATH_MAX], r[PATH_MAX];
			snprintf(p, sizeof(p), "%s/%s", path, name);
			snprintf(r, sizeof(r), "%s/%s", rel, name);
			describe(out, p, r);
		}
		free(list[i]);
	}
	free(list);
}

/* sha256 (hex) of the tree at dir, into sum[65]. */
static void tree_sum(const char *dir, char sum[65])
{
	int desc = memfd_create("ht-tree", MFD_CLOEXEC), out = memfd_create("ht-sum", MFD_CLOEXEC);
	ck_assert(desc >= 0 && out >= 0);
	describe(desc, dir, ".");
	ck_assert_int_eq(lseek(desc, 0, SEEK_SET), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(desc, 0);
		dup2(out, 1);
		execl("/usr/bin/sha256sum", "sha256sum", (char *)NULL);
		_exit(126);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sha256sum failed");
	char buf[128] = "";
	ck_assert_int_ge(pread(out, buf, sizeof(buf) - 1, 0), 64);
	memcpy(sum, buf, 64);
	sum[64] = 0;
	close(desc);
	close(out);
}

/* Asserts the checksum is stable and sees one changed byte (restored
 * after): the comparisons of the tests can fail. */
/* Both layers hash as they did before the containers ran. */
static void layers_unchanged(const char *top, const char *base, const char *s_top, const char *s_base)
{
	char now[65];
	tree_sum(top, now);
	ck_assert_msg(!strcmp(s_top, now), "the top layer changed");
	tree_sum(base, now);
	ck_assert_msg(!strcmp(s_base, now), "the base layer changed");
}

static void tree_sum_selftest(const char *dir)
{
	char a[65], b[65], changed[65], path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/etc/added", dir);
	tree_sum(dir, a);
	tree_sum(dir, b);
	ck_assert_str_eq(a, b);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "A", 1, 0), 1);
	tree_sum(dir, changed);
	ck_assert_int_eq(pwrite(fd, "a", 1, 0), 1);
	close(fd);
	ck_assert_str_ne(a, changed);
}

static void assert_no_new_mounts(struct ht *t, const char *when)
{
	char *m = ht_new_mounts(t, NULL);
	ck_assert_msg(!*m, "%s: the host has new mounts:\n%s", when, m);
	free(m);
}

bool ovl_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* What the container sees of the two layers and of its writes. */
#define SEE_LAYERS \
	"cat /etc/added; echo; [ -e /etc/group ] && echo group || echo no group;" \
	"[ -s /etc/passwd ] && echo passwd;"

/* 1. Two layers and a tmpfs upper: merged content, whiteout, writes; the
 * layers byte-identical afterwards; no overlay or tmpfs on the host while
 * the container runs or after. */
START_TEST(two_layers_tmpfs_upper)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, true);
	two_layers(&t, false);
	char top[128], merged[128], out[160], s_top[65], s_base[65];
	snprintf(top, sizeof(top), "%s/top", t.bundle);
	snprintf(merged, sizeof(merged), "%s/merged", t.bundle);
	tree_sum_selftest(top);
	tree_sum(top, s_top);
	tree_sum(t.rootfs, s_base);
	ck_assert(!ovl_exists(merged));

	ht_add_sync(&t);
	snprintf(out, sizeof(out), "%s/sync/out", t.bundle);
	ht_sh(&t, "{ " SEE_LAYERS
		  "echo written > /written && cat /written; echo x > /etc/passwd && cat /etc/passwd;"
		  "rm /etc/added && [ ! -e /etc/added ] && echo removed;"
		  "df -k / | tail -n 1 | { read -r fs size rest; echo size $size; };"
		  "grep -c ' / .* - overlay ' /proc/self/mountinfo; } > /mnt/out 2>&1;"
		  "echo ready > /mnt/ready; read -r x < /mnt/ready");
	ht_start_ready(&t, "ready\n");
	/* The container runs, its root mounted: the host sees none of it. */
	assert_no_new_mounts(&t, "while running");
	ck_assert_msg(ovl_exists(merged), "root.path %s not made", merged);
	struct stat st, bst;
	ck_assert_int_eq(stat(merged, &st), 0);
	ck_assert_int_eq(stat(t.bundle, &bst), 0);
	ck_assert_msg(st.st_dev == bst.st_dev, "something is mounted on %s on the host", merged);
	char *o = ht_read(out);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(o, "added\nno group\npasswd\nwritten\nx\nremoved\nsize 65536\n1\n");
	free(o);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_hull(&t, &r, NULL, "state", t.id, NULL);
	ck_assert_int_ne(r.status, 0);
	ht_result_free(&r);

	assert_no_new_mounts(&t, "after delete");
	layers_unchanged(top, t.rootfs, s_top, s_base);
	char p[4400];
	snprintf(p, sizeof(p), "%s/written", t.rootfs);
	ck_assert(!ovl_exists(p));
	snprintf(p, sizeof(p), "%s/written", merged);
	ck_assert(!ovl_exists(p));

	/* The tmpfs upper died with the container: a new one starts clean. */
	snprintf(t.id + strlen(t.id), sizeof(t.id) - strlen(t.id), "-2");
	ht_sh(&t, "[ -e /written ] && echo kept || echo clean; cat /etc/added; echo");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "clean\nadded\n");
	ht_result_free(&r);
	layers_unchanged(top, t.rootfs, s_top, s_base);
	ht_finish(&t);
}
END_TEST

/* 1b. In a user namespace: the init mounts the overlay with userxattr
 * (trusted.* xattrs would need CAP_SYS_ADMIN in the host's namespace). The
 * merged view, the whiteout and a copy-up hold as in 1, and the layers,
 * owned by the container's root, are untouched afterwards. */
#define USERNS_HOST_ID 100000

START_TEST(userns_two_layers)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, true);
	two_layers(&t, false);
	char top[128], s_top[65], s_base[65];
	snprintf(top, sizeof(top), "%s/top", t.bundle);
	/* mkdtemp made the bundle 0700: the container's root must pass */
	ck_assert_int_eq(chmod(t.bundle, 0755), 0);
	ht_chown_tree(t.rootfs, USERNS_HOST_ID);
	ht_chown_tree(top, USERNS_HOST_ID);
	tree_sum(top, s_top);
	tree_sum(t.rootfs, s_base);
	json_t *lnx = json_object_get(t.cfg, "linux");
	json_array_append_new(json_object_get(lnx, "namespaces"), json_pack("{s:s}", "type", "user"));
	json_object_set_new(lnx, "uidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID", 0,
							   "hostID", USERNS_HOST_ID, "size", 65536));
	json_object_set_new(lnx, "gidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID", 0,
							   "hostID", USERNS_HOST_ID, "size", 65536));
	ht_sh(&t, SEE_LAYERS "echo written > /written && cat /written; echo x > /etc/passwd && cat /etc/passwd;"
		  "rm /etc/added && [ ! -e /etc/added ] && echo removed; id -u;"
		  "grep ' / / ' /proc/self/mountinfo | grep -c ' - overlay .*userxattr'");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "added\nno group\npasswd\nwritten\nx\nremoved\n0\n1\n");
	ht_result_free(&r);
	assert_no_new_mounts(&t, "after delete");
	layers_unchanged(top, t.rootfs, s_top, s_base);
	ht_finish(&t);
}
END_TEST

/* 2. A kept upper: what the first container wrote is in DIR/upper after
 * delete, and a second container from the same bundle sees it. */
START_TEST(kept_upper)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, true);
	two_layers(&t, false);
	ovl_annotate(&t, UPPER, "keep");
	char top[128], p[PATH_MAX], s_top[65], s_base[65];
	snprintf(top, sizeof(top), "%s/top", t.bundle);
	tree_sum(top, s_top);
	tree_sum(t.rootfs, s_base);

	ht_sh(&t, SEE_LAYERS "[ -e /written ] && echo kept || echo new; echo first > /written;"
		  "rm /etc/passwd; echo ok");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "added\nno group\npasswd\nnew\nok\n");
	ht_result_free(&r);
	/* `run` deleted the container; the upper stays. */
	snprintf(p, sizeof(p), "%s/keep/upper/written", t.bundle);
	char *s = ht_read(p);
	ck_assert_msg(s != NULL, "%s missing after delete", p);
	ck_assert_str_eq(s, "first\n");
	free(s);
	snprintf(p, sizeof(p), "%s/keep/work", t.bundle);
	ck_assert(ovl_exists(p));
	snprintf(p, sizeof(p), "%s/keep/upper/etc/passwd", t.bundle);
	struct stat st;
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_msg(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0), "no whiteout for /etc/passwd");
	assert_no_new_mounts(&t, "after the first container");

	snprintf(t.id + strlen(t.id), sizeof(t.id) - strlen(t.id), "-2");
	ht_sh(&t, "cat /written; [ -e /etc/passwd ] && echo passwd || echo no passwd;"
		  "echo second >> /written");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "first\nno passwd\n");
	ht_result_free(&r);
	snprintf(p, sizeof(p), "%s/keep/upper/written", t.bundle);
	s = ht_read(p);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "first\nsecond\n");
	free(s);

	layers_unchanged(top, t.rootfs, s_top, s_base);
	assert_no_new_mounts(&t, "after delete");
	ht_finish(&t);
}
END_TEST

/* 3. root.readonly: the merged layers, no upper, nothing writable. */
START_TEST(readonly_two_layers)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, true);
	two_layers(&t, true);
	char top[128], s_top[65], s_base[65];
	snprintf(top, sizeof(top), "%s/top", t.bundle);
	tree_sum(top, s_top);
	tree_sum(t.rootfs, s_base);
	ht_sh(&t, SEE_LAYERS "touch /x 2>/dev/null && echo wrote || echo ro;"
		  "echo y > /etc/added 2>/dev/null && echo wrote || echo ro;"
		  "grep ' / ' /proc/self/mountinfo | grep -q ' ro,.* - overlay .*upperdir' && echo upper;"
		  "grep -q ' / ro,.* - overlay ' /proc/self/mountinfo && echo ro overlay");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "added\nno group\npasswd\nro\nro\nro overlay\n");
	ht_result_free(&r);
	layers_unchanged(top, t.rootfs, s_top, s_base);
	ht_finish(&t);
}
END_TEST

/* root.readonly with one layer: that layer bound read-only. */
START_TEST(readonly_one_layer)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ovl_annotate(&t, LAYERS, t.rootfs);
	ovl_set_root(&t, "merged", true);
	ht_sh(&t, "[ -x /bin/busybox ] && echo busybox; touch /x 2>/dev/null && echo wrote || echo ro;"
		  "grep -q ' / ro,' /proc/self/mountinfo && echo ro root");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "busybox\nro\nro root\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

#define N_PARALLEL 10

/* Container i's bundle t's bundle/c<i> (t's config, its own script): it
 * writes its own file and a mark in the shared /mnt, waits until all have,
 * then shows what it sees. */
static void parallel_bundle(struct ht *t, int i, char *bundle, size_t cap)
{
	char script[600], cfg[200];
	snprintf(bundle, cap, "%s/c%d", t->bundle, i);
	ck_assert_int_eq(mkdir(bundle, 0755), 0);
	snprintf(script, sizeof(script),
		 "echo %d > /mine-%d && touch /mnt/done-%d || exit 3;"
		 "n=0; while [ $(ls /mnt | wc -l) -lt %d ] && [ $n -lt 600 ]; do"
		 " n=$((n+1)); sleep 0.05; done; [ $n -lt 600 ] || echo barrier timeout;"
		 "cat /etc/added; echo; [ -e /etc/group ] || echo no group;"
		 "md5sum /bin/busybox /etc/passwd | cut -d' ' -f1; ls -d /mine-*; cat /mine-%d",
		 i, i, i, N_PARALLEL, i);
	ht_sh(t, script);
	snprintf(cfg, sizeof(cfg), "%s/config.json", bundle);
	ck_assert_int_eq(json_dump_file(t->cfg, cfg, JSON_INDENT(2)), 0);
}

/* Container i's output: its own file and nothing of the others', and
 * otherwise what the first one saw (*first, kept). */
static void check_parallel(int i, struct ht_result *r, char **first)
{
	ck_assert_msg(r->status == 0, "container %d: exit %d\nstdout: %s\nstderr: %s", i, r->status,
		      r->out, r->err);
	/* Everything but its own file is the same in every container. */
	char own[64], *o = r->out;
	snprintf(own, sizeof(own), "/mine-%d\n%d\n", i, i);
	size_t lo2 = strlen(o), lown = strlen(own);
	ck_assert_msg(lo2 > lown && !strcmp(o + lo2 - lown, own),
		      "container %d sees more or less than its own file:\n%s", i, o);
	o[lo2 - lown] = 0;
	ck_assert_msg(!strstr(o, "/mine-"), "container %d sees another's file:\n%s%s", i, o, own);
	ck_assert_msg(strstr(o, "added\nno group\n") == o, "container %d:\n%s", i, o);
	if (!*first)
		*first = strdup(o);
	else
		ck_assert_msg(!strcmp(*first, o), "container %d saw\n%s\ncontainer 0 saw\n%s", i, o, *first);
}

/* 4. Ten containers on the same layers at once, each with its own tmpfs
 * upper: same content, and none sees another's file. A barrier in a
 * shared bind mount makes them all write before any of them looks. */
START_TEST(ten_at_once)
{
	struct ht t;
	ht_begin(&t, true);
	char top[128], shared[128], s_top[65], s_base[65];
	snprintf(top, sizeof(top), "%s/top", t.bundle);
	snprintf(shared, sizeof(shared), "%s/shared", t.bundle);
	ovl_make_top(top);
	ck_assert_int_eq(mkdir(shared, 0777), 0);
	tree_sum(top, s_top);
	tree_sum(t.rootfs, s_base);
	char layers[4400];
	snprintf(layers, sizeof(layers), "%s:%s", top, t.rootfs);
	ovl_annotate(&t, LAYERS, layers);
	ovl_set_root(&t, "merged", false);
	ht_mount(&t, "/mnt", "bind", shared, "rbind", "rw", NULL);

	struct ht_proc p[N_PARALLEL];
	char ids[N_PARALLEL][80];
	for (int i = 0; i < N_PARALLEL; i++) {
		char bundle[160];
		parallel_bundle(&t, i, bundle, sizeof(bundle));
		snprintf(ids[i], sizeof(ids[i]), "%s-p%d", t.id, i);
		ht_start_hull(&t, &p[i], "run", "--bundle", bundle, ids[i], NULL);
	}
	char *first = NULL;
	for (int i = 0; i < N_PARALLEL; i++) {
		struct ht_result r;
		ht_wait(&p[i], &r, -1);
		check_parallel(i, &r, &first);
		ht_result_free(&r);
	}
	free(first);
	for (int i = 0; i < N_PARALLEL; i++)
		ck_assert_msg(!ht_cgroup_exists(ids[i]), "cgroup %s left", ids[i]);
	layers_unchanged(top, t.rootfs, s_top, s_base);
	assert_no_new_mounts(&t, "after ten containers");
	ht_finish(&t);
}
END_TEST

HULL_TESTS(rootfs_overlay_errors);

HULL_SUITE(rootfs_overlay, integration)
{
	Suite *s = suite_create("rootfs_overlay");
	TCase *tc = tcase_create("rootfs_overlay");
	tcase_add_test(tc, two_layers_tmpfs_upper);
	tcase_add_test(tc, userns_two_layers);
	tcase_add_test(tc, kept_upper);
	tcase_add_test(tc, readonly_two_layers);
	tcase_add_test(tc, readonly_one_layer);
	tcase_add_test(tc, ten_at_once);
	hull_tests_rootfs_overlay_errors(tc);
	suite_add_tcase(s, tc);
	return s;
}
