/* Runs the Check suites: `hull-tests unit|integration|all`. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ht.h"
#include "hull-test.h"

#undef HULL_SUITE
#define HULL_SUITE(name, kind) Suite *hull_suite_##name(void);
#include "suites.inc"
#undef HULL_SUITE

struct entry {
	const char *name, *kind;
	Suite *(*make)(void);
};

#define HULL_SUITE(name, kind) { #name, #kind, hull_suite_##name },
static const struct entry suites[] = {
#include "suites.inc"
};
#undef HULL_SUITE

int main(int argc, char **argv)
{
	const char *want = argc > 1 ? argv[1] : "all";
	SRunner *sr = NULL;
	int failed;

	if (strcmp(want, "unit") && strcmp(want, "integration") && strcmp(want, "all")) {
		fprintf(stderr, "usage: %s unit|integration|all\n", argv[0]);
		return 2;
	}
	if (strcmp(want, "unit") && geteuid() != 0) {
		fprintf(stderr, "hull-tests: the integration suites run real containers and need root\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (strcmp(want, "all") && strcmp(want, suites[i].kind))
			continue;
		if (!sr)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}
	if (!sr) {
		fprintf(stderr, "hull-tests: no %s suite\n", want);
		return 2;
	}
	ht_skip_open();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	ht_skip_report(srunner_ntests_run(sr), failed);
	if (strcmp(want, "unit"))
		ht_sweep();
	srunner_free(sr);
	return failed ? 1 : 0;
}
