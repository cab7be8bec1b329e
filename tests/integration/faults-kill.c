/* hull killed with SIGKILL at each point where create, start, run and
 * delete wait (a hook blocked on a fifo the test holds): `delete --force`
 * must leave nothing (the faults suite, faults-inject.c). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../lib/hf.h"

/* A hook that says "at-hook" on the fifo D/at, then waits for a line on
 * the fifo D/release (opened read-write first: never blocks), unless
 * D/released exists. */
struct gate {
	int at;
	char dir[128];
};

#define GATE_SCRIPT(d) \
	"[ -e " d "/released ] && exit 0; exec 3<>" d "/release; echo at-hook > " d "/at; read x <&3"

static void gate_make(struct hf *h, struct gate *g)
{
	ht_add_sync(&h->t);
	snprintf(g->dir, sizeof(g->dir), "%s/sync", h->t.bundle);
	char p[200];
	snprintf(p, sizeof(p), "%s/at", g->dir);
	ck_assert_int_eq(mkfifo(p, 0666), 0);
	g->at = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(g->at, 0);
	snprintf(p, sizeof(p), "%s/release", g->dir);
	ck_assert_int_eq(mkfifo(p, 0666), 0);
}

/* The host's /bin/sh running the gate on D = the bundle's sync dir. */
static void gate_hook_host(struct hf *h, struct gate *g, const char *kind)
{
	char script[512];
	snprintf(script, sizeof(script), GATE_SCRIPT("%s"), g->dir, g->dir, g->dir);
	hf_hook(h, kind, "/bin/sh", "sh", "-c", script, NULL);
}

static void gate_wait(struct gate *g)
{
	struct pollfd p = { .fd = g->at, .events = POLLIN };
	ck_assert_msg(poll(&p, 1, 30000) == 1, "the hook never said at-hook");
	char buf[64];
	ssize_t n = read(g->at, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	ck_assert_str_eq(buf, "at-hook\n");
}

static void gate_release(struct gate *g)
{
	char p[200];
	snprintf(p, sizeof(p), "%s/released", g->dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/release", g->dir);
	/* No reader: the hook died already (one in the container dies with
	 * its init). */
	fd = open(p, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_msg(fd >= 0 || errno == ENXIO, "%s: %s", p, strerror(errno));
	if (fd >= 0) {
		ck_assert_int_eq(write(fd, "go\n", 3), 3);
		close(fd);
	}
}

static void gate_close(struct gate *g)
{
	close(g->at);
}

/* Blocks `hull create` in a hook of kind, kills it, lets the hook go and
 * deletes with --force. */
static void kill_create_at(const char *kind)
{
	struct hf h;
	struct gate g;
	hf_begin(&h, false);
	hf_bridge(&h, true);
	gate_make(&h, &g);
	gate_hook_host(&h, &g, kind);
	ht_args(&h.t, "sleep", "300", NULL);
	ht_write_config(&h.t);
	struct ht_proc p;
	ht_start_hull(&h.t, &p, "create", "--bundle", h.t.bundle, h.t.id, NULL);
	gate_wait(&g);
	ht_kill9(&p);
	gate_release(&g);
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	gate_close(&g);
	hf_finish(&h);
}

START_TEST(kill_create_in_create_runtime)
{
	kill_create_at("createRuntime");
}
END_TEST

START_TEST(kill_create_in_create_container)
{
	kill_create_at("createContainer");
}
END_TEST

/* `hull start` waits for the exec while the init runs startContainer (in
 * the container: its sh, the gate at /mnt). */
START_TEST(kill_start_in_start_container)
{
	struct hf h;
	struct gate g;
	hf_begin(&h, false);
	hf_bridge(&h, true);
	gate_make(&h, &g);
	hf_hook(&h, "startContainer", "/bin/sh", "sh", "-c", GATE_SCRIPT("/mnt"), NULL);
	ht_args(&h.t, "sleep", "300", NULL);
	ht_write_config(&h.t);
	ht_ok(&h.t, "create", "--bundle", h.t.bundle, h.t.id, NULL);
	struct ht_proc p;
	ht_start_hull(&h.t, &p, "start", h.t.id, NULL);
	gate_wait(&g);
	ht_kill9(&p);
	gate_release(&g);
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	gate_close(&g);
	hf_finish(&h);
}
END_TEST

/* A foreground `run` waiting for its container. */
START_TEST(kill_run_waiting)
{
	struct hf h;
	hf_begin(&h, false);
	hf_bridge(&h, true);
	ht_add_sync(&h.t);
	ht_sh(&h.t, "echo up > /mnt/ready; exec sleep 300");
	ht_write_config(&h.t);
	struct ht_proc p;
	ht_start_hull(&h.t, &p, "run", "--bundle", h.t.bundle, h.t.id, NULL);
	char *line = ht_wait_ready(&h.t);
	ck_assert_str_eq(line, "up\n");
	free(line);
	ht_kill9(&p);
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	hf_finish(&h);
}
END_TEST

/* `delete` in a poststop hook (the container is gone, its state dir not
 * yet): a second `delete --force` finishes it. */
START_TEST(kill_delete_in_poststop)
{
	struct hf h;
	struct gate g;
	hf_begin(&h, false);
	hf_bridge(&h, true);
	gate_make(&h, &g);
	gate_hook_host(&h, &g, "poststop");
	ht_sh(&h.t, "exec sleep 300");
	ht_write_config(&h.t);
	ht_ok(&h.t, "run", "--detach", "--bundle", h.t.bundle, h.t.id, NULL);
	struct ht_proc p;
	ht_start_hull(&h.t, &p, "delete", "--force", h.t.id, NULL);
	gate_wait(&g);
	ht_kill9(&p);
	gate_release(&g);
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	struct ht_result r;
	ht_hull(&h.t, &r, NULL, "state", h.t.id, NULL);
	ht_assert_error(&r, "does not exist");
	ht_result_free(&r);
	gate_close(&g);
	hf_finish(&h);
}
END_TEST

HULL_TESTS(faults_kill)
{
	tcase_add_test(tc, kill_create_in_create_runtime);
	tcase_add_test(tc, kill_create_in_create_container);
	tcase_add_test(tc, kill_start_in_start_container);
	tcase_add_test(tc, kill_run_waiting);
	tcase_add_test(tc, kill_delete_in_poststop);
}
