/* Mount options digested as runc's specconv does: flags, cleared flags,
 * propagation, recursive attributes, extensions and data. */
#include <stdio.h>
#include <sys/mount.h>

#include "spec-testutil.h"

static const struct {
	const char *type;
	const char *options;	/* JSON array body, single-quoted */
	unsigned long flags, clear, propagation;
	uint64_t attr_set, attr_clr;
	const char *data;	/* NULL: none */
	bool is_bind, tmpcopyup, idmap, ridmap;
} cases[] = {
	{ "tmpfs", "'nosuid','strictatime','mode=755','size=65536k'", MS_NOSUID | MS_STRICTATIME, 0,
	  0, 0, 0, "mode=755,size=65536k" },
	{ "devpts", "'nosuid','noexec','newinstance','ptmxmode=0666','mode=0620','gid=5'",
	  MS_NOSUID | MS_NOEXEC, 0, 0, 0, 0, "newinstance,ptmxmode=0666,mode=0620,gid=5" },
	{ "sysfs", "'nosuid','noexec','nodev','ro'", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, 0,
	  0, 0, 0, NULL },
	/* a later option undoes an earlier one, and remembers it was cleared */
	{ "tmpfs", "'ro','rw'", 0, MS_RDONLY, 0, 0, 0, NULL },
	{ "tmpfs", "'rw','ro'", MS_RDONLY, 0, 0, 0, 0, NULL },
	{ "tmpfs",
	  "'suid','dev','exec','async','atime','diratime','norelatime','nostrictatime','nomand',"
	  "'loud','noiversion','nolazytime','noacl','symfollow'",
	  0,
	  MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_NOATIME | MS_NODIRATIME |
		  MS_RELATIME | MS_STRICTATIME | MS_MANDLOCK | MS_SILENT | MS_I_VERSION |
		  MS_LAZYTIME | MS_POSIXACL | 256 /* MS_NOSYMFOLLOW */,
	  0, 0, 0, NULL },
	{ "ext4",
	  "'sync','dirsync','remount','mand','noatime','nodiratime','relatime','lazytime',"
	  "'silent','iversion','acl','nosymfollow','defaults'",
	  MS_SYNCHRONOUS | MS_DIRSYNC | MS_REMOUNT | MS_MANDLOCK | MS_NOATIME | MS_NODIRATIME |
		  MS_RELATIME | MS_LAZYTIME | MS_SILENT | MS_I_VERSION | MS_POSIXACL | 256,
	  0, 0, 0, 0, NULL },
	{ NULL, "'bind'", MS_BIND, 0, 0, 0, 0, NULL, true },
	{ "none", "'rbind','nosuid','noexec','nodev','ro'",
	  MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, 0, 0, 0, 0, NULL, true },
	{ "bind", "'ro'", MS_BIND | MS_RDONLY, 0, 0, 0, 0, NULL, true },
	{ "bind", "'rbind','private'", MS_BIND | MS_REC, 0, MS_PRIVATE, 0, 0, NULL, true },
	{ "bind", "'bind','rprivate'", MS_BIND, 0, MS_PRIVATE | MS_REC, 0, 0, NULL, true },
	{ "bind", "'bind','shared'", MS_BIND, 0, MS_SHARED, 0, 0, NULL, true },
	{ "bind", "'bind','rshared'", MS_BIND, 0, MS_SHARED | MS_REC, 0, 0, NULL, true },
	{ "bind", "'bind','slave'", MS_BIND, 0, MS_SLAVE, 0, 0, NULL, true },
	{ "bind", "'bind','rslave'", MS_BIND, 0, MS_SLAVE | MS_REC, 0, 0, NULL, true },
	{ "bind", "'bind','unbindable'", MS_BIND, 0, MS_UNBINDABLE, 0, 0, NULL, true },
	{ "bind", "'bind','runbindable'", MS_BIND, 0, MS_UNBINDABLE | MS_REC, 0, 0, NULL, true },
	/* propagation types exclude each other: the last wins */
	{ "bind", "'rbind','rshared','rslave'", MS_BIND | MS_REC, 0, MS_SLAVE | MS_REC, 0, 0, NULL,
	  true },
	{ "bind", "'rbind','rro','rnosuid','rnodev','rnoexec','rnodiratime','rnosymfollow'",
	  MS_BIND | MS_REC, 0, 0,
	  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
		  MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW,
	  0, NULL, true },
	{ "bind", "'rbind','rrw','rsuid','rdev','rexec','rdiratime','rsymfollow','ratime',"
	  "'rnostrictatime','rnorelatime'",
	  MS_BIND | MS_REC, 0, 0, 0,
	  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
		  MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW | MOUNT_ATTR_NOATIME |
		  MOUNT_ATTR_STRICTATIME,
	  NULL, true },
	/* an access-time mode in attr_set takes MOUNT_ATTR__ATIME in attr_clr */
	{ "bind", "'rbind','rnoatime'", MS_BIND | MS_REC, 0, 0, MOUNT_ATTR_NOATIME,
	  MOUNT_ATTR__ATIME, NULL, true },
	{ "bind", "'rbind','rstrictatime'", MS_BIND | MS_REC, 0, 0, MOUNT_ATTR_STRICTATIME,
	  MOUNT_ATTR__ATIME, NULL, true },
	{ "bind", "'rbind','rrelatime'", MS_BIND | MS_REC, 0, 0, 0, MOUNT_ATTR__ATIME, NULL, true },
	{ "bind", "'rro','rrw'", MS_BIND, 0, 0, 0, MOUNT_ATTR_RDONLY, NULL, true },
	{ "bind", "'rrw','rro'", MS_BIND, 0, 0, MOUNT_ATTR_RDONLY, 0, NULL, true },
	{ "tmpfs", "'tmpcopyup','size=1m'", 0, 0, 0, 0, 0, "size=1m", false, true },
	{ "bind", "'rbind','idmap'", MS_BIND | MS_REC, 0, 0, 0, 0, NULL, true, false, true },
	{ "bind", "'rbind','ridmap'", MS_BIND | MS_REC, 0, 0, 0, 0, NULL, true, false, false, true },
	/* what the kernel does not know stays in data, in order */
	{ "overlay", "'lowerdir=/a:/b','upperdir=/u','workdir=/w','ro','index=off'", MS_RDONLY, 0, 0,
	  0, 0, "lowerdir=/a:/b,upperdir=/u,workdir=/w,index=off" },
	{ "mqueue", "", 0, 0, 0, 0, 0, NULL },
};

START_TEST(test_digest)
{
	char json[1024];
	struct hull_spec *spec;
	struct hull_err err;
	if (cases[_i].type)
		snprintf(json, sizeof(json), CFG("'mounts':[{'destination':'/m','type':'%s',"
						 "'source':'src','options':[%s]}]"),
			 cases[_i].type, cases[_i].options);
	else
		snprintf(json, sizeof(json),
			 CFG("'mounts':[{'destination':'/m','source':'src','options':[%s]}]"),
			 cases[_i].options);
	ck_assert_msg(spec_test_parse(json, &spec, &err) == 0, "%s", err.msg);
	const struct hull_mount *m = &spec->mounts[0];
	ck_assert_uint_eq(m->flags, cases[_i].flags);
	ck_assert_uint_eq(m->clear_flags, cases[_i].clear);
	ck_assert_uint_eq(m->propagation, cases[_i].propagation);
	ck_assert_uint_eq(m->attr_set, cases[_i].attr_set);
	ck_assert_uint_eq(m->attr_clr, cases[_i].attr_clr);
	if (cases[_i].data)
		ck_assert_str_eq(m->data, cases[_i].data);
	else
		ck_assert_ptr_null(m->data);
	ck_assert_int_eq(m->is_bind, cases[_i].is_bind);
	ck_assert_int_eq(m->tmpcopyup, cases[_i].tmpcopyup);
	ck_assert_int_eq(m->idmap, cases[_i].idmap);
	ck_assert_int_eq(m->ridmap, cases[_i].ridmap);
	/* bind sources are made absolute against the bundle, others are kept */
	ck_assert_str_eq(m->source, cases[_i].is_bind ? "/bundle/src" : "src");
	hull_spec_free(spec);
}
END_TEST

HULL_SUITE(spec_mounts, unit)
{
	Suite *s = suite_create("spec_mounts");
	TCase *tc = tcase_create("digest");
	tcase_add_loop_test(tc, test_digest, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return s;
}
