/* Shared by every Check suite of hull. */
#ifndef HULL_TEST_H
#define HULL_TEST_H

#include <check.h>

/* Registers a suite with the runner: kind is unit (no root, no binary) or
 * integration (root, runs $HULL against bundles made from $HULL_FIXTURE).
 * The Makefile collects these lines; the runner calls hull_suite_NAME(). */
#define HULL_SUITE(name, kind) Suite *hull_suite_##name(void)

/* A suite kept in several files (one a theme): each file but the suite's
 * own defines HULL_TESTS(part) { tcase_add_test(tc, ...); ... }, adding
 * its tests to a test case of the suite; the suite's file declares it
 * with HULL_TESTS(part); and calls hull_tests_part(tc). */
#define HULL_TESTS(part) void hull_tests_##part(TCase *tc)

#endif
