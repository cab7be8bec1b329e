/* The container process state that goes with a seccomp notify fd to the
 * agent at linux.seccomp.listenerPath (runtime-spec config-linux.md). */
#include <stdlib.h>

#include "../base/cleanup.h"
#include "json-util.h"
#include "state.h"

char *hull_seccomp_listener_json(const struct hull_state_file *st, const char *status,
				 const char *metadata)
{
	_cleanup_free_ char *state = hull_state_json(st, status, false);
	if (!state)
		return NULL;
	json_t *so = json_loads(state, 0, NULL);
	if (!so)
		return NULL;
	/* The fds array names each fd of the message, in SCM_RIGHTS order. */
	_cleanup_json_ json_t *o = json_pack("{s:s, s:[s], s:I, s:o}", "ociVersion",
					     st->oci_version ? st->oci_version : "", "fds", "seccompFd",
					     "pid", (json_int_t)st->pid, "state", so);
	if (!o)
		return NULL;
	if (metadata && json_object_set_new(o, "metadata", json_string(metadata)) < 0)
		return NULL;
	return json_dumps(o, JSON_COMPACT);
}
