/* containerd-shim-hull-v2: containerd's shim v2 task service over ttrpc,
 * in one process per container (or per pod, when the CRI groups them)
 * around one epoll loop. It calls hull's lifecycle (runtime/) as library
 * functions; the containers' inits are its children (it is their
 * subreaper), their stdio are the fifos containerd gives. */
#ifndef HULL_SHIM_H
#define HULL_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../base/err.h"
#include "ttrpc.h"

struct shim;

/* Something in the epoll set: on() runs when fd is ready. */
struct shim_watch {
	int fd;
	void (*on)(struct shim *s, struct shim_watch *w, uint32_t events);
};

int shim_watch_add(struct shim *s, struct shim_watch *w, uint32_t events);
void shim_watch_mod(struct shim *s, struct shim_watch *w, uint32_t events);
/* Removes and closes w->fd (idempotent). */
void shim_watch_close(struct shim *s, struct shim_watch *w);

/* One direction of stdio copying (stdin into the process, a terminal's
 * output out of it): in and out are the shim's own fds. */
struct shim_copy {
	struct shim_watch in, out;
	uint8_t *buf;
	size_t len, off;
	bool drain_then_close; /* CloseIO: copy what is there, then close out */
	bool active;
};

enum shim_proc_status { SHIM_CREATED, SHIM_RUNNING, SHIM_STOPPED };

struct shim_task;

/* The init of a task (exec_id NULL) or one of its exec processes. */
struct shim_proc {
	struct shim_task *task;
	char *exec_id;
	pid_t pid;
	enum shim_proc_status status;
	int exit_status;
	struct timespec exited_at;
	char *stdin_path, *stdout_path, *stderr_path;
	bool terminal;
	char *spec_json; /* exec: the runtime-spec process, until started */
	size_t spec_len;
	int stdio[3]; /* what the process gets as 0, 1, 2 (kept until it exits) */
	int pty;      /* the terminal's master, -1 */
	struct shim_copy copy_in, copy_out;
	struct shim_proc *next;
};

struct shim_task {
	char *id, *bundle, *root; /* root: hull's state directory for it */
	bool mounted;		  /* bundle/rootfs is a mount we made */
	struct shim_proc init;
	struct shim_proc *execs;
	struct shim_watch oom; /* the memory cgroup's OOM events, fd -1 */
	uint64_t oom_count;
	struct hull_cgroup *cg;
	struct shim_task *next;
};

struct shim_conn {
	struct shim_watch w;
	struct hull_ttrpc_reader rd;
	uint8_t *out; /* bytes not yet written */
	size_t out_len, out_off;
	struct shim_conn *next;
};

/* A request being answered (Wait answers when the process exits). */
struct shim_call {
	struct shim_conn *conn;
	uint32_t stream;
};

struct shim_waiter {
	struct shim_call call;
	struct shim_proc *proc;
	struct shim_waiter *next;
};

struct shim_opts {
	const char *namespace_, *id, *address, *publish_binary, *bundle, *socket;
	const char *ttrpc_address;
	bool debug;
};

struct shim {
	struct shim_opts o;
	int epfd;
	struct shim_watch listener, signals;
	char *socket_path; /* removed when the shim exits */
	struct shim_conn *conns;
	struct shim_task *tasks;
	struct shim_waiter *waiters;
	struct shim_watch publisher; /* the ttrpc connection to containerd, fd -1 */
	struct hull_ttrpc_reader pub_rd;
	uint32_t pub_stream;
	int devnull;
	unsigned console_seq;
	bool exiting;
	/* Freed after the current batch of events: one of them may still
	 * point into what a handler before it removed. */
	struct shim_task *dead_tasks;
	struct shim_proc *dead_procs;
};

/* gRPC status codes containerd maps to its errors (errdefs.FromGRPC). */
enum {
	SHIM_UNKNOWN = 2,
	SHIM_INVALID = 3,
	SHIM_NOT_FOUND = 5,
	SHIM_EXISTS = 6,
	SHIM_PRECONDITION = 9,
	SHIM_UNIMPLEMENTED = 12,
};

/* The shim's one log: containerd's "log" fifo in the bundle, lines as
 * logrus writes them; errors are one line each. */
void shim_log_open(bool debug);
#define shim_logf(level, ...) hull_log(level, __VA_ARGS__)

/* server.c */
int shim_serve(struct shim *s, int listen_fd, struct hull_err *err);
void shim_reply(struct shim *s, const struct shim_call *c, const void *msg);
/* Takes every exit there is to take now (SIGCHLD's work, also before a
 * Delete: an exit that came meanwhile is the process's answer). */
void shim_reap(struct shim *s);
/* An error answer: code (SHIM_*) and the message, also logged. */
void shim_reply_err(struct shim *s, const struct shim_call *c, int code, const char *msg);
void shim_reply_hull_err(struct shim *s, const struct shim_call *c, const struct hull_err *err);

/* service.c: the task service's methods, by name; false when unknown. */
bool shim_dispatch(struct shim *s, const struct shim_call *c, const char *method, const uint8_t *req, size_t len);

/* tasks.c: the table */
struct shim_task *shim_task_find(struct shim *s, const char *id);
struct shim_proc *shim_proc_find(struct shim_task *t, const char *exec_id);
struct shim_proc *shim_proc_by_pid(struct shim *s, pid_t pid);
void shim_task_free(struct shim *s, struct shim_task *t);
void shim_proc_release(struct shim *s, struct shim_proc *p);
void shim_free_dead(struct shim *s);
/* A reaped exit: the process is stopped, its waiters answered, its exit
 * published; the init's exit kills what is left of its container. */
void shim_proc_exited(struct shim *s, struct shim_proc *p, int status);
/* After the container was deleted (its processes killed): waits for each
 * of its processes still running, at most timeout_ms in all, and takes
 * their exits; the init's exit is recorded, not published. */
void shim_task_reap_killed(struct shim *s, struct shim_task *t, int timeout_ms);

/* stdio.c */
/* Opens what p gets as its stdio (fifos, file:// logs, /dev/null, a pipe
 * for stdin), and starts copying. */
int shim_stdio_open(struct shim *s, struct shim_proc *p, struct hull_err *err);
/* Runs fn with p's stdio as fds 0, 1, 2 (the process inherits them). */
int shim_stdio_around(struct shim *s, struct shim_proc *p, int (*fn)(void *), void *arg);
void shim_stdio_close_in(struct shim *s, struct shim_proc *p);
void shim_stdio_terminal(struct shim *s, struct shim_proc *p, int master);
/* After the process exit: the shim's copies of its fifos go. */
void shim_stdio_done(struct shim *s, struct shim_proc *p);
void shim_copy_start(struct shim *s, struct shim_copy *c, int in, int out);
void shim_copy_stop(struct shim *s, struct shim_copy *c);

/* logger.c: a binary:// log URI's logger, its pipes as p's stdout and stderr. */
int shim_logger_start(struct shim *s, struct shim_proc *p, const char *uri, struct hull_err *err);

/* console.c: a console socket for hull to send a terminal's master to. */
int shim_console_listen(struct shim *s, char **path, struct hull_err *err);
int shim_console_take(int listen_fd, const char *path, struct hull_err *err);

/* events.c: publishes ev (a packed protobuf of type_url) on topic. */
void shim_publish(struct shim *s, const char *topic, const char *type_url, const void *msg);

/* start.c: the `start` and `delete` subcommands. */
int shim_cmd_start(struct shim_opts *o, char **argv, struct hull_err *err);
int shim_cmd_delete(struct shim_opts *o, struct hull_err *err);

/* The hull state directory of a namespace's containers. */
char *shim_root(const char *namespace_);
/* In the bundle, when the runc options' Root replaced it: that root. */
#define SHIM_ROOT_FILE "hull-root"

#endif
