/* linux.seccomp → a libseccomp filter, following runc's
 * libcontainer/seccomp/seccomp_linux.go where the spec leaves room. */
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/sync.h"
#include "../base/util.h"
#include "seccomp-internal.h"

#define MAX_ARGS 6


/* The kernel keeps 16 bits of an action's data. */
static int action_value(const char *name, bool has_ret, uint32_t ret, const char *path,
			const char *akey, const char *ekey, uint32_t *out, struct hull_err *err)
{
	if (has_ret && ret > 0xffff)
		return hull_errf(err, EINVAL, "%s.%s: %u does not fit in 16 bits", path, ekey, ret);
	/* runc returns EPERM when errnoRet is not given, for TRACE as for ERRNO. */
	uint32_t data = has_ret ? ret : EPERM;
	if (has_ret && strcmp(name, "SCMP_ACT_ERRNO") && strcmp(name, "SCMP_ACT_TRACE"))
		return hull_errf(err, EINVAL, "%s.%s: %s takes no errno", path, ekey, name);
	if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(name, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(name, "SCMP_ACT_ERRNO"))
		*out = SCMP_ACT_ERRNO(data);
	else if (!strcmp(name, "SCMP_ACT_TRACE"))
		*out = SCMP_ACT_TRACE(data);
	else if (!strcmp(name, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(name, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		*out = SCMP_ACT_NOTIFY;
	else
		return hull_errf(err, EINVAL, "%s.%s: unknown action %s", path, akey, name);
	return 0;
}

static int add_arches(scmp_filter_ctx ctx, const struct hull_strv *archs, struct hull_err *err)
{
	for (size_t i = 0; i < archs->n; i++) {
		const char *name = archs->v[i];
		char low[32];
		size_t n = strlen(name);
		uint32_t arch = 0;
		if (n > 10 && n - 10 < sizeof(low) && !strncmp(name, "SCMP_ARCH_", 10)) {
			for (size_t k = 10; k <= n; k++)
				low[k - 10] = (char)tolower((unsigned char)name[k]);
			arch = seccomp_arch_resolve_name(low);
		}
		if (!arch)
			return hull_errf(err, EINVAL, "linux.seccomp.architectures[%zu]: unknown architecture %s",
					 i, name);
		int r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST)	/* the native arch is always there */
			return hull_syserr(err, -r, "linux.seccomp.architectures[%zu]: %s", i, name);
	}
	return 0;
}

const struct hull_seccomp_flag hull_seccomp_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", 1u << 0 },
	{ "SECCOMP_FILTER_FLAG_LOG", 1u << 1 },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1u << 2 },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", HULL_SECCOMP_WAIT_KILLABLE_RECV },
	{ NULL, 0 },
};

/* The kernel's flags, given to seccomp(2) at load. */
static int set_flags(struct hull_seccomp_filter *f, const struct hull_strv *flags, struct hull_err *err)
{
	for (size_t i = 0; i < flags->n; i++) {
		const struct hull_seccomp_flag *k = hull_seccomp_flags;
		while (k->name && strcmp(flags->v[i], k->name))
			k++;
		if (!k->name)
			return hull_errf(err, EINVAL, "linux.seccomp.flags[%zu]: unknown flag %s", i, flags->v[i]);
		f->flags |= k->flag;
	}
	return 0;
}

/* As runc: the args of a rule are ANDed in one rule, unless two of them test
 * the same argument (which libseccomp refuses); then each arg becomes a rule
 * of its own, so they are ORed. */
static int add_rule(scmp_filter_ctx ctx, int nr, uint32_t act, const struct hull_seccomp_rule *rule)
{
	if (rule->n_args == 0)
		return seccomp_rule_add(ctx, act, nr, 0);
	struct scmp_arg_cmp cmp[MAX_ARGS * 8];
	unsigned count[MAX_ARGS] = { 0 };
	bool repeated = false;
	if (rule->n_args > sizeof(cmp) / sizeof(cmp[0]))
		return -E2BIG;
	for (size_t i = 0; i < rule->n_args; i++) {
		const struct hull_seccomp_arg *a = &rule->args[i];
		cmp[i] = (struct scmp_arg_cmp){ .arg = a->index, .op = (enum scmp_compare)a->op_num,
						.datum_a = a->value, .datum_b = a->value_two };
		if (++count[a->index] > 1)
			repeated = true;
	}
	if (!repeated)
		return seccomp_rule_add_array(ctx, act, nr, (unsigned)rule->n_args, cmp);
	for (size_t i = 0; i < rule->n_args; i++) {
		int r = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct hull_seccomp *s, uint32_t def,
		     bool *notify, struct hull_err *err)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct hull_seccomp_rule *rule = &s->syscalls[i];
		char path[64];
		snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu]", i);
		uint32_t act;
		int r = action_value(rule->action, rule->has_errno_ret, rule->errno_ret, path, "action",
				     "errnoRet", &act, err);
		if (r < 0)
			return r;
		/* libseccomp refuses a rule that repeats the default action. */
		if (act == def)
			continue;
		for (size_t k = 0; k < rule->names.n; k++) {
			const char *name = rule->names.v[k];
			/* The init sends the notify fd with sendmsg after the load:
			 * notifying it would wait for an agent that cannot have the fd. */
			if (act == SCMP_ACT_NOTIFY && !strcmp(name, "sendmsg"))
				return hull_errf(err, EINVAL,
						 "%s: SCMP_ACT_NOTIFY cannot be used for sendmsg (hull's init "
						 "hands over the notify fd with it)", path);
			int nr = seccomp_syscall_resolve_name(name);
			if (nr == __NR_SCMP_ERROR)
				continue;	/* not a syscall of this architecture */
			r = add_rule(ctx, nr, act, rule);
			if (r < 0)
				return hull_syserr(err, -r, "%s: %s", path, name);
			if (act == SCMP_ACT_NOTIFY)
				*notify = true;
		}
	}
	return 0;
}

void hull_seccomp_free(struct hull_seccomp_filter *f)
{
	if (!f)
		return;
	if (f->ctx)
		seccomp_release(f->ctx);
	free(f->prog);
	free(f);
}

int hull_seccomp_compile(const struct hull_seccomp *s, struct hull_seccomp_filter **out,
			 struct hull_err *err)
{
	*out = NULL;
	if (!s->present)
		return 0;
	uint32_t def;
	int r = action_value(s->default_action, s->has_default_errno_ret, s->default_errno_ret,
			     "linux.seccomp", "defaultAction", "defaultErrnoRet", &def, err);
	if (r < 0)
		return r;
	if (def == SCMP_ACT_NOTIFY)
		return hull_errf(err, EINVAL,
				 "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	struct hull_seccomp_filter *f = hull_xcalloc(1, sizeof(*f));
	f->ctx = seccomp_init(def);
	if (!f->ctx) {
		free(f);
		return hull_errf(err, EINVAL, "linux.seccomp: libseccomp cannot make a filter with "
				 "defaultAction %s", s->default_action);
	}
	/* The init sets no_new_privs itself when the config asks for it. */
	r = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		hull_syserr(err, -r, "linux.seccomp: clear the no_new_privs attribute");
	/* A binary tree of syscalls beats a linear list once the list is long. */
	if (r == 0 && s->n_syscalls > 8)
		seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r == 0)
		r = add_arches(f->ctx, &s->architectures, err);
	if (r == 0)
		r = set_flags(f, &s->flags, err);
	if (r == 0)
		r = add_rules(f->ctx, s, def, &f->notify, err);
	if (r == 0 && f->notify && !s->listener_path)
		r = hull_errf(err, EINVAL, "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY rules");
	/* The kernel takes it only with a listener (EINVAL at load, after start). */
	if (r == 0 && (f->flags & HULL_SECCOMP_WAIT_KILLABLE_RECV) && !f->notify)
		r = hull_errf(err, EINVAL, "linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs "
				 "SCMP_ACT_NOTIFY rules");
	if (r == 0)
		r = hull_seccomp_build(f, s, def, err);
	if (r < 0) {
		hull_seccomp_free(f);
		return r;
	}
	*out = f;
	return 0;
}

bool hull_seccomp_notifies(const struct hull_seccomp_filter *f)
{
	return f && f->notify;
}

int hull_seccomp_load(struct hull_seccomp_filter *f, int sync_fd, struct hull_err *err)
{
	if (!f)
		return 0;
	int fd = hull_seccomp_install(f);
	if (fd < 0)
		return hull_syserr(err, -fd, "seccomp: load the filter");
	if (!f->notify)
		return 0;
	int r = hull_sync_send(sync_fd, HULL_SYNC_SECCOMP, NULL, fd);
	close(fd);
	if (r < 0)
		return hull_syserr(err, -r, "seccomp: send the notify fd");
	return 0;
}

int hull_seccomp_send_listener(const struct hull_seccomp *s, int notify_fd,
			       const struct hull_state_file *st, const char *status, struct hull_err *err)
{
	const char *path = s->listener_path;
	if (!path)
		return hull_errf(err, EINVAL, "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY rules");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return hull_errf(err, ENAMETOOLONG, "linux.seccomp.listenerPath %s: path too long", path);
	strcpy(sa.sun_path, path);
	_cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return hull_syserr(err, errno, "linux.seccomp.listenerPath %s: socket", path);
	int r;
	do
		r = connect(sock, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return hull_syserr(err, errno, "linux.seccomp.listenerPath %s: connect", path);
	_cleanup_free_ char *json = hull_seccomp_listener_json(st, status, s->listener_metadata);
	if (!json)
		return hull_errf(err, ENOMEM, "linux.seccomp.listenerPath %s: out of memory", path);
	r = hull_send_fd(sock, json, strlen(json), notify_fd);
	if (r < 0)
		return hull_syserr(err, -r, "linux.seccomp.listenerPath %s: send", path);
	return 0;
}
