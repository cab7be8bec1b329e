/* config.json: the top level, root and process. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "parse.h"

#ifndef SCHED_BATCH
#define SCHED_BATCH 3
#endif
#ifndef SCHED_IDLE
#define SCHED_IDLE 5
#endif
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
/* Reserved by the kernel ABI, never implemented; runtime-spec lists it. */
#define HULL_SCHED_ISO 4

struct name_num {
	const char *name;
	int num;
};

static const struct name_num rlimits[] = {
	{ "RLIMIT_AS", RLIMIT_AS },		{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },		{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },		{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
	{ NULL, 0 },
};

static const struct name_num sched_policies[] = {
	{ "SCHED_OTHER", SCHED_OTHER }, { "SCHED_FIFO", SCHED_FIFO },
	{ "SCHED_RR", SCHED_RR },	{ "SCHED_BATCH", SCHED_BATCH },
	{ "SCHED_ISO", HULL_SCHED_ISO }, { "SCHED_IDLE", SCHED_IDLE },
	{ "SCHED_DEADLINE", SCHED_DEADLINE }, { NULL, 0 },
};

static const char *const sched_flags[] = {
	"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",	 "SCHED_FLAG_DL_OVERRUN",
	"SCHED_FLAG_KEEP_POLICY",   "SCHED_FLAG_KEEP_PARAMS",	 "SCHED_FLAG_UTIL_CLAMP_MIN",
	"SCHED_FLAG_UTIL_CLAMP_MAX", NULL,
};

static const struct name_num ioprio_classes[] = {
	{ "IOPRIO_CLASS_RT", 1 }, { "IOPRIO_CLASS_BE", 2 }, { "IOPRIO_CLASS_IDLE", 3 }, { NULL, 0 },
};

static const struct name_num *lookup(const struct name_num *t, const char *name)
{
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static int check_env(const struct hull_strv *env, const char *path, struct hull_err *err)
{
	for (size_t i = 0; i < env->n; i++) {
		const char *eq = strchr(env->v[i], '=');
		if (!eq || eq == env->v[i]) {
			jpath_t p;
			jp_idx(p, path, i);
			return jerr(err, p, "expected KEY=VALUE");
		}
	}
	return 0;
}

static int parse_user(json_t *proc, struct hull_process *p, struct hull_err *err)
{
	const char *path = "process.user";
	json_t *u, *gids;
	uint32_t x;
	uint64_t umask;
	if (jo_object(proc, "process", "user", true, &u, err) < 0)
		return -EINVAL;
	if (jo_id(u, path, "uid", true, &x, err) < 0)
		return -EINVAL;
	p->uid = x;
	if (jo_id(u, path, "gid", true, &x, err) < 0)
		return -EINVAL;
	p->gid = x;
	int r = jo_u64(u, path, "umask", false, UINT32_MAX, &umask, err);
	if (r < 0)
		return r;
	if (r > 0) {
		if (umask > 0777)
			return jerr(err, "process.user.umask", "must be between 0 and 0777");
		p->has_umask = true;
		p->umask = (mode_t)umask;
	}
	if (jo_array(u, path, "additionalGids", false, &gids, err) < 0)
		return -EINVAL;
	if (gids) {
		p->additional_gids = hull_xcalloc(json_array_size(gids), sizeof(gid_t));
		size_t i;
		json_t *e;
		json_array_foreach(gids, i, e) {
			jpath_t ep;
			jp_idx(ep, "process.user.additionalGids", i);
			if (jv_id(e, ep, &x, err) < 0)
				return -EINVAL;
			p->additional_gids[p->n_additional_gids++] = x;
		}
	}
	return 0;
}

static int parse_caps(json_t *proc, struct hull_process *p, struct hull_err *err)
{
	const char *path = "process.capabilities";
	json_t *c;
	int r = jo_object(proc, "process", "capabilities", false, &c, err);
	if (r <= 0)
		return r;
	p->has_caps = true;
	struct hull_caps *k = &p->caps;
	if ((r = jo_strv(c, path, "bounding", &k->bounding, err)) < 0)
		return r;
	k->has_bounding = r;
	if ((r = jo_strv(c, path, "effective", &k->effective, err)) < 0)
		return r;
	k->has_effective = r;
	if ((r = jo_strv(c, path, "inheritable", &k->inheritable, err)) < 0)
		return r;
	k->has_inheritable = r;
	if ((r = jo_strv(c, path, "permitted", &k->permitted, err)) < 0)
		return r;
	k->has_permitted = r;
	if ((r = jo_strv(c, path, "ambient", &k->ambient, err)) < 0)
		return r;
	k->has_ambient = r;
	return 0;
}

static int parse_rlimits(json_t *proc, struct hull_process *p, struct hull_err *err)
{
	json_t *a, *e;
	size_t i;
	int r = jo_array(proc, "process", "rlimits", false, &a, err);
	if (r <= 0)
		return r;
	p->rlimits = hull_xcalloc(json_array_size(a), sizeof(*p->rlimits));
	json_array_foreach(a, i, e) {
		jpath_t ep, tp, sp;
		jp_idx(ep, "process.rlimits", i);
		jp_key(tp, ep, "type");
		jp_key(sp, ep, "soft");
		struct hull_rlimit *l = &p->rlimits[p->n_rlimits];
		if (jv_object(e, ep, err) < 0)
			return -EINVAL;
		p->n_rlimits++;
		if (jo_string(e, ep, "type", true, &l->type, err) < 0)
			return -EINVAL;
		const struct name_num *t = lookup(rlimits, l->type);
		if (!t)
			return jerr(err, tp, "unknown rlimit type %s", l->type);
		l->resource = t->num;
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[j].resource == l->resource)
				return jerr(err, tp, "duplicate rlimit type %s", l->type);
		if (jo_u64(e, ep, "soft", true, UINT64_MAX, &l->soft, err) < 0 ||
		    jo_u64(e, ep, "hard", true, UINT64_MAX, &l->hard, err) < 0)
			return -EINVAL;
		if (l->soft > l->hard)
			return jerr(err, sp, "must not exceed hard");
	}
	return 0;
}

static int parse_io_priority(json_t *proc, struct hull_process *p, struct hull_err *err)
{
	const char *path = "process.ioPriority";
	json_t *o;
	int64_t prio = 0;
	int r = jo_object(proc, "process", "ioPriority", false, &o, err);
	if (r <= 0)
		return r;
	p->has_io_priority = true;
	if (jo_string(o, path, "class", true, &p->io_priority_class, err) < 0)
		return -EINVAL;
	const struct name_num *c = lookup(ioprio_classes, p->io_priority_class);
	if (!c)
		return jerr(err, "process.ioPriority.class", "unknown class %s",
			    p->io_priority_class);
	p->io_priority_class_num = c->num;
	if (jo_i64(o, path, "priority", true, 0, 7, &prio, err) < 0)
		return -EINVAL;
	p->io_priority = (int)prio;
	return 0;
}

static int parse_scheduler(json_t *proc, struct hull_process *p, struct hull_err *err)
{
	const char *path = "process.scheduler";
	struct hull_scheduler *s = &p->scheduler;
	json_t *o;
	int64_t x;
	int r = jo_object(proc, "process", "scheduler", false, &o, err);
	if (r <= 0)
		return r;
	s->set = true;
	if (jo_string(o, path, "policy", true, &s->policy, err) < 0)
		return -EINVAL;
	const struct name_num *pol = lookup(sched_policies, s->policy);
	if (!pol)
		return jerr(err, "process.scheduler.policy", "unknown policy %s", s->policy);
	s->policy_num = pol->num;
	if ((r = jo_i64(o, path, "nice", false, -20, 19, &x, err)) < 0)
		return r;
	if (r)
		s->nice = (int32_t)x;
	if ((r = jo_i64(o, path, "priority", false, INT32_MIN, INT32_MAX, &x, err)) < 0)
		return r;
	if (r)
		s->priority = (int32_t)x;
	if (jo_strv(o, path, "flags", &s->flags, err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < s->flags.n; i++) {
		size_t k = 0;
		while (sched_flags[k] && strcmp(sched_flags[k], s->flags.v[i]) != 0)
			k++;
		if (!sched_flags[k]) {
			jpath_t fp;
			jp_idx(fp, "process.scheduler.flags", i);
			return jerr(err, fp, "unknown flag %s", s->flags.v[i]);
		}
	}
	if (jo_u64(o, path, "runtime", false, UINT64_MAX, &s->runtime, err) < 0 ||
	    jo_u64(o, path, "deadline", false, UINT64_MAX, &s->deadline, err) < 0 ||
	    jo_u64(o, path, "period", false, UINT64_MAX, &s->period, err) < 0)
		return -EINVAL;
	return 0;
}

static int parse_process(json_t *proc, struct hull_process *p, struct hull_err *err)
{
	const char *path = "process";
	json_t *o;
	int64_t x;
	int r;

	if (jv_object(proc, path, err) < 0)
		return -EINVAL;
	if (jo_bool(proc, path, "terminal", &p->terminal, err) < 0)
		return -EINVAL;
	if ((r = jo_object(proc, path, "consoleSize", false, &o, err)) < 0)
		return r;
	if (o) {
		uint32_t h, w;
		if (jo_u32(o, "process.consoleSize", "height", true, &h, err) < 0 ||
		    jo_u32(o, "process.consoleSize", "width", true, &w, err) < 0)
			return -EINVAL;
		p->has_console_size = true;
		p->console_height = h;
		p->console_width = w;
	}
	if (parse_user(proc, p, err) < 0)
		return -EINVAL;

	json_t *args = jget(proc, "args");
	if (!args)
		return jerr(err, "process.args", "missing");
	if (jv_strv(args, "process.args", &p->args, err) < 0)
		return -EINVAL;
	if (p->args.n == 0)
		return jerr(err, "process.args", "must not be empty");
	if (jo_strv(proc, path, "env", &p->env, err) < 0 || check_env(&p->env, "process.env", err) < 0)
		return -EINVAL;
	if (jo_string(proc, path, "cwd", true, &p->cwd, err) < 0)
		return -EINVAL;
	if (p->cwd[0] != '/')
		return jerr(err, "process.cwd", "must be an absolute path");

	if (parse_caps(proc, p, err) < 0 || parse_rlimits(proc, p, err) < 0)
		return -EINVAL;
	if (jo_bool(proc, path, "noNewPrivileges", &p->no_new_privileges, err) < 0 ||
	    jo_string(proc, path, "apparmorProfile", false, &p->apparmor_profile, err) < 0 ||
	    jo_string(proc, path, "selinuxLabel", false, &p->selinux_label, err) < 0)
		return -EINVAL;
	if ((r = jo_i64(proc, path, "oomScoreAdj", false, -1000, 1000, &x, err)) < 0)
		return r;
	if (r) {
		p->has_oom_score_adj = true;
		p->oom_score_adj = (int)x;
	}
	if (parse_io_priority(proc, p, err) < 0 || parse_scheduler(proc, p, err) < 0)
		return -EINVAL;
	if ((r = jo_object(proc, path, "execCPUAffinity", false, &o, err)) < 0)
		return r;
	if (o && (jo_string(o, "process.execCPUAffinity", "initial", false,
			    &p->exec_cpu_affinity_initial, err) < 0 ||
		  jo_string(o, "process.execCPUAffinity", "final", false,
			    &p->exec_cpu_affinity_final, err) < 0))
		return -EINVAL;
	return 0;
}

/* A numeric identifier: digits, no leading zero; *s moves past it. */
static bool semver_number(const char **s)
{
	const char *p = *s;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == *s || (**s == '0' && p - *s > 1))
		return false;
	*s = p;
	return true;
}

/* Dot-separated non-empty identifiers of [0-9A-Za-z-]; *s moves past them. */
static bool semver_idents(const char **s)
{
	const char *p = *s;
	for (;;) {
		const char *start = p;
		while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-')
			p++;
		if (p == start)
			return false;
		if (*p != '.')
			break;
		p++;
	}
	*s = p;
	return true;
}

/* SemVer 2.0.0: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]. */
static bool semver_ok(const char *v)
{
	const char *p = v;
	if (!semver_number(&p) || *p++ != '.' || !semver_number(&p) || *p++ != '.' || !semver_number(&p))
		return false;
	if (*p == '-' && (++p, !semver_idents(&p)))
		return false;
	if (*p == '+' && (++p, !semver_idents(&p)))
		return false;
	return *p == 0;
}

static int parse_version(json_t *top, struct hull_spec *spec, struct hull_err *err)
{
	if (jo_string(top, "", "ociVersion", true, &spec->oci_version, err) < 0)
		return -EINVAL;
	const char *v = spec->oci_version;
	if (!*v)
		return jerr(err, "ociVersion", "must not be empty");
	if (!semver_ok(v))
		return jerr(err, "ociVersion", "%s is not a SemVer 2.0.0 version (such as 1.3.0)", v);
	/* Any 1.x: minor versions only add fields, and unknown fields are ignored. */
	if (strncmp(v, "1.", 2) != 0)
		return jerr(err, "ociVersion", "unsupported version %s (hull supports 1.x)", v);
	return 0;
}

static int parse_root(json_t *top, struct hull_spec *spec, struct hull_err *err)
{
	json_t *root;
	_cleanup_free_ char *path = NULL;
	if (jo_object(top, "", "root", true, &root, err) < 0 ||
	    jo_string(root, "root", "path", true, &path, err) < 0 ||
	    jo_bool(root, "root", "readonly", &spec->root_readonly, err) < 0)
		return -EINVAL;
	if (!*path)
		return jerr(err, "root.path", "must not be empty");
	spec->root_path = spec_path_join(spec->bundle, path);
	return 0;
}

static int parse_top(json_t *top, struct hull_spec *spec, struct hull_err *err)
{
	json_t *v;
	int r;
	if (jv_object(top, "", err) < 0 || parse_version(top, spec, err) < 0 ||
	    parse_root(top, spec, err) < 0)
		return -EINVAL;
	if ((v = jget(top, "process"))) {
		spec->has_process = true;
		if (parse_process(v, &spec->process, err) < 0)
			return -EINVAL;
	}
	if (jo_string(top, "", "hostname", false, &spec->hostname, err) < 0 ||
	    jo_string(top, "", "domainname", false, &spec->domainname, err) < 0)
		return -EINVAL;
	if ((r = jo_array(top, "", "mounts", false, &v, err)) < 0)
		return r;
	if (v && spec_parse_mounts(v, spec->bundle, spec, err) < 0)
		return -EINVAL;
	if ((r = jo_object(top, "", "hooks", false, &v, err)) < 0)
		return r;
	if (v && spec_parse_hooks(v, spec->hooks, err) < 0)
		return -EINVAL;
	if (jo_kvs(top, "", "annotations", &spec->annotations, err) < 0)
		return -EINVAL;
	if ((r = jo_object(top, "", "linux", false, &v, err)) < 0)
		return r;
	if (v && spec_parse_linux(v, &spec->linux_, err) < 0)
		return -EINVAL;
	if (spec_parse_hull_annotations(&spec->annotations, spec, err) < 0 ||
	    spec_parse_net(&spec->annotations, &spec->linux_, &spec->net, err) < 0 ||
	    spec_parse_rootfs(&spec->annotations, spec->bundle, spec->root_readonly, &spec->overlay,
			      err) < 0)
		return -EINVAL;
	return 0;
}

int hull_spec_parse(const char *buf, size_t len, const char *bundle_abs, struct hull_spec **out,
		    struct hull_err *err)
{
	_cleanup_spec_ struct hull_spec *spec = hull_xcalloc(1, sizeof(*spec));
	_cleanup_json_ json_t *top = NULL;

	spec->raw = hull_xmalloc(len + 1);
	memcpy(spec->raw, buf, len);
	spec->raw[len] = 0;
	spec->raw_len = len;
	spec->bundle = spec_path_join("/", bundle_abs);
	if (jload(buf, len, &top, err) < 0 || parse_top(top, spec, err) < 0)
		return -EINVAL;
	*out = steal_ptr(spec);
	return 0;
}

int hull_process_parse(const char *buf, size_t len, struct hull_process *out,
		       struct hull_err *err)
{
	_cleanup_json_ json_t *top = NULL;
	memset(out, 0, sizeof(*out));
	if (jload(buf, len, &top, err) == 0 && parse_process(top, out, err) == 0)
		return 0;
	hull_process_free(out);
	return -EINVAL;
}

int hull_spec_load(const char *bundle, struct hull_spec **out, struct hull_err *err)
{
	_cleanup_free_ char *abs = NULL;
	if (bundle[0] == '/') {
		abs = spec_path_join("/", bundle);
	} else {
		_cleanup_free_ char *cwd = getcwd(NULL, 0);
		if (!cwd)
			return hull_syserr(err, errno, "config.json: getcwd");
		abs = spec_path_join(cwd, bundle);
	}
	_cleanup_free_ char *file = spec_path_join(abs, "config.json");
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = hull_read_file_at(AT_FDCWD, file, &buf, &len, err);
	if (r == 0)
		r = hull_spec_parse(buf, len, abs, out, err);
	if (r < 0)
		hull_err_prefix(err, "config.json");
	return r;
}
