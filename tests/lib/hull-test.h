/* Shared by every Check suite of hull. */
#ifndef HULL_TEST_H
#define HULL_TEST_H

#include <check.h>
#include <stdbool.h>

/* Registers a suite with the runner: kind is unit (no root, no binary) or
 * integration (root, runs $HULL against bundles made from $HULL_FIXTURE).
 * The Makefile collects these lines; the runner calls hull_suite_NAME(). */
#define HULL_SUITE(name, kind) Suite *hull_suite_##name(void)

/* A suite kept in several files (one a theme): each file but the suite's
 * own defines HULL_TESTS(part) { tcase_add_test(tc, ...); ... }, adding
 * its tests to a test case of the suite; the suite's file declares it
 * with HULL_TESTS(part); and calls hull_tests_part(tc). */
#define HULL_TESTS(part) void hull_tests_##part(TCase *tc)

/* Test cases make check-fast leaves out carry a tag (tcase_set_tags):
 * "daemon", they start daemons (containerd, iperf3 servers); "slow", they
 * take seconds each (races repeated hundreds of times, strace, kill -9
 * loops, resource exhaustion). Check's CK_EXCLUDE_TAGS="daemon slow" is
 * how (config.mk: CHECK_FAST_EXCLUDE_TAGS). */

/* A check that cannot run on this host (a kernel feature or a tool it
 * needs is missing) says so and why instead of returning silently:
 * ht_skip(...), then return; a check that goes on without one of its
 * parts says ht_skip_part(...). Each prints "hull-tests: skipped: TEST:
 * REASON" at once; the runner lists them again after the run and
 * counts skipped checks apart from the passed ones. */
#define ht_skip(...) ht_skip_at(false, __VA_ARGS__)
#define ht_skip_part(...) ht_skip_at(true, __VA_ARGS__)
void ht_skip_at(bool part, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The runner's side: the record before the run, the report after it. */
void ht_skip_open(void);
void ht_skip_report(int run, int failed);

#endif
