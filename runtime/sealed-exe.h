/* hull as the container's processes run it before their exec: a copy the
 * container cannot write (sealed-exe.c). */
#ifndef HULL_SEALED_EXE_H
#define HULL_SEALED_EXE_H

#include "../base/err.h"

/* Returns 0 when hull already runs from its read-only copy; else makes the
 * copy and re-executes argv from it (returns only on failure). Call before
 * anything is opened or changed. */
int hull_exe_seal(char **argv, struct hull_err *err);

#endif
