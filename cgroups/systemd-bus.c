/* The D-Bus client of the systemd driver: libsystemd's sd-bus, loaded with
 * dlopen the first time a systemd container needs it, so that hull with
 * the cgroupfs driver (and every start of a container's init) never loads
 * libsystemd and the libraries it pulls in. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "systemd.h"

#define LIBSYSTEMD "libsystemd.so.0"
#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
/* How long a start or stop job may take (runc waits 30 s too). */
#define JOB_WAIT_NS (30ull * 1000 * 1000 * 1000)

#define SD_FUNCS(X)                                                                                                   \
	X(sd_bus_open_system) X(sd_bus_flush_close_unref) X(sd_bus_message_new_method_call)                          \
	X(sd_bus_message_append) X(sd_bus_message_open_container) X(sd_bus_message_close_container)                  \
	X(sd_bus_message_append_array) X(sd_bus_message_append_basic) X(sd_bus_call) X(sd_bus_call_method)           \
	X(sd_bus_message_read) X(sd_bus_message_unref) X(sd_bus_error_free) X(sd_bus_error_has_name)                 \
	X(sd_bus_match_signal) X(sd_bus_process) X(sd_bus_wait) X(sd_bus_slot_unref) X(sd_bus_get_property_string)

#define SD_MEMBER(f) __typeof__(f) *f;
static struct {
	void *handle;
	SD_FUNCS(SD_MEMBER)
} sd;

/* One removed job, as JobRemoved told it. */
struct job {
	char *path, *result;
};

struct hull_sd_bus {
	sd_bus *bus;
	sd_bus_slot *jobs_slot;
	struct job *jobs;
	size_t n_jobs;
};

static int load(struct hull_err *err)
{
	if (sd.handle)
		return 0;
	void *h = dlopen(LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return hull_errf(err, ENOENT, "--systemd-cgroup: %s (libsystemd0 is needed for systemd cgroups)",
				 dlerror());
#define SD_LOAD(f)                                                                                                    \
	if (!(sd.f = (__typeof__(f) *)dlsym(h, #f))) {                                                                \
		dlclose(h);                                                                                           \
		return hull_errf(err, ENOENT, "--systemd-cgroup: %s: no %s (libsystemd too old)", LIBSYSTEMD, #f); \
	}
	SD_FUNCS(SD_LOAD)
#undef SD_LOAD
	sd.handle = h;
	return 0;
}

static int on_job_removed(sd_bus_message *m, void *data, sd_bus_error *e)
{
	(void)e;
	struct hull_sd_bus *b = data;
	uint32_t id;
	const char *path, *unit, *result;
	if (sd.sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	b->jobs = hull_xrealloc(b->jobs, (b->n_jobs + 1) * sizeof(*b->jobs));
	b->jobs[b->n_jobs++] = (struct job){ hull_xstrdup(path), hull_xstrdup(result) };
	return 0;
}

int hull_sd_bus_open(struct hull_sd_bus **out, struct hull_err *err)
{
	int r = load(err);
	if (r < 0)
		return r;
	struct hull_sd_bus *b = hull_xcalloc(1, sizeof(*b));
	r = sd.sd_bus_open_system(&b->bus);
	/* Before any call: a job's JobRemoved may come before its reply is read. */
	if (r >= 0)
		r = sd.sd_bus_match_signal(b->bus, &b->jobs_slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
					   on_job_removed, b);
	if (r < 0) {
		hull_sd_bus_close(b);
		return hull_syserr(err, -r, "--systemd-cgroup: the system bus (is the host booted with systemd?)");
	}
	*out = b;
	return 0;
}

void hull_sd_bus_close(struct hull_sd_bus *b)
{
	if (!b)
		return;
	if (b->jobs_slot)
		sd.sd_bus_slot_unref(b->jobs_slot);
	if (b->bus)
		sd.sd_bus_flush_close_unref(b->bus);
	for (size_t i = 0; i < b->n_jobs; i++) {
		free(b->jobs[i].path);
		free(b->jobs[i].result);
	}
	free(b->jobs);
	free(b);
}

/* One property's value in its D-Bus type. */
static int append_value(sd_bus_message *m, const struct hull_sd_prop *p)
{
	if (!strcmp(p->type, "ay"))
		return sd.sd_bus_message_append_array(m, 'y', p->bytes, p->n_bytes);
	if (!strcmp(p->type, "as")) {
		int r = sd.sd_bus_message_open_container(m, 'a', "s");
		for (size_t i = 0; r >= 0 && i < p->n_strv; i++)
			r = sd.sd_bus_message_append_basic(m, 's', p->strv[i]);
		return r < 0 ? r : sd.sd_bus_message_close_container(m);
	}
	union {
		uint8_t y;
		int16_t n;
		uint16_t q;
		int32_t i;
		uint32_t u;
		int64_t x;
		uint64_t t;
		double d;
		int b;
	} v;
	switch (p->type[0]) {
	case 'y': v.y = (uint8_t)p->u; break;
	case 'n': v.n = (int16_t)p->i; break;
	case 'q': v.q = (uint16_t)p->u; break;
	case 'i': v.i = (int32_t)p->i; break;
	case 'u': v.u = (uint32_t)p->u; break;
	case 'x': v.x = p->i; break;
	case 't': v.t = p->u; break;
	case 'd': v.d = p->d; break;
	case 'b': v.b = p->u != 0; break;
	case 's': return sd.sd_bus_message_append_basic(m, 's', p->s);
	default: return -EINVAL;
	}
	return sd.sd_bus_message_append_basic(m, p->type[0], &v);
}

/* a(sv) of props, and PIDs [pid] when pid > 0. */
static int append_props(sd_bus_message *m, const struct hull_sd_props *props, pid_t pid)
{
	int r = sd.sd_bus_message_open_container(m, 'a', "(sv)");
	for (size_t i = 0; r >= 0 && i < props->n; i++) {
		const struct hull_sd_prop *p = &props->v[i];
		r = sd.sd_bus_message_open_container(m, 'r', "sv");
		if (r >= 0)
			r = sd.sd_bus_message_append_basic(m, 's', p->name);
		if (r >= 0)
			r = sd.sd_bus_message_open_container(m, 'v', p->type);
		if (r >= 0)
			r = append_value(m, p);
		if (r >= 0)
			r = sd.sd_bus_message_close_container(m);
		if (r >= 0)
			r = sd.sd_bus_message_close_container(m);
	}
	if (r >= 0 && pid > 0)
		r = sd.sd_bus_message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t)pid);
	return r < 0 ? r : sd.sd_bus_message_close_container(m);
}

static int bus_error(struct hull_err *err, int r, const sd_bus_error *e, const char *unit, const char *what)
{
	if (e && e->message)
		return hull_errf(err, -r > 0 ? -r : EIO, "systemd unit %s: %s: %s", unit, what, e->message);
	return hull_syserr(err, -r, "systemd unit %s: %s", unit, what);
}

/* Processes the bus until JobRemoved named job, then its result. */
static int wait_job(struct hull_sd_bus *b, const char *job, const char *unit, const char *what,
		    struct hull_err *err)
{
	uint64_t deadline = hull_now_ns() + JOB_WAIT_NS;
	for (;;) {
		for (size_t i = 0; i < b->n_jobs; i++) {
			if (strcmp(b->jobs[i].path, job))
				continue;
			if (!strcmp(b->jobs[i].result, "done"))
				return 0;
			return hull_errf(err, EIO, "systemd unit %s: %s job: %s (see journalctl -u %s)", unit, what,
					 b->jobs[i].result, unit);
		}
		int r = sd.sd_bus_process(b->bus, NULL);
		if (r > 0)
			continue;
		uint64_t now = hull_now_ns();
		if (r == 0 && now >= deadline)
			return hull_errf(err, ETIMEDOUT, "systemd unit %s: %s job: no answer in %llu s", unit, what,
					 JOB_WAIT_NS / 1000000000ull);
		if (r == 0)
			r = sd.sd_bus_wait(b->bus, (deadline - now) / 1000);
		if (r < 0 && r != -EINTR)
			return hull_syserr(err, -r, "systemd unit %s: %s job", unit, what);
	}
}

/* Sends m, and waits for the job its reply names. */
static int call_job(struct hull_sd_bus *b, sd_bus_message *m, const char *unit, const char *what,
		    struct hull_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	int r = sd.sd_bus_call(b->bus, m, 0, &e, &reply);
	if (r < 0) {
		if (sd.sd_bus_error_has_name(&e, "org.freedesktop.systemd1.UnitExists"))
			r = -EEXIST;
		else if (sd.sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
			r = -ENOENT;
		bus_error(err, r, &e, unit, what);
		sd.sd_bus_error_free(&e);
		return r;
	}
	const char *job = NULL;
	r = sd.sd_bus_message_read(reply, "o", &job);
	_cleanup_free_ char *path = r >= 0 ? hull_xstrdup(job) : NULL;
	sd.sd_bus_message_unref(reply);
	if (r < 0)
		return bus_error(err, r, NULL, unit, what);
	return wait_job(b, path, unit, what, err);
}

int hull_sd_start_unit(struct hull_sd_bus *b, const char *name, const struct hull_sd_props *props, pid_t pid,
		       struct hull_err *err)
{
	sd_bus_message *m = NULL;
	int r = sd.sd_bus_message_new_method_call(b->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
	if (r >= 0)
		r = sd.sd_bus_message_append(m, "ss", name, "replace");
	if (r >= 0)
		r = append_props(m, props, pid);
	if (r >= 0)
		r = sd.sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r < 0) {
		sd.sd_bus_message_unref(m);
		return bus_error(err, r, NULL, name, "StartTransientUnit");
	}
	r = call_job(b, m, name, "start", err);
	sd.sd_bus_message_unref(m);
	return r;
}

int hull_sd_set_properties(struct hull_sd_bus *b, const char *name, const struct hull_sd_props *props,
			   struct hull_err *err)
{
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd.sd_bus_message_new_method_call(b->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
	if (r >= 0)
		r = sd.sd_bus_message_append(m, "sb", name, 1);
	if (r >= 0)
		r = append_props(m, props, 0);
	if (r >= 0)
		r = sd.sd_bus_call(b->bus, m, 0, &e, &reply);
	if (r < 0)
		bus_error(err, r, &e, name, "SetUnitProperties");
	sd.sd_bus_error_free(&e);
	sd.sd_bus_message_unref(reply);
	sd.sd_bus_message_unref(m);
	return r < 0 ? r : 0;
}

int hull_sd_stop_unit(struct hull_sd_bus *b, const char *name, struct hull_err *err)
{
	sd_bus_message *m = NULL;
	int r = sd.sd_bus_message_new_method_call(b->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit");
	if (r >= 0)
		r = sd.sd_bus_message_append(m, "ss", name, "replace");
	if (r < 0) {
		sd.sd_bus_message_unref(m);
		return bus_error(err, r, NULL, name, "StopUnit");
	}
	struct hull_err e2 = { 0 };
	r = call_job(b, m, name, "stop", &e2);
	sd.sd_bus_message_unref(m);
	if (r == -ENOENT)
		return 0;
	if (r < 0 && err && !err->code)
		*err = e2;
	return r;
}

int hull_sd_reset_failed(struct hull_sd_bus *b, const char *name, struct hull_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd.sd_bus_call_method(b->bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", &e, NULL, "s", name);
	if (r < 0 && !sd.sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
		bus_error(err, r, &e, name, "ResetFailedUnit");
	else
		r = 0;
	sd.sd_bus_error_free(&e);
	return r;
}

int hull_sd_active_state(struct hull_sd_bus *b, const char *name, char **state, struct hull_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	int r = sd.sd_bus_call_method(b->bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &e, &reply, "s", name);
	const char *obj = NULL;
	if (r < 0 && sd.sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
		r = -ENOENT;
	else if (r < 0)
		bus_error(err, r, &e, name, "GetUnit");
	else
		r = sd.sd_bus_message_read(reply, "o", &obj);
	sd.sd_bus_error_free(&e);
	_cleanup_free_ char *path = r >= 0 ? hull_xstrdup(obj) : NULL;
	sd.sd_bus_message_unref(reply);
	if (r < 0)
		return r;
	r = sd.sd_bus_get_property_string(b->bus, SD_DEST, path, "org.freedesktop.systemd1.Unit", "ActiveState", &e,
					  state);
	if (r < 0)
		bus_error(err, r, &e, name, "ActiveState");
	sd.sd_bus_error_free(&e);
	return r < 0 ? r : 0;
}
