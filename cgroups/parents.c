/* The parent cgroups hull made (a linux.cgroupsPath "/pod/ctr" makes
 * "/pod" for the first container under it): each is marked by a file in
 * the machine's mark directory (hull_cgroup_marks_open), so that whichever container leaves it last removes it,
 * not only the one that happened to make it. The mark is written before
 * the mkdir, so a hull killed in between leaves a mark, never an unmarked
 * directory of its own. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

/* "parent.HASH" of the directory's path; the file holds the path. */
static void mark_name(const char *dir, char name[48])
{
	uint64_t h = 14695981039346656037ull;	/* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)dir; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	snprintf(name, 48, "parent.%016llx", (unsigned long long)h);
}

int hull_cg_parent_mark(int reg, const char *dir)
{
	if (reg < 0)
		return 0;
	char name[48];
	mark_name(dir, name);
	struct hull_err ignore = { 0 };
	return hull_write_atomic_at(reg, name, dir, strlen(dir), 0600, &ignore);
}

bool hull_cg_parent_marked(int reg, const char *dir)
{
	if (reg < 0)
		return false;
	char name[48];
	mark_name(dir, name);
	_cleanup_free_ char *buf = NULL;
	struct hull_err ignore = { 0 };
	return hull_read_file_at(reg, name, &buf, NULL, &ignore) == 0 && strcmp(buf, dir) == 0;
}

void hull_cg_parent_unmark(int reg, const char *dir)
{
	if (hull_cg_parent_marked(reg, dir)) {
		char name[48];
		mark_name(dir, name);
		unlinkat(reg, name, 0);
	}
}
