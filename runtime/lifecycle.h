/* The container lifecycle: create, start, signal, delete. The CLI files
 * (cmd-*.c) parse options and call these. */
#ifndef HULL_LIFECYCLE_H
#define HULL_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "state.h"

struct hull_create_opts {
	const char *root;
	const char *id;
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	bool foreground;	/* `run` without --detach: the caller waits for the init */
	bool systemd_cgroup;	/* --systemd-cgroup: the cgroup is a systemd scope */
	const char *pidfd_socket;	/* --pidfd-socket: the init's pidfd goes there */
	const char *notify_socket;	/* the caller's NOTIFY_SOCKET (see notify.h), or NULL */
	bool no_subreaper;	/* run: the caller does not adopt the container's orphans */
	int listen_fds;		/* socket activation: fds 3.. 3+N-1 (counted in preserve_fds) go to
				 * the container with LISTEN_FDS=N and LISTEN_PID=1 */
};

struct hull_created {
	pid_t pid;		/* the init, a child of the caller */
	int pidfd;
	int pty_master;		/* foreground with a terminal and no console socket, else -1 */
};

/* Reads the child's sync messages until it is ready: a HULL_SYNC_READY, or
 * with eof_is_ready the end of the socket (it closed on exec). Takes a pty
 * master into out->pty_master and hands a seccomp fd to the listener (st,
 * with out->pid, is the state it gets). who names the child in errors. */
struct hull_spec;
int hull_await_child(int sock, const struct hull_spec *spec, const struct hull_state_file *st,
		     struct hull_created *out, bool eof_is_ready, const char *who,
		     struct hull_err *err);

/* Creates the container; on success c is open and locked and the init waits
 * for start. On failure nothing is left: no cgroup, state dir or process. */
int hull_create(const struct hull_create_opts *o, struct hull_container *c,
		struct hull_created *out, struct hull_err *err);

/* Writes pid to path atomically (temp file + rename), as runc does. */
int hull_write_pid_file(const char *path, pid_t pid, struct hull_err *err);

/* Releases a created container's init. */
int hull_start(struct hull_container *c, struct hull_err *err);

/* hull_start, then, when notify_host (the caller's NOTIFY_SOCKET) is set
 * and c was created with one, the wait for the container's READY=1 and
 * its relay (notify.h); c is unlocked for that wait. */
int hull_start_notify(struct hull_container *c, const char *notify_host, struct hull_err *err);

/* What hull_teardown undoes: a failed create's (spec given, child its
 * own) or delete's (the hooks of the saved config, the init by pidfd). */
struct hull_cgroup;
struct hull_spec;
struct hull_teardown {
	struct hull_container *c;
	struct hull_cgroup *cg;		/* NULL: none */
	const struct hull_spec *spec;	/* poststop hooks from it, else the saved config */
	pid_t child;			/* an init of ours to kill and reap, 0: none */
	int init_pidfd;			/* the init, -1: gone or none */
	bool running;			/* processes may run: kill the cgroup first */
	bool paused;			/* thaw after that kill (v1 freezer) */
	bool poststop;			/* run the poststop hooks */
	bool give_back;			/* linux.netDevices back to the host (failed create) */
};

/* Kills every process of the container, removes its cgroup, undoes its
 * network, runs the poststop hooks and removes its state dir. */
int hull_teardown(const struct hull_teardown *t, struct hull_err *err);

/* Sends sig to the init, or with all to every process of the container. */
int hull_signal(struct hull_container *c, int sig, bool all, struct hull_err *err);

/* Deletes the container: refused unless stopped or created, or force
 * (then every process is killed first). Each step is idempotent. */
int hull_delete(struct hull_container *c, bool force, struct hull_err *err);

/* pause (frozen) or resume: refused unless the container is running or
 * created (pause) or paused (resume). */
int hull_pause(struct hull_container *c, bool frozen, struct hull_err *err);

/* The container's cgroup statistics (fill a zeroed st; free with
 * hull_cgroup_stats_free()). */
struct hull_cgroup_stats;
int hull_container_stats(struct hull_container *c, struct hull_cgroup_stats *st, struct hull_err *err);

/* `run --stats-file`: which limit held the container's CPU back (the rule
 * is in hull-run(8)): "bandwidth", "cpuset", "shares" or "none".
 * host_cpus: CPUs online; host_idle: the host's idle fraction over the
 * run (0..1), negative when unknown. */
const char *hull_cpu_limited_by(const struct hull_cgroup_stats *st, uint64_t wall_ns,
				unsigned host_cpus, double host_idle);


/* The host's CPU time from /proc/stat, in ticks. */
struct hull_host_cpu {
	bool valid;
	uint64_t total, idle;
};
void hull_host_cpu_sample(struct hull_host_cpu *s);

/* Writes path atomically: the `run --stats-file` report of c (its cgroup
 * must still exist). before: the host sample taken at create. */
int hull_write_stats_file(const char *path, struct hull_container *c, int exit_code, uint64_t wall_ns,
			  const struct hull_host_cpu *before, struct hull_err *err);

/* The container's cgroup as its state records it (one with nothing to
 * act on when it has none of its own). */
struct hull_cgroup;
int hull_container_cgroup(struct hull_container *c, struct hull_cgroup **cg, struct hull_err *err);

/* runc's event stream on stdout (events.c): with once, one "stats" line;
 * else "stats" every interval (ns) and "oom" per OOM kill until the
 * container stops. */
int hull_events(struct hull_container *c, bool once, uint64_t interval, struct hull_err *err);

/* Applies what res sets to a running container's cgroup (`hull update`). */
struct hull_resources;
int hull_update(struct hull_container *c, const struct hull_resources *res, const char *const schemas[],
		size_t n_schemas, struct hull_err *err);

/* The pids of the container's processes (its cgroup), on the host. */
int hull_container_pids(struct hull_container *c, pid_t **pids, size_t *n, struct hull_err *err);

#endif
