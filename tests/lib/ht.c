/* Integration-test helpers: the test's bundle and config, hull run on
 * them; see ht.h. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ht.h"

static const char *env_or_die(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		fprintf(stderr, "hull-tests: %s is not set (run through make check)\n", name);
		abort();
	}
	return v;
}

const char *ht_hull_bin(void)
{
	return env_or_die("HULL");
}

bool ht_systemd_driver(void)
{
	const char *d = getenv("HULL_TEST_CGROUP_DRIVER");
	if (!d || !*d || !strcmp(d, "cgroupfs"))
		return false;
	if (strcmp(d, "systemd")) {
		fprintf(stderr, "hull-tests: HULL_TEST_CGROUP_DRIVER=%s: not systemd or cgroupfs\n", d);
		abort();
	}
	return true;
}

void ht_scope_name(const struct ht *t, char *out, size_t len)
{
	snprintf(out, len, "ht-%s.scope", t->id);
}

/* argv = hull [--systemd-cgroup] --root ROOT ARGS... (at most 63). */
static void hull_argv(struct ht *t, char **argv, va_list ap)
{
	size_t n = 0;
	argv[n++] = (char *)ht_hull_bin();
	if (ht_systemd_driver())
		argv[n++] = "--systemd-cgroup";
	argv[n++] = "--root";
	argv[n++] = t->root;
	for (const char *a; (a = va_arg(ap, const char *)) && n < 63;)
		argv[n++] = (char *)a;
	argv[n] = NULL;
}

static void vhull(struct ht *t, struct ht_result *r, const char *input, va_list ap)
{
	char *argv[64];
	hull_argv(t, argv, ap);
	struct ht_proc p;
	ht_start(argv, input, 0, &p);
	ht_wait(&p, r, -1);
}

void ht_start_hull(struct ht *t, struct ht_proc *p, ...)
{
	char *argv[64];
	va_list ap;
	va_start(ap, p);
	hull_argv(t, argv, ap);
	va_end(ap);
	ht_start(argv, NULL, 0, p);
}

void ht_hull(struct ht *t, struct ht_result *r, const char *input, ...)
{
	va_list ap;
	va_start(ap, input);
	vhull(t, r, input, ap);
	va_end(ap);
}

void ht_ok(struct ht *t, ...)
{
	struct ht_result r;
	va_list ap;
	va_start(ap, t);
	vhull(t, &r, NULL, ap);
	va_end(ap);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
}

void ht_result_free(struct ht_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void ht_write_config(struct ht *t)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/config.json", t->bundle);
	ck_assert_int_eq(json_dump_file(t->cfg, path, JSON_INDENT(2)), 0);
}

void ht_run(struct ht *t, struct ht_result *r)
{
	ht_write_config(t);
	ht_hull(t, r, NULL, "run", "--bundle", t->bundle, t->id, NULL);
}

void ht_args(struct ht *t, ...)
{
	json_t *args = json_array();
	va_list ap;
	va_start(ap, t);
	for (const char *a; (a = va_arg(ap, const char *));)
		json_array_append_new(args, json_string(a));
	va_end(ap);
	json_object_set_new(json_object_get(t->cfg, "process"), "args", args);
}

void ht_sh(struct ht *t, const char *script)
{
	ht_args(t, "sh", "-c", script, NULL);
}

void ht_begin(struct ht *t, bool own_rootfs)
{
	static unsigned seq;
	const char *fixture = env_or_die("HULL_FIXTURE");
	char path[PATH_MAX];

	memset(t, 0, sizeof(*t));
	/* The runner's pid in the name: ht_sweep leaves a live runner's alone. */
	snprintf(t->root, sizeof(t->root), "/tmp/ht-root-%d-XXXXXX", (int)getpid());
	snprintf(t->bundle, sizeof(t->bundle), "/tmp/ht-bundle-%d-XXXXXX", (int)getpid());
	ck_assert_ptr_nonnull(mkdtemp(t->root));
	ck_assert_ptr_nonnull(mkdtemp(t->bundle));
	snprintf(t->id, sizeof(t->id), "ht-%d-%u", getpid(), seq++);
	snprintf(path, sizeof(path), "%s/config.json", fixture);
	t->cfg = json_load_file(path, 0, NULL);
	ck_assert_msg(t->cfg != NULL, "%s: cannot load", path);
	if (own_rootfs) {
		char src[PATH_MAX];
		snprintf(src, sizeof(src), "%s/rootfs", fixture);
		snprintf(t->rootfs, sizeof(t->rootfs), "%s/rootfs", t->bundle);
		ht_spawn_quiet("/bin/cp", "-a", src, t->rootfs, NULL);
		json_object_set_new(json_object_get(t->cfg, "root"), "path", json_string("rootfs"));
	} else {
		ck_assert_ptr_nonnull(realpath(fixture, path));
		snprintf(t->rootfs, sizeof(t->rootfs), "%s/rootfs", path);
		json_object_set_new(json_object_get(t->cfg, "root"), "path", json_string(t->rootfs));
	}
	if (ht_systemd_driver()) {
		snprintf(path, sizeof(path), "%s:ht:%s", HT_SYSTEMD_SLICE, t->id);
		json_object_set_new(json_object_get(t->cfg, "linux"), "cgroupsPath", json_string(path));
	}
	ht_host_snapshot(t);
}

void ht_mount(struct ht *t, const char *dest, const char *type, const char *source, ...)
{
	json_t *m = json_object(), *opts = json_array();
	json_object_set_new(m, "destination", json_string(dest));
	if (type)
		json_object_set_new(m, "type", json_string(type));
	if (source)
		json_object_set_new(m, "source", json_string(source));
	va_list ap;
	va_start(ap, source);
	for (const char *o; (o = va_arg(ap, const char *));)
		json_array_append_new(opts, json_string(o));
	va_end(ap);
	json_object_set_new(m, "options", opts);
	json_array_append_new(json_object_get(t->cfg, "mounts"), m);
}

void ht_add_sync(struct ht *t)
{
	char dir[128], fifo[160];
	snprintf(dir, sizeof(dir), "%s/sync", t->bundle);
	snprintf(fifo, sizeof(fifo), "%s/ready", dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(mkfifo(fifo, 0666), 0);
	ht_mount(t, "/mnt", "bind", dir, "rbind", "rw", NULL);
}

char *ht_wait_ready(struct ht *t)
{
	char fifo[160];
	snprintf(fifo, sizeof(fifo), "%s/sync/ready", t->bundle);
	int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ck_assert_msg(poll(&p, 1, 30000) == 1, "container never wrote to /mnt/ready");
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	return strdup(buf);
}

void ht_start_ready(struct ht *t, const char *want)
{
	ht_write_config(t);
	ht_ok(t, "run", "--detach", "--bundle", t->bundle, t->id, NULL);
	char *line = ht_wait_ready(t);
	ck_assert_str_eq(line, want);
	free(line);
}

pid_t ht_state_pid(struct ht *t, const char *id, char *status, size_t status_len)
{
	struct ht_result r;
	ht_hull(t, &r, NULL, "state", id, NULL);
	ht_assert_status(&r, 0);
	json_error_t je;
	json_t *j = json_loads(r.out, 0, &je);
	ck_assert_msg(j != NULL, "state: not JSON: %s", r.out);
	json_t *pid = json_object_get(j, "pid");
	if (status)
		snprintf(status, status_len, "%s", json_string_value(json_object_get(j, "status")));
	pid_t p = json_is_integer(pid) ? (pid_t)json_integer_value(pid) : 0;
	json_decref(j);
	ht_result_free(&r);
	return p;
}
