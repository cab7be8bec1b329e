#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <linux/capability.h>

#include "../base/cleanup.h"
#include "../base/log.h"
#include "../base/util.h"
#include "caps.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))

/* The runtime-spec spelling ("CAP_NET_RAW") of every capability libcap can
 * name; NULL where it cannot. */
struct cap_names {
	char *v[CAP_LAST_CAP + 1];
};

static void cap_names_load(struct cap_names *n)
{
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		char *name = cap_to_name(c);
		n->v[c] = NULL;
		/* libcap spells a capability it has no name for as its number. */
		if (name && !isdigit((unsigned char)name[0])) {
			n->v[c] = hull_xasprintf("%s%s", strncasecmp(name, "cap_", 4) ? "CAP_" : "", name);
			for (char *p = n->v[c]; *p; p++)
				*p = (char)toupper((unsigned char)*p);
		}
		cap_free(name);
	}
}

static void cap_names_free(struct cap_names *n)
{
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		free(n->v[c]);
}

static int resolve_set(const struct cap_names *n, const struct hull_strv *names, const char *set,
		       uint64_t kernel_mask, uint64_t *out, struct hull_err *err)
{
	*out = 0;
	for (size_t i = 0; i < names->n; i++) {
		int c = 0;
		while (c <= CAP_LAST_CAP && !(n->v[c] && !strcmp(n->v[c], names->v[i])))
			c++;
		if (c > CAP_LAST_CAP)
			return hull_errf(err, EINVAL, "process.capabilities.%s[%zu]: unknown capability %s",
					 set, i, names->v[i]);
		/* A capability newer than the running kernel has nothing to grant
		 * or drop; the spec asks for a warning. */
		if (!(CAP_BIT(c) & kernel_mask))
			hull_warn("process.capabilities.%s[%zu]: %s is not known to this kernel, not granted", set, i,
				  names->v[i]);
		*out |= CAP_BIT(c) & kernel_mask;
	}
	return 0;
}

/* The first name of a set that is not in allowed, for the error message. */
static int check_subset(const struct cap_names *n, const struct hull_strv *names, const char *set,
			uint64_t mask, uint64_t allowed, const char *why, struct hull_err *err)
{
	if (!(mask & ~allowed))
		return 0;
	for (size_t i = 0; i < names->n; i++)
		for (int c = 0; c <= CAP_LAST_CAP; c++)
			if ((mask & ~allowed & CAP_BIT(c)) && n->v[c] && !strcmp(n->v[c], names->v[i]))
				return hull_errf(err, EINVAL, "process.capabilities.%s[%zu]: %s %s",
						 set, i, names->v[i], why);
	return hull_errf(err, EINVAL, "process.capabilities.%s: %s", set, why);
}

static uint64_t kernel_caps(void)
{
	int bits = cap_max_bits();
	if (bits <= 0 || bits > 64)
		bits = CAP_LAST_CAP + 1;
	return bits == 64 ? UINT64_MAX : CAP_BIT(bits) - 1;
}

int hull_caps_resolve(const struct hull_process *p, struct hull_capsets *out, struct hull_err *err)
{
	*out = (struct hull_capsets){ 0 };
	if (!p->has_caps)
		return 0;
	const struct hull_caps *k = &p->caps;
	struct cap_names n;
	cap_names_load(&n);
	uint64_t km = kernel_caps();
	int r = resolve_set(&n, &k->bounding, "bounding", km, &out->bounding, err);
	if (r == 0)
		r = resolve_set(&n, &k->effective, "effective", km, &out->effective, err);
	if (r == 0)
		r = resolve_set(&n, &k->inheritable, "inheritable", km, &out->inheritable, err);
	if (r == 0)
		r = resolve_set(&n, &k->permitted, "permitted", km, &out->permitted, err);
	if (r == 0)
		r = resolve_set(&n, &k->ambient, "ambient", km, &out->ambient, err);
	/* What capset(2) and PR_CAP_AMBIENT_RAISE would refuse, said before the
	 * container exists and with the name that is wrong. */
	if (r == 0)
		r = check_subset(&n, &k->effective, "effective", out->effective, out->permitted,
				 "is not in the permitted set", err);
	if (r == 0)
		r = check_subset(&n, &k->inheritable, "inheritable", out->inheritable, out->bounding,
				 "is not in the bounding set", err);
	if (r == 0)
		r = check_subset(&n, &k->ambient, "ambient", out->ambient,
				 out->permitted & out->inheritable,
				 "must also be in the permitted and inheritable sets", err);
	cap_names_free(&n);
	return r;
}

uint64_t hull_caps_bit(int cap)
{
	return CAP_BIT(cap);
}

int hull_caps_drop_bounding(const struct hull_capsets *c, struct hull_err *err)
{
	uint64_t km = kernel_caps();
	for (int v = 0; v < 64 && (km & CAP_BIT(v)); v++) {
		if (c->bounding & CAP_BIT(v))
			continue;
		if (prctl(PR_CAPBSET_DROP, v, 0, 0, 0) < 0)
			return hull_syserr(err, errno, "process.capabilities.bounding: drop %d", v);
	}
	return 0;
}

static void set_flag(cap_t caps, cap_flag_t flag, uint64_t mask)
{
	cap_value_t v[64];
	int n = 0;
	for (int c = 0; c < 64; c++)
		if (mask & CAP_BIT(c))
			v[n++] = c;
	if (n)
		cap_set_flag(caps, flag, n, v, CAP_SET);
}

int hull_caps_apply(const struct hull_capsets *c, uint64_t hold, struct hull_err *err)
{
	cap_t caps = cap_init();
	if (!caps)
		return hull_syserr(err, errno, "process.capabilities");
	set_flag(caps, CAP_EFFECTIVE, c->effective | hold);
	set_flag(caps, CAP_PERMITTED, c->permitted | hold);
	set_flag(caps, CAP_INHERITABLE, c->inheritable);
	int r = cap_set_proc(caps);
	int e = errno;
	cap_free(caps);
	if (r < 0)
		return hull_syserr(err, e, "process.capabilities: capset");
	/* The user switch is over: a later setuid must not keep anything. */
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return hull_syserr(err, errno, "process.capabilities: PR_SET_KEEPCAPS");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return hull_syserr(err, errno, "process.capabilities.ambient: clear");
	for (int v = 0; v < 64; v++)
		if ((c->ambient & CAP_BIT(v)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0) < 0)
			return hull_syserr(err, errno, "process.capabilities.ambient: raise %d", v);
	return 0;
}
