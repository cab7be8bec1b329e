/* namespaces/resolve.c: paths stay inside the root whatever the symlinks
 * say, and missing components are created there. Needs no privilege. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../namespaces/internal.h"
#include "../lib/hull-test.h"

static char base[64], root[96], outside[96];
static int rootfd = -1;

static void setup(void)
{
	snprintf(base, sizeof(base), "/tmp/hull-ns-resolve.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(rootfd, 0);
}

static void teardown(void)
{
	close(rootfd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	ck_assert_int_eq(system(cmd), 0);
}

static void in_root(const char *rel, char *out)
{
	snprintf(out, PATH_MAX, "%s/%s", root, rel);
}

/* Where fd is, relative to root ("" for the root itself). */
static void where(int fd, char *out)
{
	char p[HULL_FD_PATH_LEN], at[PATH_MAX], real_root[PATH_MAX];
	ssize_t n = readlink(hull_fd_path(p, fd), at, sizeof(at) - 1);
	ck_assert_int_ge(n, 0);
	at[n] = 0;
	ck_assert_ptr_nonnull(realpath(root, real_root));
	size_t rl = strlen(real_root);
	ck_assert_msg(strncmp(at, real_root, rl) == 0 && (at[rl] == 0 || at[rl] == '/'),
		      "%s is outside %s", at, real_root);
	snprintf(out, PATH_MAX, "%s", at[rl] ? at + rl + 1 : "");
}

static void symlink_in_root(const char *target, const char *rel)
{
	char p[PATH_MAX];
	in_root(rel, p);
	ck_assert_int_eq(symlink(target, p), 0);
}

START_TEST(existing_and_missing)
{
	char w[PATH_MAX];
	int fd = hull_resolve(rootfd, "/", HULL_RESOLVE_EXISTING);
	ck_assert_int_ge(fd, 0);
	where(fd, w);
	ck_assert_str_eq(w, "");
	close(fd);
	ck_assert_int_eq(hull_resolve(rootfd, "/a/b", HULL_RESOLVE_EXISTING), -ENOENT);

	fd = hull_resolve(rootfd, "//a/./b//c/", HULL_RESOLVE_DIR);
	ck_assert_int_ge(fd, 0);
	where(fd, w);
	ck_assert_str_eq(w, "a/b/c");
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	close(fd);

	fd = hull_resolve(rootfd, "/x/y/file", HULL_RESOLVE_FILE);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	where(fd, w);
	ck_assert_str_eq(w, "x/y/file");
	close(fd);
}
END_TEST

START_TEST(symlinks_stay_inside)
{
	char w[PATH_MAX], target[PATH_MAX];
	/* absolute, relative with too many "..", and one naming the host path */
	symlink_in_root("/../../../tmp", "evil");
	symlink_in_root("../../../../../..", "up");
	snprintf(target, sizeof(target), "%s", outside);
	symlink_in_root(target, "host");

	int fd = hull_resolve(rootfd, "/evil/escape", HULL_RESOLVE_DIR);
	ck_assert_int_ge(fd, 0);
	where(fd, w);
	ck_assert_str_eq(w, "tmp/escape");
	close(fd);

	fd = hull_resolve(rootfd, "/up/etc/passwd", HULL_RESOLVE_FILE);
	ck_assert_int_ge(fd, 0);
	where(fd, w);
	ck_assert_str_eq(w, "etc/passwd");
	close(fd);

	fd = hull_resolve(rootfd, "/host/f", HULL_RESOLVE_FILE);
	ck_assert_int_ge(fd, 0);
	where(fd, w);
	ck_assert_msg(strstr(w, "outside/f") && strncmp(w, "..", 2) != 0, "landed at %s", w);
	close(fd);

	/* nothing was created next to the root */
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/f", outside);
	ck_assert_int_ne(access(p, F_OK), 0);
}
END_TEST

START_TEST(dangling_symlink_target_created)
{
	char w[PATH_MAX];
	symlink_in_root("../run/stub/resolv.conf", "resolv.conf");
	symlink_in_root("/deep/dir", "d");
	int fd = hull_resolve(rootfd, "/resolv.conf", HULL_RESOLVE_FILE);
	ck_assert_int_ge(fd, 0);
	where(fd, w);
	ck_assert_str_eq(w, "run/stub/resolv.conf");
	close(fd);
	fd = hull_resolve(rootfd, "/d/sub", HULL_RESOLVE_DIR);
	ck_assert_int_ge(fd, 0);
	where(fd, w);
	ck_assert_str_eq(w, "deep/dir/sub");
	close(fd);
}
END_TEST

START_TEST(symlink_loop)
{
	symlink_in_root("b", "a");
	symlink_in_root("a", "b");
	ck_assert_int_eq(hull_resolve(rootfd, "/a/x", HULL_RESOLVE_DIR), -ELOOP);
}
END_TEST

START_TEST(magic_links_refused)
{
	symlink_in_root("/proc/self/root", "magic");
	/* resolved inside the root, /proc/self/root does not exist there */
	ck_assert_int_lt(hull_resolve(rootfd, "/magic", HULL_RESOLVE_EXISTING), 0);
}
END_TEST

START_TEST(parent_of)
{
	char *name = NULL, w[PATH_MAX];
	symlink_in_root("/../..", "out");
	int fd = hull_resolve_parent(rootfd, "/out/dev/fuse/", true, &name);
	ck_assert_int_ge(fd, 0);
	ck_assert_str_eq(name, "fuse");
	where(fd, w);
	ck_assert_str_eq(w, "dev");
	free(name);
	close(fd);
	name = NULL;
	ck_assert_int_eq(hull_resolve_parent(rootfd, "/dev/..", true, &name), -EINVAL);
	ck_assert_int_eq(hull_resolve_parent(rootfd, "/", true, &name), -EINVAL);
	ck_assert_ptr_null(name);
}
END_TEST

HULL_SUITE(ns_resolve, unit)
{
	Suite *s = suite_create("ns_resolve");
	TCase *tc = tcase_create("resolve");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, existing_and_missing);
	tcase_add_test(tc, symlinks_stay_inside);
	tcase_add_test(tc, dangling_symlink_target_created);
	tcase_add_test(tc, symlink_loop);
	tcase_add_test(tc, magic_links_refused);
	tcase_add_test(tc, parent_of);
	suite_add_tcase(s, tc);
	return s;
}
