/* Shared by every Check suite of hull. */
#ifndef HULL_TEST_H
#define HULL_TEST_H

#include <check.h>

/* Registers a suite with the runner: kind is unit (no root, no binary) or
 * integration (root, runs $HULL against bundles made from $HULL_FIXTURE).
 * The Makefile collects these lines; the runner calls hull_suite_NAME(). */
#define HULL_SUITE(name, kind) Suite *hull_suite_##name(void)

#endif
