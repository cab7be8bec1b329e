/* libFuzzer target: capability names, resolved by hull_caps_resolve.
 *
 * Input: lines; the first byte of a line picks the set (byte % 5: bounding,
 * effective, inheritable, permitted, ambient; the seeds use "A" to "E"), the
 * rest is the name. An empty input is a process without
 * process.capabilities. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/caps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void push(struct hull_strv *v, const char *s, size_t n)
{
	char **nv = realloc(v->v, (v->n + 2) * sizeof(char *));
	if (!nv)
		abort();
	v->v = nv;
	v->v[v->n++] = strndup(s, n);
	v->v[v->n] = NULL;
	if (!v->v[v->n - 1])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hull_process p = { 0 };
	struct hull_strv *sets[5] = { &p.caps.bounding, &p.caps.effective, &p.caps.inheritable,
				      &p.caps.permitted, &p.caps.ambient };
	p.has_caps = size > 0;
	const char *s = (const char *)data, *end = s + size;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end;
		if (le > s)
			push(sets[(unsigned char)*s % 5], s + 1, (size_t)(le - s - 1));
		s = le + 1;
	}
	p.caps.has_bounding = p.caps.bounding.n > 0;
	p.caps.has_effective = p.caps.effective.n > 0;
	p.caps.has_inheritable = p.caps.inheritable.n > 0;
	p.caps.has_permitted = p.caps.permitted.n > 0;
	p.caps.has_ambient = p.caps.ambient.n > 0;

	struct hull_capsets c;
	struct hull_err err = { 0 };
	if (hull_caps_resolve(&p, &c, &err) == 0) {
		/* What capset(2) and PR_CAP_AMBIENT_RAISE require of the sets. */
		if ((c.effective & ~c.permitted) || (c.inheritable & ~c.bounding) ||
		    (c.ambient & ~(c.permitted & c.inheritable)))
			abort();
	} else if (!err.msg[0]) {
		abort();
	}
	for (int i = 0; i < 5; i++) {
		for (size_t k = 0; k < sets[i]->n; k++)
			free(sets[i]->v[k]);
		free(sets[i]->v);
	}
	return 0;
}
