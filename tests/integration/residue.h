/* The residue suite's helpers (residue-util.c), shared by its files:
 * residue.c (uid/gid -1, the uts namespace, errors that keep their cause;
 * the suite), residue-cgroups.c (cgroups hull did not make, a parent
 * cgroup hull made), residue-teardown.c (kill -9 then delete --force, a
 * broken state.json, a bridge that goes with its last port). */
#ifndef HULL_TESTS_RESIDUE_H
#define HULL_TESTS_RESIDUE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../lib/ht.h"

/* Appends to the test's list of faults (a char fail[] in scope). */
#define FAIL(...) snprintf(fail + strlen(fail), sizeof(fail) - strlen(fail), __VA_ARGS__)

extern char res_prefix[32];	/* "ht-r<runner pid>-": cgroups and container IDs */
extern char res_br_prefix[16];	/* "htrb<runner pid>": bridges */

static inline json_t *res_lnx(struct ht *t)
{
	return json_object_get(t->cfg, "linux");
}

/* lstat succeeds: something is at path, a dangling link too. */
bool res_exists(const char *path);

/* Puts back the hostname and domainname the runner saw before the test
 * case; true when they had to be. */
bool res_restore_names(void);

/* t's container ID: the runner's prefix (res_prefix) and tag. */
void res_own_id(struct ht *t, const char *tag);

/* ht_assert_error's test, without asserting. */
bool res_error_line(const struct ht_result *r, const char *want);

/* Whether the last 40 bytes of the line (before its newline) hold c three
 * times in a row: the line ends inside a value made of c. */
bool res_tail_has_run(const char *line, char c);

/* Kills and reaps every child of the test (a subreaper: container
 * processes whose hull died are ours); returns how many were alive. */
size_t res_kill_children(void);

/* Whether pid, a child of the test, is dead or has a SIGKILL pending: what
 * a kill(2) did is visible at once, no wait needed. */
bool res_dead_or_doomed(pid_t pid);

/* A /bin/sleep 60 child of the test. */
pid_t res_spawn_sleep(void);

/* Writes text into the existing file path (a cgroup file); false on failure. */
bool res_write_file(const char *path, const char *text);

/* Ends a test: on faults, cleans the host without assertions and fails
 * with them; else the usual host check. */
void res_finish(struct ht *t, const char *fail);

/* A test case of s named name, 60 s, with the unchecked fixture that
 * sweeps what its tests left. */
TCase *res_tcase(Suite *s, const char *name);

/* The tests of residue-cgroups.c and residue-teardown.c, each in a test
 * case of s of its own (res_tcase). */
void res_cgroup_tests(Suite *s);
void res_teardown_tests(Suite *s);

#endif
