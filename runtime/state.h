/* The state store: ROOT/ID/ holds state.json (the container's record),
 * config.json (the config as it was at create) and start.sock (present while
 * the container is "created"). Each container directory is locked with
 * flock while a command changes it. */
#ifndef HULL_STATE_H
#define HULL_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "../base/cleanup.h"
#include "../base/err.h"
#include "../oci-spec/state.h"

#define HULL_STATE_FILE "state.json"
#define HULL_CONFIG_FILE "config.json"
/* The init's start socket: `start` connects, the init answers with its
 * error or, by closing on execve, with success. */
#define HULL_START_FILE "start.sock"
/* The cgroup's serialization again, written once at create: what
 * delete --force finds when state.json is broken. */
#define HULL_CGROUP_FILE "cgroup"

enum hull_status {
	HULL_STATUS_CREATING,
	HULL_STATUS_CREATED,
	HULL_STATUS_RUNNING,
	HULL_STATUS_PAUSED,
	HULL_STATUS_STOPPED,
};

const char *hull_status_name(enum hull_status s);

/* An opened (and, unless read-only, exclusively locked) container. */
struct hull_container {
	char *id;
	int dirfd;		/* ROOT/ID, O_DIRECTORY|O_CLOEXEC, holds the flock */
	bool locked;		/* we hold the exclusive lock */
	char *dir;		/* ROOT/ID */
	bool has_state;		/* state.json was read */
	char state_err[HULL_ERR_MAX];	/* why not, when has_state is false */
	struct hull_state_file st;
};

/* Container IDs: non-empty, at most NAME_MAX (255) bytes, [A-Za-z0-9][A-Za-z0-9_+.-]*. */
int hull_id_validate(const char *id, struct hull_err *err);

/* Creates ROOT (0711) if missing and ROOT/ID (0700), taking its lock.
 * An existing ID is refused: "container ID X already exists". */
int hull_container_claim(const char *root, const char *id, struct hull_container *c,
			 struct hull_err *err);

/* Opens ROOT/ID and reads state.json. lock: take the exclusive lock first.
 * A missing directory: "container X does not exist". A missing or broken
 * state.json leaves has_state false and the reason in state_err (only
 * `delete --force` goes on then). */
int hull_container_open(const char *root, const char *id, bool lock, struct hull_container *c,
			struct hull_err *err);

/* Writes c->st to state.json atomically. */
int hull_container_save(struct hull_container *c, struct hull_err *err);

/* Derives the status from the init's liveness (pid + start time), the
 * exec fifo and the lock. If pidfd is not NULL and the init lives, a pidfd
 * of it is returned there (-1 otherwise), opened race-free against reuse. */
enum hull_status hull_container_status(struct hull_container *c, int *pidfd);

/* Removes ROOT/ID and everything in it. Idempotent. */
int hull_container_remove(struct hull_container *c, struct hull_err *err);

void hull_container_close(struct hull_container *c);

/* The IDs under root, sorted; n = 0 if root does not exist. */
int hull_container_list(const char *root, char ***ids, size_t *n, struct hull_err *err);

/* The directory where the parent cgroups hull made are marked, for the
 * whole machine whatever --root says (the cgroup tree is the machine's):
 * HULL_CGROUP_MARKS (config.mk), $XDG_RUNTIME_DIR/hull/.cgroup-marks when
 * not root. Made if missing; -1 when it cannot be had. */
int hull_cgroup_marks_open(void);

/* pidfd_open(2), -errno on failure. */
int hull_pidfd_open(pid_t pid);

HULL_DEFINE_CLEANUP_VALUE(struct hull_container, hull_container_close)
#define _cleanup_container_ __attribute__((cleanup(hull_container_closep)))

#endif
