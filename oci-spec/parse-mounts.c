/* config.json: mounts, and the digestion of their options into mount(2)
 * flags, propagation, mount_setattr(2) attributes and filesystem data, the
 * way runc's specconv does it. */
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "../base/util.h"
#include "parse.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

struct flag_opt {
	const char *name;
	bool clear;
	unsigned long flag;
};

static const struct flag_opt mount_flags[] = {
	{ "acl", false, MS_POSIXACL },		{ "async", true, MS_SYNCHRONOUS },
	{ "atime", true, MS_NOATIME },		{ "bind", false, MS_BIND },
	{ "dev", true, MS_NODEV },		{ "diratime", true, MS_NODIRATIME },
	{ "dirsync", false, MS_DIRSYNC },	{ "exec", true, MS_NOEXEC },
	{ "iversion", false, MS_I_VERSION },	{ "lazytime", false, MS_LAZYTIME },
	{ "loud", true, MS_SILENT },		{ "mand", false, MS_MANDLOCK },
	{ "noacl", true, MS_POSIXACL },		{ "noatime", false, MS_NOATIME },
	{ "nodev", false, MS_NODEV },		{ "nodiratime", false, MS_NODIRATIME },
	{ "noexec", false, MS_NOEXEC },		{ "noiversion", true, MS_I_VERSION },
	{ "nolazytime", true, MS_LAZYTIME },	{ "nomand", true, MS_MANDLOCK },
	{ "norelatime", true, MS_RELATIME },	{ "nostrictatime", true, MS_STRICTATIME },
	{ "nosuid", false, MS_NOSUID },		{ "nosymfollow", false, MS_NOSYMFOLLOW },
	{ "rbind", false, MS_BIND | MS_REC },	{ "relatime", false, MS_RELATIME },
	{ "remount", false, MS_REMOUNT },	{ "ro", false, MS_RDONLY },
	{ "rw", true, MS_RDONLY },		{ "silent", false, MS_SILENT },
	{ "strictatime", false, MS_STRICTATIME }, { "suid", true, MS_NOSUID },
	{ "sync", false, MS_SYNCHRONOUS },	{ "symfollow", true, MS_NOSYMFOLLOW },
	{ NULL, false, 0 },
};

static const struct flag_opt propagations[] = {
	{ "private", false, MS_PRIVATE },	{ "rprivate", false, MS_PRIVATE | MS_REC },
	{ "shared", false, MS_SHARED },		{ "rshared", false, MS_SHARED | MS_REC },
	{ "slave", false, MS_SLAVE },		{ "rslave", false, MS_SLAVE | MS_REC },
	{ "unbindable", false, MS_UNBINDABLE }, { "runbindable", false, MS_UNBINDABLE | MS_REC },
	{ NULL, false, 0 },
};

static const struct flag_opt rec_attrs[] = {
	{ "rro", false, MOUNT_ATTR_RDONLY },	{ "rrw", true, MOUNT_ATTR_RDONLY },
	{ "rnosuid", false, MOUNT_ATTR_NOSUID }, { "rsuid", true, MOUNT_ATTR_NOSUID },
	{ "rnodev", false, MOUNT_ATTR_NODEV },	{ "rdev", true, MOUNT_ATTR_NODEV },
	{ "rnoexec", false, MOUNT_ATTR_NOEXEC }, { "rexec", true, MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", false, MOUNT_ATTR_NODIRATIME },
	{ "rdiratime", true, MOUNT_ATTR_NODIRATIME },
	{ "rrelatime", false, MOUNT_ATTR_RELATIME },
	{ "rnorelatime", true, MOUNT_ATTR_RELATIME },
	{ "rnoatime", false, MOUNT_ATTR_NOATIME }, { "ratime", true, MOUNT_ATTR_NOATIME },
	{ "rstrictatime", false, MOUNT_ATTR_STRICTATIME },
	{ "rnostrictatime", true, MOUNT_ATTR_STRICTATIME },
	{ "rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW },
	{ "rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW },
	{ NULL, false, 0 },
};

const char *const spec_mount_option_names[] = {
	"acl", "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
	"iversion", "lazytime", "loud", "mand", "noacl", "noatime", "nodev", "nodiratime",
	"noexec", "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid",
	"nosymfollow", "rbind", "relatime", "remount", "ro", "rw", "silent", "strictatime", "suid",
	"sync", "symfollow",
	"private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable",
	"rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec", "rnodiratime",
	"rdiratime", "rrelatime", "rnorelatime", "rnoatime", "ratime", "rstrictatime",
	"rnostrictatime", "rnosymfollow", "rsymfollow",
	"tmpcopyup", "idmap", "ridmap",
};
const size_t spec_n_mount_option_names =
	sizeof(spec_mount_option_names) / sizeof(spec_mount_option_names[0]);

static const struct flag_opt *find(const struct flag_opt *t, const char *name)
{
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

bool spec_propagation_flags(const char *name, unsigned long *out)
{
	const struct flag_opt *f = find(propagations, name);
	if (f)
		*out = f->flag;
	return f != NULL;
}

static void digest(struct hull_mount *m, const char *o, char **data, size_t *data_len)
{
	const struct flag_opt *f;
	if ((f = find(mount_flags, o))) {
		if (f->clear) {
			m->flags &= ~f->flag;
			m->clear_flags |= f->flag;
		} else {
			m->flags |= f->flag;
			m->clear_flags &= ~f->flag;
		}
	} else if ((f = find(propagations, o))) {
		/* Propagation types exclude each other: the last one written wins. */
		m->propagation = f->flag;
	} else if ((f = find(rec_attrs, o))) {
		if (f->clear) {
			m->attr_clr |= f->flag;
			m->attr_set &= ~(uint64_t)f->flag;
		} else {
			m->attr_set |= f->flag;
			m->attr_clr &= ~(uint64_t)f->flag;
			/* mount_setattr(2): an access-time mode in attr_set needs
			 * MOUNT_ATTR__ATIME in attr_clr. */
			if ((f->flag & MOUNT_ATTR__ATIME) == f->flag)
				m->attr_clr |= MOUNT_ATTR__ATIME;
		}
	} else if (strcmp(o, "tmpcopyup") == 0) {
		m->tmpcopyup = true;
	} else if (strcmp(o, "idmap") == 0) {
		m->idmap = true;
	} else if (strcmp(o, "ridmap") == 0) {
		m->ridmap = true;
	} else if (strcmp(o, "defaults") == 0) {
		/* As in fstab: nothing. runc hands it to the filesystem as data,
		 * which every filesystem but a bind mount then refuses. */
	} else {
		size_t l = strlen(o);
		*data = hull_xrealloc(*data, *data_len + l + 2);
		if (*data_len)
			(*data)[(*data_len)++] = ',';
		memcpy(*data + *data_len, o, l + 1);
		*data_len += l;
	}
}

static int parse_mount(json_t *v, const char *path, const char *bundle, struct hull_mount *m,
		       struct hull_err *err)
{
	jpath_t p;
	json_t *a;
	size_t data_len = 0;
	int r;

	if (jv_object(v, path, err) < 0 ||
	    jo_string(v, path, "destination", true, &m->destination, err) < 0)
		return -EINVAL;
	if (!m->destination[0]) {
		jp_key(p, path, "destination");
		return jerr(err, p, "must not be empty");
	}
	if (jo_string(v, path, "type", false, &m->type, err) < 0 ||
	    jo_string(v, path, "source", false, &m->source, err) < 0 ||
	    jo_strv(v, path, "options", &m->options, err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < m->options.n; i++) {
		if (!m->options.v[i][0]) {
			jpath_t op;
			jp_key(p, path, "options");
			jp_idx(op, p, i);
			return jerr(err, op, "must not be empty");
		}
		digest(m, m->options.v[i], &m->data, &data_len);
	}
	if (m->type && strcmp(m->type, "bind") == 0)
		m->flags |= MS_BIND;
	m->is_bind = (m->flags & MS_BIND) != 0;
	if (m->is_bind) {
		jp_key(p, path, "source");
		if (!m->source)
			return jerr(err, p, "missing");
		if (!m->source[0])
			return jerr(err, p, "must not be empty");
		if (m->source[0] != '/') {
			char *abs = spec_path_join(bundle, m->source);
			free(m->source);
			m->source = abs;
		}
	}
	if ((r = jo_array(v, path, "uidMappings", false, &a, err)) < 0)
		return r;
	jp_key(p, path, "uidMappings");
	if (a && jv_id_maps(a, p, &m->uid_mappings, err) < 0)
		return -EINVAL;
	if ((r = jo_array(v, path, "gidMappings", false, &a, err)) < 0)
		return r;
	jp_key(p, path, "gidMappings");
	if (a && jv_id_maps(a, p, &m->gid_mappings, err) < 0)
		return -EINVAL;
	return 0;
}

int spec_parse_mounts(json_t *mounts, const char *bundle, struct hull_spec *spec,
		      struct hull_err *err)
{
	size_t i;
	json_t *v;
	spec->mounts = hull_xcalloc(json_array_size(mounts), sizeof(*spec->mounts));
	json_array_foreach(mounts, i, v) {
		jpath_t p;
		jp_idx(p, "mounts", i);
		spec->n_mounts++;
		if (parse_mount(v, p, bundle, &spec->mounts[i], err) < 0)
			return -EINVAL;
	}
	return 0;
}

int hull_spec_add_mount(struct hull_spec *spec, const char *destination, const char *type,
			const char *source, const char *const *options, struct hull_err *err)
{
	_cleanup_json_ json_t *m = json_pack("{s:s, s:s, s:s, s:[]}", "destination", destination, "type", type,
					      "source", source, "options");
	if (!m)
		return hull_errf(err, ENOMEM, "mounts: out of memory");
	for (const char *const *o = options; o && *o; o++)
		json_array_append_new(json_object_get(m, "options"), json_string(*o));
	jpath_t p;
	jp_idx(p, "mounts", spec->n_mounts);
	struct hull_mount mount = { 0 };
	if (parse_mount(m, p, spec->bundle, &mount, err) < 0) {
		spec_mount_free(&mount);
		return -EINVAL;
	}
	spec->mounts = hull_xrealloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*spec->mounts));
	spec->mounts[spec->n_mounts++] = mount;
	return 0;
}
