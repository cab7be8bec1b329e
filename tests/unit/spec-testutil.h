/* Helpers shared by the oci-spec unit suites. JSON in the tables is written
 * with single quotes, turned into double quotes before parsing. */
#ifndef HULL_SPEC_TESTUTIL_H
#define HULL_SPEC_TESTUTIL_H

#include <stdlib.h>
#include <string.h>

#include "../../oci-spec/spec.h"
#include "../lib/hull-test.h"

static inline char *spec_test_quote(const char *s)
{
	char *o = strdup(s);
	ck_assert_ptr_nonnull(o);
	for (char *p = o; *p; p++)
		if (*p == '\'')
			*p = '"';
	return o;
}

/* Parses a single-quoted config with bundle /bundle; returns the result code. */
static inline int spec_test_parse(const char *json, struct hull_spec **out, struct hull_err *err)
{
	char *j = spec_test_quote(json);
	hull_err_clear(err);
	*out = NULL;
	int r = hull_spec_parse(j, strlen(j), "/bundle", out, err);
	free(j);
	return r;
}

/* The smallest valid config, and a minimal process, as JSON members. */
#define MIN_CFG "'ociVersion':'1.2.0','root':{'path':'rootfs'}"
#define PROC(extra) "'process':{'user':{'uid':0,'gid':0},'args':['sh'],'cwd':'/'" extra "}"
#define CFG(members) "{" MIN_CFG "," members "}"

#endif
