/* Which cgroup hierarchies this process sees, where they are mounted, and
 * where the process itself sits in each. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

bool hull_cg_list_has(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; p && *p;) {
		const char *e = strchrnul(p, ',');
		if ((size_t)(e - p) == wl && !strncmp(p, word, wl))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

/* mountinfo escapes ' ', '\t', '\n' and '\\' as \ooo. */
static char *unescape(const char *s, size_t len)
{
	char *out = hull_xmalloc(len + 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

void hull_cg_mountinfo_free(struct hull_cg_mountinfo *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++) {
		free(m[i].root);
		free(m[i].mountpoint);
		free(m[i].super_opts);
	}
	free(m);
}

/* Splits a line into space-separated fields (at most max). */
static size_t fields(const char *line, size_t len, const char **f, size_t *fl, size_t max)
{
	size_t n = 0, i = 0;
	while (i < len && n < max) {
		while (i < len && line[i] == ' ')
			i++;
		if (i >= len)
			break;
		size_t start = i;
		while (i < len && line[i] != ' ')
			i++;
		f[n] = line + start;
		fl[n++] = i - start;
	}
	return n;
}

int hull_cg_parse_mountinfo(const char *text, struct hull_cg_mountinfo **out, size_t *n,
			    struct hull_err *err)
{
	struct hull_cg_mountinfo *v = NULL;
	size_t nv = 0;
	for (const char *line = text; *line;) {
		const char *end = strchrnul(line, '\n');
		const char *f[64];
		size_t fl[64];
		size_t nf = fields(line, (size_t)(end - line), f, fl, 64);
		size_t sep = 6;
		while (sep < nf && !(fl[sep] == 1 && f[sep][0] == '-'))
			sep++;
		if (sep + 3 >= nf) {
			hull_cg_mountinfo_free(v, nv);
			return hull_errf(err, EINVAL, "/proc/self/mountinfo: malformed line \"%.*s\"",
					 (int)(end - line), line);
		}
		const char *fs = f[sep + 1];
		size_t fsl = fl[sep + 1];
		bool v1 = fsl == 6 && !strncmp(fs, "cgroup", 6);
		bool v2 = fsl == 7 && !strncmp(fs, "cgroup2", 7);
		if (v1 || v2) {
			v = hull_xrealloc(v, (nv + 1) * sizeof(*v));
			v[nv++] = (struct hull_cg_mountinfo){
				.v2 = v2,
				.root = unescape(f[3], fl[3]),
				.mountpoint = unescape(f[4], fl[4]),
				.super_opts = hull_xstrndup(f[sep + 3], fl[sep + 3]),
			};
		}
		line = *end ? end + 1 : end;
	}
	*out = v;
	*n = nv;
	return 0;
}

void hull_cg_proc_free(struct hull_cg_proc *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++) {
		free(p[i].controllers);
		free(p[i].path);
	}
	free(p);
}

int hull_cg_parse_proc(const char *text, struct hull_cg_proc **out, size_t *n, struct hull_err *err)
{
	struct hull_cg_proc *v = NULL;
	size_t nv = 0;
	for (const char *line = text; *line;) {
		const char *end = strchrnul(line, '\n');
		if (end == line) {
			line = *end ? end + 1 : end;
			continue;
		}
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		_cleanup_free_ char *id = c1 ? hull_xstrndup(line, (size_t)(c1 - line)) : NULL;
		uint64_t idv;
		if (!c2 || hull_parse_u64(id, &idv) < 0 || idv > 0xffffffffu || c2 + 1 >= end ||
		    c2[1] != '/') {
			hull_cg_proc_free(v, nv);
			return hull_errf(err, EINVAL, "/proc/self/cgroup: malformed line \"%.*s\"",
					 (int)(end - line), line);
		}
		v = hull_xrealloc(v, (nv + 1) * sizeof(*v));
		v[nv++] = (struct hull_cg_proc){
			.id = (unsigned)idv,
			.controllers = hull_xstrndup(c1 + 1, (size_t)(c2 - c1 - 1)),
			.path = hull_xstrndup(c2 + 1, (size_t)(end - c2 - 1)),
		};
		line = *end ? end + 1 : end;
	}
	*out = v;
	*n = nv;
	return 0;
}

/* path relative to a mount whose root is root, or NULL when the mount does
 * not show path (a cgroup namespace or a bind of a subtree). */
static const char *below_root(const char *path, const char *root)
{
	if (!strcmp(root, "/"))
		return path;
	size_t rl = strlen(root);
	if (strncmp(path, root, rl))
		return NULL;
	if (path[rl] == 0)
		return "/";
	return path[rl] == '/' ? path + rl : NULL;
}

static bool holds_all(const char *super_opts, const char *controllers)
{
	_cleanup_free_ char *c = hull_xstrdup(controllers);
	char *save = NULL;
	for (char *t = strtok_r(c, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (!hull_cg_list_has(super_opts, t))
			return false;
	return true;
}

static void add_hier(struct hull_cgroup *cg, bool v2, const char *controllers,
		     const struct hull_cg_mountinfo *m, const char *path)
{
	cg->h = hull_xrealloc(cg->h, (cg->n + 1) * sizeof(*cg->h));
	cg->h[cg->n++] = (struct hull_cg_hier){
		.v2 = v2,
		.controllers = hull_xstrdup(controllers),
		.mountpoint = hull_xstrdup(m->mountpoint),
		.path = hull_xstrdup(path),
		.dirfd = -1,
	};
}

int hull_cg_discover(struct hull_cgroup *cg, struct hull_err *err)
{
	_cleanup_free_ char *mi_text = NULL, *pc_text = NULL;
	int r = hull_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &mi_text, NULL, err);
	if (r == 0)
		r = hull_read_file_at(AT_FDCWD, "/proc/self/cgroup", &pc_text, NULL, err);
	if (r < 0)
		return r;
	struct hull_cg_mountinfo *mi = NULL;
	struct hull_cg_proc *pc = NULL;
	size_t nmi = 0, npc = 0;
	r = hull_cg_parse_mountinfo(mi_text, &mi, &nmi, err);
	if (r == 0)
		r = hull_cg_parse_proc(pc_text, &pc, &npc, err);
	if (r < 0) {
		hull_cg_mountinfo_free(mi, nmi);
		return r;
	}

	bool have_v1 = false, have_v2 = false;
	for (size_t i = 0; i < npc; i++) {
		bool v2 = pc[i].id == 0 && !pc[i].controllers[0];
		if (v2 && have_v2)
			continue;
		/* The first mount that shows the process's own cgroup; later
		   ones are bind mounts of the same hierarchy. */
		for (size_t j = 0; j < nmi; j++) {
			const char *rel = below_root(pc[i].path, mi[j].root);
			if (mi[j].v2 != v2 || !rel || (!v2 && !holds_all(mi[j].super_opts, pc[i].controllers)))
				continue;
			add_hier(cg, v2, pc[i].controllers, &mi[j], rel);
			if (v2)
				have_v2 = true;
			else
				have_v1 = true;
			break;
		}
	}
	hull_cg_mountinfo_free(mi, nmi);
	hull_cg_proc_free(pc, npc);
	if (!have_v1 && !have_v2)
		return hull_errf(err, ENOENT, "cgroups: no cgroup hierarchy of this process is mounted");
	cg->mode = !have_v2 ? HULL_CG_V1 : have_v1 ? HULL_CG_HYBRID : HULL_CG_V2;

	struct hull_cg_hier *v2 = hull_cg_v2(cg);
	if (v2) {
		_cleanup_close_ int fd = open(v2->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return hull_syserr(err, errno, "%s", v2->mountpoint);
		r = hull_read_file_at(fd, "cgroup.controllers", &cg->v2_avail, NULL, err);
		if (r < 0) {
			hull_err_prefix(err, "%s", v2->mountpoint);
			return r;
		}
		/* one line of space-separated names: make it a list */
		for (char *p = cg->v2_avail; *p; p++)
			if (*p == ' ' || *p == '\n')
				*p = ',';
	}
	return 0;
}
