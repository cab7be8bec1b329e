/* hull_spec_generate (the `hull spec` config). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>

#include "spec-testutil.h"

/* Generates into a memfd and parses the result back. */
static struct hull_spec *generate(const struct hull_spec_gen_opts *o, char **text)
{
	int fd = memfd_create("config.json", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	struct hull_err err = { 0 };
	ck_assert_msg(hull_spec_generate(fd, o, &err) == 0, "%s", err.msg);
	off_t len = lseek(fd, 0, SEEK_END);
	ck_assert_int_gt(len, 0);
	char *buf = malloc((size_t)len + 1);
	ck_assert_int_eq(pread(fd, buf, (size_t)len, 0), len);
	buf[len] = 0;
	close(fd);
	struct hull_spec *spec = NULL;
	ck_assert_msg(hull_spec_parse(buf, (size_t)len, "/bundle", &spec, &err) == 0, "%s", err.msg);
	if (text)
		*text = buf;
	else
		free(buf);
	return spec;
}

static const struct hull_mount *find_mount(const struct hull_spec *s, const char *dest)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (strcmp(s->mounts[i].destination, dest) == 0)
			return &s->mounts[i];
	ck_abort_msg("no mount on %s", dest);
	return NULL;
}

START_TEST(test_default)
{
	struct hull_spec_gen_opts o = { .uid = 1000, .gid = 1000 };
	char *text;
	struct hull_spec *s = generate(&o, &text);
	/* two-space indent, keys in runc's order, a final newline */
	const char *head = "{\n  \"ociVersion\": \"1.3.0\",\n  \"process\": {\n    \"terminal\": false,";
	ck_assert_msg(strncmp(text, head, strlen(head)) == 0, "%s", text);
	ck_assert(text[strlen(text) - 1] == '\n');
	ck_assert_ptr_nonnull(strstr(text, "\"hostname\": \"hull\""));
	free(text);

	ck_assert_str_eq(s->oci_version, "1.3.0");
	ck_assert_str_eq(s->root_path, "/bundle/rootfs");
	ck_assert(s->root_readonly);
	ck_assert_str_eq(s->hostname, "hull");
	const struct hull_process *p = &s->process;
	ck_assert(s->has_process && !p->terminal && p->no_new_privileges);
	ck_assert_uint_eq(p->uid, 0);
	ck_assert_uint_eq(p->gid, 0);
	ck_assert_uint_eq(p->args.n, 1);
	ck_assert_str_eq(p->args.v[0], "sh");
	ck_assert_uint_eq(p->env.n, 2);
	ck_assert_str_eq(p->env.v[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	ck_assert_str_eq(p->env.v[1], "TERM=xterm");
	ck_assert_str_eq(p->cwd, "/");
	ck_assert(p->caps.has_bounding && p->caps.has_effective && p->caps.has_permitted);
	ck_assert(!p->caps.has_inheritable && !p->caps.has_ambient);
	ck_assert_uint_eq(p->caps.permitted.n, 3);
	ck_assert_str_eq(p->caps.bounding.v[0], "CAP_AUDIT_WRITE");
	ck_assert_str_eq(p->caps.effective.v[1], "CAP_KILL");
	ck_assert_str_eq(p->caps.permitted.v[2], "CAP_NET_BIND_SERVICE");
	ck_assert_uint_eq(p->n_rlimits, 1);
	ck_assert_int_eq(p->rlimits[0].resource, RLIMIT_NOFILE);
	ck_assert_uint_eq(p->rlimits[0].soft, 1024);
	ck_assert_uint_eq(p->rlimits[0].hard, 1024);

	ck_assert_uint_eq(s->n_mounts, 7);
	ck_assert_str_eq(s->mounts[0].destination, "/proc");
	ck_assert_str_eq(s->mounts[6].destination, "/sys/fs/cgroup");
	const struct hull_mount *m = find_mount(s, "/dev");
	ck_assert_uint_eq(m->flags, MS_NOSUID | MS_STRICTATIME);
	ck_assert_str_eq(m->data, "mode=755,size=65536k");
	m = find_mount(s, "/dev/pts");
	ck_assert_str_eq(m->data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	m = find_mount(s, "/dev/shm");
	ck_assert_str_eq(m->source, "shm");
	ck_assert_uint_eq(m->flags, MS_NOSUID | MS_NOEXEC | MS_NODEV);
	m = find_mount(s, "/dev/mqueue");
	ck_assert_str_eq(m->type, "mqueue");
	m = find_mount(s, "/sys");
	ck_assert_str_eq(m->type, "sysfs");
	ck_assert_uint_eq(m->flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
	m = find_mount(s, "/sys/fs/cgroup");
	ck_assert_uint_eq(m->flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);

	const struct hull_linux *l = &s->linux_;
	ck_assert(l->resources.present);
	ck_assert_uint_eq(l->resources.n_devices, 1);
	ck_assert(!l->resources.devices[0].allow);
	ck_assert_str_eq(l->resources.devices[0].access, "rwm");
	ck_assert(l->ns[HULL_NS_PID].present && l->ns[HULL_NS_NETWORK].present);
	ck_assert(l->ns[HULL_NS_IPC].present && l->ns[HULL_NS_UTS].present);
	ck_assert(l->ns[HULL_NS_MOUNT].present && l->ns[HULL_NS_CGROUP].present);
	ck_assert(!l->ns[HULL_NS_USER].present && !l->ns[HULL_NS_TIME].present);
	ck_assert_uint_eq(l->uid_mappings.n, 0);
	ck_assert_uint_eq(l->masked_paths.n, 11);
	ck_assert_str_eq(l->masked_paths.v[0], "/proc/acpi");
	ck_assert_str_eq(l->masked_paths.v[10], "/sys/devices/virtual/powercap");
	ck_assert_uint_eq(l->readonly_paths.n, 5);
	ck_assert_str_eq(l->readonly_paths.v[4], "/proc/sysrq-trigger");
	hull_spec_free(s);
}
END_TEST

START_TEST(test_rootless)
{
	const char *args[] = { "/bin/echo", "hello", NULL };
	struct hull_spec_gen_opts o = { .rootless = true, .uid = 1000, .gid = 1001, .args = args };
	struct hull_spec *s = generate(&o, NULL);
	const struct hull_linux *l = &s->linux_;
	ck_assert_uint_eq(s->process.args.n, 2);
	ck_assert_str_eq(s->process.args.v[1], "hello");
	ck_assert(l->ns[HULL_NS_USER].present);
	ck_assert(!l->ns[HULL_NS_NETWORK].present);
	ck_assert(l->ns[HULL_NS_PID].present && l->ns[HULL_NS_MOUNT].present);
	ck_assert_uint_eq(l->uid_mappings.n, 1);
	ck_assert_uint_eq(l->uid_mappings.v[0].container_id, 0);
	ck_assert_uint_eq(l->uid_mappings.v[0].host_id, 1000);
	ck_assert_uint_eq(l->uid_mappings.v[0].size, 1);
	ck_assert_uint_eq(l->gid_mappings.n, 1);
	ck_assert_uint_eq(l->gid_mappings.v[0].host_id, 1001);
	ck_assert(!l->resources.present);
	const struct hull_mount *m = find_mount(s, "/sys");
	ck_assert(m->is_bind);
	ck_assert_str_eq(m->type, "none");
	ck_assert_str_eq(m->source, "/sys");
	ck_assert_uint_eq(m->flags, MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
	m = find_mount(s, "/dev/pts");
	ck_assert_str_eq(m->data, "newinstance,ptmxmode=0666,mode=0620");
	ck_assert_uint_eq(s->n_mounts, 7);
	hull_spec_free(s);
}
END_TEST

START_TEST(test_write_error)
{
	struct hull_spec_gen_opts o = { 0 };
	struct hull_err err = { 0 };
	ck_assert_int_eq(hull_spec_generate(-1, &o, &err), -EBADF);
	ck_assert_str_eq(err.msg, "config.json: write: Bad file descriptor");
}
END_TEST

HULL_SUITE(spec_generate, unit)
{
	Suite *s = suite_create("spec_generate");
	TCase *tc = tcase_create("generate");
	tcase_add_test(tc, test_default);
	tcase_add_test(tc, test_rootless);
	tcase_add_test(tc, test_write_error);
	suite_add_tcase(s, tc);
	return s;
}
