/* Skips: a check that cannot run on this host says so and why, and the
 * runner counts it apart from the passes (Check has no skip of its own:
 * to it a skipped check is one that returned). See hull-test.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hull-test.h"

/* The runner's record of skips, one line each ("S " a whole check, "P " a
 * part of one, then the line shown): a memfd opened before the suites run,
 * so that the checks Check forks write into the runner's file. */
static int skip_fd = -1;

void ht_skip_open(void)
{
	skip_fd = memfd_create("hull-tests-skips", MFD_CLOEXEC);
}

void ht_skip_at(bool part, const char *fmt, ...)
{
	char reason[512], line[800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	/* tcase_name(): despite its name, the running test's name */
	int n = snprintf(line, sizeof(line), "%c hull-tests: %s: %s: %s\n", part ? 'P' : 'S',
			 part ? "part skipped" : "skipped", tcase_name(), reason);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	fputs(line + 2, stderr);
	/* Checks run one at a time; the forked ones share the runner's
	 * offset (one open file), so each line lands after the last. */
	if (skip_fd >= 0)
		(void)!write(skip_fd, line, len);
}

/* The skip lines again after Check's summary, and the counts. */
void ht_skip_report(int run, int failed)
{
	if (skip_fd < 0)
		return;
	char buf[65536];
	ssize_t got = pread(skip_fd, buf, sizeof(buf) - 1, 0);
	buf[got > 0 ? got : 0] = 0;
	int skipped = 0, parts = 0;
	for (char *l = buf; *l;) {
		size_t len = strcspn(l, "\n");
		skipped += *l == 'S';
		parts += *l == 'P';
		fprintf(stderr, "%.*s\n", (int)(len > 2 ? len - 2 : 0), l + 2);
		l += len + (l[len] == '\n');
	}
	int passed = run - failed - skipped;
	fprintf(stderr, "hull-tests: %d checks: %d passed, %d skipped, %d failed; %d passed with a part skipped\n",
		run, passed > 0 ? passed : 0, skipped, failed, parts);
}
