/* What the runtime sets in a loaded config for its caller (see spec.h);
 * hull_spec_add_mount is in parse-mounts.c, beside the mount parser. */
#include <string.h>

#include "../base/util.h"
#include "parse.h"

void hull_process_setenv(struct hull_process *p, const char *kv)
{
	size_t klen = strcspn(kv, "=") + 1;
	for (size_t i = 0; i < p->env.n; i++) {
		if (!strncmp(p->env.v[i], kv, klen)) {
			free(p->env.v[i]);
			p->env.v[i] = hull_xstrdup(kv);
			return;
		}
	}
	p->env.v = hull_xrealloc(p->env.v, (p->env.n + 2) * sizeof(char *));
	p->env.v[p->env.n++] = hull_xstrdup(kv);
	p->env.v[p->env.n] = NULL;
}
