/* config.json: hooks. */
#include <limits.h>
#include <string.h>

#include "../base/util.h"
#include "parse.h"

static const char *const kind_names[HULL_HOOK_KINDS] = {
	[HULL_HOOK_PRESTART] = "prestart",
	[HULL_HOOK_CREATE_RUNTIME] = "createRuntime",
	[HULL_HOOK_CREATE_CONTAINER] = "createContainer",
	[HULL_HOOK_START_CONTAINER] = "startContainer",
	[HULL_HOOK_POSTSTART] = "poststart",
	[HULL_HOOK_POSTSTOP] = "poststop",
};

const char *hull_hook_kind_name(enum hull_hook_kind kind)
{
	return (unsigned)kind < HULL_HOOK_KINDS ? kind_names[kind] : NULL;
}

static int parse_hook(json_t *v, const char *p, struct hull_hook *h, struct hull_err *err)
{
	jpath_t q;
	int64_t t;
	int r;
	if (jv_object(v, p, err) < 0 || jo_string(v, p, "path", true, &h->path, err) < 0)
		return -EINVAL;
	if (h->path[0] != '/') {
		jp_key(q, p, "path");
		return jerr(err, q, "must be an absolute path");
	}
	if (jo_strv(v, p, "args", &h->args, err) < 0 || jo_strv(v, p, "env", &h->env, err) < 0)
		return -EINVAL;
	jp_key(q, p, "env");
	for (size_t i = 0; i < h->env.n; i++) {
		const char *eq = strchr(h->env.v[i], '=');
		if (!eq || eq == h->env.v[i]) {
			jpath_t ep;
			jp_idx(ep, q, i);
			return jerr(err, ep, "expected KEY=VALUE");
		}
	}
	if ((r = jo_i64(v, p, "timeout", false, 1, INT_MAX, &t, err)) < 0)
		return r;
	if (r) {
		h->has_timeout = true;
		h->timeout = (int)t;
	}
	return 0;
}

int spec_parse_hooks(json_t *hooks, struct hull_hooks out[HULL_HOOK_KINDS], struct hull_err *err)
{
	for (int k = 0; k < HULL_HOOK_KINDS; k++) {
		json_t *a, *v;
		size_t i;
		jpath_t path;
		int r = jo_array(hooks, "hooks", kind_names[k], false, &a, err);
		if (r < 0)
			return r;
		if (!a)
			continue;
		jp_key(path, "hooks", kind_names[k]);
		out[k].v = hull_xcalloc(json_array_size(a), sizeof(*out[k].v));
		json_array_foreach(a, i, v) {
			jpath_t p;
			jp_idx(p, path, i);
			out[k].n++;
			if (parse_hook(v, p, &out[k].v[i], err) < 0)
				return -EINVAL;
		}
	}
	return 0;
}
