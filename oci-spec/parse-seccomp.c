/* config.json: linux.seccomp. Names are checked here; the runtime maps them
 * to libseccomp values (architectures and flags stay strings). */
#include <stdlib.h>
#include <string.h>

#include "../base/util.h"
#include "parse.h"

const char *const spec_seccomp_actions[] = {
	"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
	"SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",	   "SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW", "SCMP_ACT_LOG",	   "SCMP_ACT_NOTIFY",
	NULL,
};

/* Index + 1 is libseccomp's enum scmp_compare. */
const char *const spec_seccomp_operators[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",	    "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

static int name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static int action(json_t *o, const char *parent, const char *key, char **out,
		  struct hull_err *err)
{
	if (jo_string(o, parent, key, true, out, err) < 0)
		return -EINVAL;
	if (name_index(spec_seccomp_actions, *out) < 0) {
		jpath_t p;
		jp_key(p, parent, key);
		return jerr(err, p, "unknown action %s", *out);
	}
	return 0;
}

static int parse_arg(json_t *v, const char *p, struct hull_seccomp_arg *a, struct hull_err *err)
{
	uint64_t idx;
	if (jv_object(v, p, err) < 0 || jo_u64(v, p, "index", true, 5, &idx, err) < 0 ||
	    jo_u64(v, p, "value", true, UINT64_MAX, &a->value, err) < 0 ||
	    jo_u64(v, p, "valueTwo", false, UINT64_MAX, &a->value_two, err) < 0 ||
	    jo_string(v, p, "op", true, &a->op, err) < 0)
		return -EINVAL;
	a->index = (unsigned)idx;
	int k = name_index(spec_seccomp_operators, a->op);
	if (k < 0) {
		jpath_t q;
		jp_key(q, p, "op");
		return jerr(err, q, "unknown operator %s", a->op);
	}
	a->op_num = k + 1;
	return 0;
}

static int parse_rule(json_t *v, const char *p, struct hull_seccomp_rule *s, struct hull_err *err)
{
	json_t *a, *e;
	size_t i;
	int r;
	jpath_t q;
	jp_key(q, p, "names");
	if (jv_object(v, p, err) < 0)
		return -EINVAL;
	if (!jget(v, "names"))
		return jerr(err, q, "missing");
	if (jo_strv(v, p, "names", &s->names, err) < 0)
		return -EINVAL;
	if (s->names.n == 0)
		return jerr(err, q, "must not be empty");
	for (i = 0; i < s->names.n; i++) {
		if (!s->names.v[i][0]) {
			jpath_t np;
			jp_idx(np, q, i);
			return jerr(err, np, "must not be empty");
		}
	}
	if (action(v, p, "action", &s->action, err) < 0)
		return -EINVAL;
	if ((r = jo_u32(v, p, "errnoRet", false, &s->errno_ret, err)) < 0)
		return r;
	s->has_errno_ret = r;
	if ((r = jo_array(v, p, "args", false, &a, err)) < 0)
		return r;
	if (!a)
		return 0;
	jp_key(q, p, "args");
	s->args = hull_xcalloc(json_array_size(a), sizeof(*s->args));
	json_array_foreach(a, i, e) {
		jpath_t ap;
		jp_idx(ap, q, i);
		s->n_args++;
		if (parse_arg(e, ap, &s->args[i], err) < 0)
			return -EINVAL;
	}
	return 0;
}

int spec_parse_seccomp(json_t *o, const char *P, struct hull_seccomp *s, struct hull_err *err)
{
	json_t *a, *v;
	size_t i;
	int r;
	s->present = true;
	if (action(o, P, "defaultAction", &s->default_action, err) < 0)
		return -EINVAL;
	if ((r = jo_u32(o, P, "defaultErrnoRet", false, &s->default_errno_ret, err)) < 0)
		return r;
	s->has_default_errno_ret = r;
	if (jo_strv(o, P, "architectures", &s->architectures, err) < 0 ||
	    jo_strv(o, P, "flags", &s->flags, err) < 0 ||
	    jo_string(o, P, "listenerPath", false, &s->listener_path, err) < 0 ||
	    jo_string(o, P, "listenerMetadata", false, &s->listener_metadata, err) < 0)
		return -EINVAL;
	if (s->listener_path && s->listener_path[0] != '/')
		return jerr(err, "linux.seccomp.listenerPath", "must be an absolute path");
	if (s->listener_metadata && !s->listener_path)
		return jerr(err, "linux.seccomp.listenerMetadata", "needs listenerPath");
	if ((r = jo_array(o, P, "syscalls", false, &a, err)) < 0)
		return r;
	if (!a)
		return 0;
	s->syscalls = hull_xcalloc(json_array_size(a), sizeof(*s->syscalls));
	json_array_foreach(a, i, v) {
		jpath_t p;
		jp_idx(p, "linux.seccomp.syscalls", i);
		s->n_syscalls++;
		if (parse_rule(v, p, &s->syscalls[i], err) < 0)
			return -EINVAL;
	}
	return 0;
}
