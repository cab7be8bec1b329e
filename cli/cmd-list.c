#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../runtime/state.h"
#include "cli.h"

int hull_cmd_list(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	bool json = false, quiet = false;
	int ch;
	while ((ch = hull_getopt(argc, argv, "list", "f:q", opts, err)) != -1) {
		if (ch == 'q') {
			quiet = true;
		} else if (ch == 'f') {
			if (strcmp(optarg, "json") && strcmp(optarg, "table"))
				return hull_errf(err, EINVAL, "list: --format must be table or json, not \"%s\"",
						 optarg), 1;
			json = !strcmp(optarg, "json");
		} else {
			return 1;
		}
	}
	if (hull_operands(argc, argv, "list", "", 0, 0, err) < 0)
		return 1;
	_cleanup_strv_ char **ids = NULL;
	size_t n;
	if (hull_container_list(g->root, &ids, &n, err) < 0)
		return 1;

	/* A container deleted while we read is simply not listed. */
	struct hull_container *cs = hull_xcalloc(n, sizeof(*cs));
	const struct hull_state_file **sts = hull_xcalloc(n, sizeof(*sts));
	const char **statuses = hull_xcalloc(n, sizeof(*statuses));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct hull_err ignore = {0};
		if (hull_container_open(g->root, ids[i], false, &cs[k], &ignore) < 0)
			continue;
		if (!cs[k].has_state) {
			hull_container_close(&cs[k]);
			continue;
		}
		enum hull_status s = hull_container_status(&cs[k], NULL);
		if (s == HULL_STATUS_STOPPED)
			cs[k].st.pid = 0;
		statuses[k] = hull_status_name(s);
		sts[k] = &cs[k].st;
		k++;
	}
	if (quiet) {
		for (size_t i = 0; i < k; i++)
			printf("%s\n", sts[i]->id);
	} else if (json) {
		_cleanup_free_ char *s = hull_state_list_json(sts, statuses, k);
		printf("%s\n", s ? s : "[]");
	} else {
		printf("%-20s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
		       "OWNER");
		for (size_t i = 0; i < k; i++) {
			char created[40];
			hull_format_rfc3339(sts[i]->created_sec, sts[i]->created_nsec, created);
			_cleanup_free_ char *owner = hull_state_owner_name(sts[i]->owner);
			printf("%-20s %-8d %-10s %-40s %-31s %s\n", sts[i]->id, (int)sts[i]->pid, statuses[i],
			       sts[i]->bundle, created, owner);
		}
	}
	for (size_t i = 0; i < k; i++)
		hull_container_close(&cs[i]);
	free(cs);
	free(sts);
	free(statuses);
	return 0;
}
