/* The one-line form of a container's cgroup kept in its state file, so that
 * a later command (delete, kill, ps) finds the same directories and removes
 * only those hull created:
 *
 *   MODE;v1:CONTROLLERS:CREATED:MOUNTPOINT:PATH;...;v2::CREATED:MOUNTPOINT:PATH[;join][;unit:NAME];link:NAME:TARGET
 *
 * join: a cgroup joined on purpose (org.hull.cgroups.join), not hull's.
 * unit: the systemd driver's scope (systemd.c), stopped at delete.
 * MODE is v1, v2 or hybrid; '%', ':', ';' and control characters in a field
 * are written %XX. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"
#include "systemd.h"

static const char *const mode_names[] = { [HULL_CG_V1] = "v1", [HULL_CG_V2] = "v2",
					  [HULL_CG_HYBRID] = "hybrid" };

struct buf {
	char *p;
	size_t n, cap;
};

static void put(struct buf *b, const char *s, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		b->cap = (b->n + len + 1) * 2;
		b->p = hull_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = 0;
}

static void put_s(struct buf *b, const char *s) { put(b, s, strlen(s)); }

static void put_field(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '%' || c == ':' || c == ';' || c < 0x20 || c == 0x7f) {
			char hex[4];
			snprintf(hex, sizeof(hex), "%%%02X", c);
			put(b, hex, 3);
		} else {
			put(b, s, 1);
		}
	}
}

char *hull_cg_serialize(const struct hull_cgroup *cg)
{
	struct buf b = { 0 };
	put_s(&b, mode_names[cg->mode]);
	for (size_t i = 0; i < cg->n; i++) {
		const struct hull_cg_hier *h = &cg->h[i];
		char num[16];
		put_s(&b, h->v2 ? ";v2:" : ";v1:");
		put_field(&b, h->controllers);
		snprintf(num, sizeof(num), ":%u:", h->created);
		put_s(&b, num);
		put_field(&b, h->mountpoint);
		put_s(&b, ":");
		put_field(&b, h->path);
	}
	if (cg->joined)
		put_s(&b, ";join");
	if (cg->sd) {
		put_s(&b, ";unit:");
		put_field(&b, cg->sd->unit);
	}
	for (size_t i = 0; i < cg->n_links; i++) {
		put_s(&b, ";link:");
		put_field(&b, cg->links[i][0]);
		put_s(&b, ":");
		put_field(&b, cg->links[i][1]);
	}
	return b.p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Undoes put_field(); NULL on a bad escape. */
static char *decode(const char *s, size_t len)
{
	char *out = hull_xmalloc(len + 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		int hi = i + 2 < len ? hexval(s[i + 1]) : -1, lo = i + 2 < len ? hexval(s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi * 16 + lo);
		i += 2;
	}
	*o = 0;
	return out;
}

static void free_fields(char **f, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		free(f[j]);
		f[j] = NULL;
	}
}

/* Splits [s, end) at ':' into exactly n decoded fields. */
static bool split(const char *s, const char *end, char **f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *c = memchr(s, ':', (size_t)(end - s));
		const char *fe = c ? c : end;
		if ((c != NULL) != (i + 1 < n) || !(f[i] = decode(s, (size_t)(fe - s)))) {
			free_fields(f, i);
			return false;
		}
		s = fe + 1;
	}
	return true;
}

static bool has_dotdot(const char *p)
{
	for (const char *s = p; *s;) {
		const char *e = strchrnul(s, '/');
		if (e - s == 2 && s[0] == '.' && s[1] == '.')
			return true;
		s = *e ? e + 1 : e;
	}
	return false;
}

static int parse_entry(struct hull_cgroup *cg, const char *s, const char *end)
{
	if (end - s == 4 && !strncmp(s, "join", 4)) {
		cg->joined = true;
		return 0;
	}
	if (end - s > 5 && !strncmp(s, "unit:", 5)) {
		char *f[1];
		if (cg->sd || !split(s + 5, end, f, 1))
			return -EINVAL;
		if (!*f[0] || strchr(f[0], '/')) {
			free_fields(f, 1);
			return -EINVAL;
		}
		cg->sd = hull_xcalloc(1, sizeof(*cg->sd));
		cg->sd->unit = f[0];
		cg->sd->ours = true;
		return 0;
	}
	if (end - s > 5 && !strncmp(s, "link:", 5)) {
		char *f[2];
		if (!split(s + 5, end, f, 2))
			return -EINVAL;
		if (!*f[0] || !*f[1] || strchr(f[0], '/') || strchr(f[1], '/')) {
			free_fields(f, 2);
			return -EINVAL;
		}
		cg->links = hull_xrealloc(cg->links, (cg->n_links + 1) * sizeof(*cg->links));
		cg->links[cg->n_links][0] = f[0];
		cg->links[cg->n_links++][1] = f[1];
		return 0;
	}
	bool v2 = end - s > 3 && !strncmp(s, "v2:", 3);
	if (!v2 && !(end - s > 3 && !strncmp(s, "v1:", 3)))
		return -EINVAL;
	char *f[4];
	if (!split(s + 3, end, f, 4))
		return -EINVAL;
	uint64_t created;
	cg->h = hull_xrealloc(cg->h, (cg->n + 1) * sizeof(*cg->h));
	struct hull_cg_hier *h = &cg->h[cg->n++];
	*h = (struct hull_cg_hier){ .v2 = v2, .controllers = f[0], .mountpoint = f[2], .path = f[3],
				    .dirfd = -1 };
	int r = hull_parse_u64(f[1], &created);
	free(f[1]);
	if (r < 0 || v2 != !*h->controllers || h->mountpoint[0] != '/' || h->path[0] != '/' ||
	    has_dotdot(h->mountpoint) || has_dotdot(h->path) || created > hull_cg_path_depth(h->path))
		return -EINVAL;
	h->created = (unsigned)created;
	h->dir = hull_xasprintf("%s%s", h->mountpoint, h->path);
	return 0;
}

int hull_cg_unserialize(const char *s, struct hull_cgroup *cg, struct hull_err *err)
{
	const char *e = strchrnul(s, ';');
	int mode = -1;
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if ((size_t)(e - s) == strlen(mode_names[i]) && !strncmp(s, mode_names[i], (size_t)(e - s)))
			mode = (int)i;
	int r = mode < 0 ? -EINVAL : 0;
	cg->mode = (enum hull_cg_mode)(mode < 0 ? 0 : mode);
	while (r == 0 && *e) {
		const char *start = e + 1;
		e = strchrnul(start, ';');
		r = parse_entry(cg, start, e);
	}
	if (r == 0 && cg->n == 0)
		r = -EINVAL;
	if (r < 0)
		return hull_errf(err, EINVAL, "cgroup: cannot read the saved cgroup \"%.200s\"", s);
	return 0;
}
