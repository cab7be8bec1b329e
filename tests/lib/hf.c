/* The fault-injection harness (hf.h): a test whose host objects carry
 * its names, hull under strace's fault injection, and the records that
 * let the runner remove what a test that failed left.
 *
 * Every host object a test makes carries its names: the cgroup parent
 * htf<pid>-<n>, the bridge htfb<pid>, the veth hull derives from the ID;
 * the host check (ht_host_left) looks at those only, so other suites
 * running at the same time on this host do not disturb it. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../../runtime/net.h"
#include "hf.h"

#define STRACE "/usr/bin/strace"
#define BRIDGE_ADDR "198.18.30.1/24"
#define CONTAINER_ADDR "198.18.30.2/24"

static struct hf *hf_current;	/* cleaned at exit (CK_NOFORK; see hf_sweep) */

/* A failed assertion ends a test with _exit(): no atexit handler and no
 * teardown runs in its process. So each test records its objects in a file
 * of the runner's (/tmp/htf-clean-RUNNERPID/TESTPID-N) until it removed
 * them itself, and hf_sweep, an unchecked teardown that the runner runs
 * after the test case, removes what the records still name. */
static pid_t runner_pid(void)
{
	const char *f = getenv("CK_FORK");
	return f && !strcmp(f, "no") ? getpid() : getppid();
}

static void record_path(const struct hf *h, char *buf, size_t cap)
{
	snprintf(buf, cap, "/tmp/htf-clean-%d/%s", (int)runner_pid(), h->cg_parent);
}

static void record(const struct hf *h)
{
	char path[128];
	snprintf(path, sizeof(path), "/tmp/htf-clean-%d", (int)runner_pid());
	mkdir(path, 0700);
	record_path(h, path, sizeof(path));
	FILE *f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n%s\n%s\n%s\n%s\n", h->t.root, h->t.bundle, h->cg_parent, h->veth,
		h->bridge[0] ? h->bridge : "-");
	ck_assert_int_eq(fclose(f), 0);
}

/* Removes the objects of one test: its containers (delete --force), what
 * is left in its cgroups, the cgroups, its links, its dirs. */
static void objects_clean(const char *root, const char *bundle, const char *cg_parent,
			  const char *veth, const char *bridge)
{
	const char *hull = getenv("HULL");
	DIR *d = hull ? opendir(root) : NULL;
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		pid_t pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);
			dup2(null, 1);
			dup2(null, 2);
			execl(hull, hull, "--root", root, "delete", "--force", e->d_name, (char *)NULL);
			_exit(126);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	if (d)
		closedir(d);
	ht_cgroup_sweep(cg_parent, false, false);
	ht_link_delete(veth);
	if (strcmp(bridge, "-"))
		ht_link_delete(bridge);
	ht_rm_rf(root);
	ht_rm_rf(bundle);
}

void hf_sweep(void)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/htf-clean-%d", (int)getpid());
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char path[384], *text;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((text = ht_read(path))) {
			char *f[5] = { 0 };
			char *save = NULL, *tok = strtok_r(text, "\n", &save);
			for (int i = 0; i < 5 && tok; i++, tok = strtok_r(NULL, "\n", &save))
				f[i] = tok;
			if (f[4])
				objects_clean(f[0], f[1], f[2], f[3], f[4]);
			free(text);
		}
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Removes what a test left, without assertions. */
static void leftovers_clean(struct hf *h)
{
	ht_force_clean(&h->t);
	ht_kill_children();
	ht_link_delete(h->veth);
	ht_link_delete(h->bridge);
	ht_cgroup_sweep(h->cg_parent, false, false);
	char path[128];
	record_path(h, path, sizeof(path));
	unlink(path);
	hf_current = NULL;
}

/* Only when a test returns early through exit() (a CK_NOFORK run). */
static void at_exit_clean(void)
{
	if (hf_current)
		leftovers_clean(hf_current);
}

void hf_begin(struct hf *h, bool own_rootfs)
{
	static unsigned seq;
	static bool registered;
	memset(h, 0, sizeof(*h));
	ht_begin(&h->t, own_rootfs);
	snprintf(h->cg_parent, sizeof(h->cg_parent), "htf%d-%u", getpid(), seq++);
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", h->cg_parent, h->t.id);
	json_object_set_new(json_object_get(h->t.cfg, "linux"), "cgroupsPath", json_string(path));
	hull_net_host_ifname(h->t.id, h->veth);
	record(h);
	hf_current = h;
	if (!registered) {
		atexit(at_exit_clean);
		registered = true;
	}
}

void hf_annotate(struct hf *h, const char *key, const char *value)
{
	json_t *a = json_object_get(h->t.cfg, "annotations");
	if (!a) {
		a = json_object();
		json_object_set_new(h->t.cfg, "annotations", a);
	}
	if (value)
		json_object_set_new(a, key, json_string(value));
	else
		json_object_del(a, key);
}

void hf_bridge(struct hf *h, bool remove_empty)
{
	snprintf(h->bridge, sizeof(h->bridge), "htfb%d", (int)(getpid() % 100000000));
	record(h);
	hf_annotate(h, "org.hull.net.bridge", h->bridge);
	hf_annotate(h, "org.hull.net.bridge.address", BRIDGE_ADDR);
	hf_annotate(h, "org.hull.net.address", CONTAINER_ADDR);
	hf_annotate(h, "org.hull.net.bridge.remove-empty", remove_empty ? "true" : NULL);
}

void hf_hook(struct hf *h, const char *kind, const char *path, ...)
{
	json_t *hooks = json_object_get(h->t.cfg, "hooks");
	if (!hooks) {
		hooks = json_object();
		json_object_set_new(h->t.cfg, "hooks", hooks);
	}
	json_t *list = json_object_get(hooks, kind);
	if (!list) {
		list = json_array();
		json_object_set_new(hooks, kind, list);
	}
	json_t *args = json_array();
	va_list ap;
	va_start(ap, path);
	for (const char *a; (a = va_arg(ap, const char *));)
		json_array_append_new(args, json_string(a));
	va_end(ap);
	json_array_append_new(list, json_pack("{s:s, s:o}", "path", path, "args", args));
}

/* argv[n...] = hull --root ROOT ARGS... (at most cap - 1 in all). */
static size_t hull_argv(struct hf *h, char **argv, size_t n, size_t cap, va_list ap)
{
	argv[n++] = (char *)ht_hull_bin();
	argv[n++] = "--root";
	argv[n++] = h->t.root;
	for (const char *a; (a = va_arg(ap, const char *)) && n < cap - 1;)
		argv[n++] = (char *)a;
	argv[n] = NULL;
	return n;
}

void hf_hull(struct hf *h, struct ht_result *r, long nofile, ...)
{
	char *argv[64];
	va_list ap;
	va_start(ap, nofile);
	hull_argv(h, argv, 0, 64, ap);
	va_end(ap);
	struct ht_proc p;
	ht_start(argv, NULL, nofile, &p);
	ht_wait(&p, r, 60000);
}

static void need_strace(void)
{
	ck_assert_msg(access(STRACE, X_OK) == 0, STRACE " is missing: apt-get install strace");
}

void hf_strace(struct hf *h, struct ht_result *r, const char *const injects[], const char *path, ...)
{
	need_strace();
	char *argv[96];
	char specs[8][256];
	size_t n = 0, k = 0;
	argv[n++] = STRACE;
	if (!h->hull_only)
		argv[n++] = "-f";
	argv[n++] = "-o";
	argv[n++] = "/dev/null";
	if (path) {
		argv[n++] = "-P";
		argv[n++] = (char *)path;
	}
	for (; injects[k] && k < 8; k++) {
		snprintf(specs[k], sizeof(specs[k]), "inject=%s", injects[k]);
		argv[n++] = "-e";
		argv[n++] = specs[k];
	}
	va_list ap;
	va_start(ap, path);
	hull_argv(h, argv, n, 96, ap);
	va_end(ap);
	struct ht_proc p;
	ht_start(argv, NULL, 0, &p);
	ht_wait(&p, r, 30000);
}

/* Whether line holds one of the '|'-separated strings of pattern. */
static bool holds(const char *line, const char *pattern)
{
	for (const char *p = pattern;;) {
		const char *bar = strchrnul(p, '|');
		char one[256];
		snprintf(one, sizeof(one), "%.*s", (int)(bar - p), p);
		if (strstr(line, one))
			return true;
		if (!*bar)
			return false;
		p = bar + 1;
	}
}

/* Runs `hull run` of h's container once under `strace -f -e trace=sys`
 * (-y: fds as paths) into the file trace, and asserts it worked. The
 * traced run leaves no bridge behind: the next run makes it again, with
 * the same calls. */
static void trace_run(struct hf *h, const char *sys, bool with_y, const char *trace)
{
	need_strace();
	json_t *ann = json_object_get(h->t.cfg, "annotations");
	json_t *rm = ann ? json_incref(json_object_get(ann, "org.hull.net.bridge.remove-empty")) : NULL;
	if (h->bridge[0])
		hf_annotate(h, "org.hull.net.bridge.remove-empty", "true");
	ht_write_config(&h->t);
	char expr[64];
	snprintf(expr, sizeof(expr), "trace=%s", sys);
	char *argv[] = { STRACE, "-f", "-qq", "-s", "4096", "-o", (char *)trace, "-e", expr,
			 (char *)ht_hull_bin(), "--root", h->t.root, "run", "--bundle", h->t.bundle,
			 h->t.id, NULL, NULL };
	if (with_y) {	/* -y after -s 4096 */
		memmove(argv + 6, argv + 5, (sizeof(argv) / sizeof(argv[0]) - 6) * sizeof(argv[0]));
		argv[5] = "-y";
	}
	struct ht_proc p;
	struct ht_result r;
	ht_start(argv, NULL, 0, &p);
	ht_wait(&p, &r, 30000);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	if (h->bridge[0]) {
		if (rm)
			json_object_set(ann, "org.hull.net.bridge.remove-empty", rm);
		else
			hf_annotate(h, "org.hull.net.bridge.remove-empty", NULL);
		ck_assert_msg(ht_link_gone(h->veth, 5000), "veth %s outlived the traced run", h->veth);
		ck_assert_msg(ht_link_gone(h->bridge, 5000), "bridge %s outlived the traced run", h->bridge);
	}
	json_decref(rm);
	ht_write_config(&h->t);
}

/* What hf_find_call looks for in a trace, and what it found. */
struct call_scan {
	const char *sys, *pattern;
	bool last, with_y;
	char *path;
	size_t cap;
	struct { int pid, count; } seen[64];	/* calls of sys so far, per process */
	size_t n_seen;
	int found;
};

/* One line of the trace: "PID sys(...) = ...". */
static void scan_line(struct call_scan *c, char *line)
{
	size_t len = strlen(c->sys);
	char *p2;
	int pid = (int)strtol(line, &p2, 10);
	while (*p2 == ' ')
		p2++;
	if (strncmp(p2, c->sys, len) || p2[len] != '(')
		return;
	size_t i = 0;
	while (i < c->n_seen && c->seen[i].pid != pid)
		i++;
	if (i == c->n_seen) {
		ck_assert_uint_lt(c->n_seen, 64);
		c->seen[c->n_seen].pid = pid;
		c->seen[c->n_seen++].count = 0;
	}
	c->seen[i].count++;
	if (!holds(line, c->pattern) || (!c->last && c->found))
		return;
	c->found = c->seen[i].count;
	/* The path: the first fd's (-y: "<path>") or string argument's. */
	const char *a = c->with_y ? strchr(p2, '<') : strchr(p2, '"');
	const char *z = a ? strchr(a + 1, c->with_y ? '>' : '"') : NULL;
	if (c->path)
		snprintf(c->path, c->cap, "%.*s", a && z ? (int)(z - a - 1) : 0, a ? a + 1 : "");
}

static int find_call(struct hf *h, const char *sys, const char *pattern, bool last, bool with_y,
		     char *path, size_t cap, bool must)
{
	char trace[128];
	snprintf(trace, sizeof(trace), "%s/strace.out", h->t.bundle);
	trace_run(h, sys, with_y, trace);
	char *text = ht_read(trace);
	ck_assert_ptr_nonnull(text);
	unlink(trace);
	struct call_scan c = { .sys = sys, .pattern = pattern, .last = last, .with_y = with_y,
			       .path = path, .cap = cap };
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		scan_line(&c, line);
	}
	free(text);
	ck_assert_msg(c.found > 0 || !must, "no %s call holds %s", sys, pattern);
	ck_assert_msg(!c.found || !path || *path, "no path in the %s call holding %s", sys, pattern);
	return c.found;
}

int hf_find_call(struct hf *h, const char *sys, const char *pattern, bool last, bool with_y,
		 char *path, size_t cap)
{
	return find_call(h, sys, pattern, last, with_y, path, cap, true);
}

int hf_find_call_any(struct hf *h, const char *sys, const char *pattern, bool last, bool with_y,
		     char *path, size_t cap)
{
	return find_call(h, sys, pattern, last, with_y, path, cap, false);
}

void hf_assert_error_line(const struct ht_result *r, int status, const char *want)
{
	ck_assert_msg(r->status != -1, "strace did not end within 30 s: hull left a traced process");
	ck_assert_msg(r->status == status && !strncmp(r->err, "hull: ", 6) && ht_lines(r->err) == 1 &&
			      r->err[strlen(r->err) - 1] == '\n' && strstr(r->err, want),
		      "want exit %d and one line \"hull: ...\" holding \"%s\"; got exit %d\nstderr: %s",
		      status, want, r->status, r->err);
}

void hf_expect_fault(struct hf *h, const char *const injects[], const char *path, int want_status,
		     const char *want)
{
	ht_write_config(&h->t);
	struct ht_result r;
	hf_strace(h, &r, injects, path, "run", "--bundle", h->t.bundle, h->t.id, NULL);
	hf_assert_error_line(&r, want_status, want);
	ht_result_free(&r);
	hf_finish(h);
}


void hf_finish(struct hf *h)
{
	char msg[8192] = "";
	struct ht_extra x = { .cg_parent = h->cg_parent, .bridge = h->bridge, .grace_ms = 2000 };
	ht_host_left(&h->t, &x, msg, sizeof(msg));
	leftovers_clean(h);
	ck_assert_msg(!*msg, "host not clean: %s", msg);
}

void hf_inject_at(struct hf *h, const char *sys, const char *err, int when, const char *want)
{
	char spec[128];
	snprintf(spec, sizeof(spec), "%s:error=%s:when=%d", sys, err, when);
	hf_expect_fault(h, INJ(spec), NULL, 1, want);
}

void hf_inject_on_path(struct hf *h, const char *sys, const char *pattern, bool last,
		       bool with_y, const char *err, const char *want)
{
	char path[4200], spec[128];
	hf_find_call(h, sys, pattern, last, with_y, path, sizeof(path));
	snprintf(spec, sizeof(spec), "%s:error=%s:when=1", sys, err);
	hf_expect_fault(h, INJ(spec), path, 1, want);
}
