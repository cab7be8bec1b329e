/* The clients suite: docker 20.10 and podman 4.3 (Debian 12's) with hull
 * in place of runc, and runc beside it in the same run. clients.c starts
 * each client's private world (a test case's unchecked fixture), runs
 * commands and keeps the side-by-side table; clients-ops.c holds the
 * checks, each run once per runtime. */
#ifndef HULL_TESTS_CLIENTS_H
#define HULL_TESTS_CLIENTS_H

#include <stdbool.h>

#include "../lib/ht.h"

#define CL_IMAGE "localhost/hull-busybox:1"
#define CL_RUNC "/usr/sbin/runc"

enum cl_kind { CL_DOCKER, CL_PODMAN };

/* The client of the running test case and its private world. */
struct cl_client {
	enum cl_kind kind;
	const char *name;	/* "docker", "podman" */
	char dir[64];		/* /tmp/ht-cl-NAME-PID-XXXXXX: everything the client keeps */
	char sock[128];		/* dockerd's -H socket */
	pid_t daemon;		/* dockerd (docker only) */
	char skip[256];		/* why the client cannot be tested here ("" when it can) */
};
extern struct cl_client cl;

/* The runtimes each check runs with: runc first, then hull. */
#define CL_RUNTIMES 2
extern const char *const cl_runtimes[CL_RUNTIMES];

/* Makes the caller a child subreaper: what the clients leave to be
 * adopted (conmon) is reaped by cl_cmd. Every check calls it first. */
void cl_begin(void);

/* `CLIENT [global options] ARGS...` with runtime rt ("runc" or "hull")
 * wherever the client takes it, into r; bounded by timeout s (then
 * killed, status -1). Never asserts. */
void cl_cmd(struct ht_result *r, const char *rt, double timeout, const char *const *args);
/* cl_cmd with the args listed, NULL-terminated, 60 s. */
void cl_do(struct ht_result *r, const char *rt, ...) __attribute__((sentinel));
/* The whole command line of cl_cmd (for ht_run_in_pty), NULL-terminated;
 * static storage, valid until the next call. */
char **cl_argv(const char *rt, const char *const *args);
/* A container name unique to this run, for runtime rt and check what. */
const char *cl_name(const char *rt, const char *what);
/* Removes container name, quietly. */
void cl_remove(const char *rt, const char *name);

/* One row of the side-by-side table: what each runtime gave for the
 * operation (a short text), appended to the table file. */
void cl_table_row(const char *op, const char *runc, const char *hull);

double cl_now(void);

#endif
