/* The attacks of the security issue, run for real from the attacker's side:
 * a container that escapes through `hull exec`'s working directory
 * (CVE-2024-21626), through /proc/self/exe (CVE-2019-5736), through the
 * host fds of an exec'd process it can ptrace, and a /proc swapped under
 * hull while it masks it. Each test fails while the attack works, and says
 * what the attacker got; each checks that the attacker really ran and
 * really tried, so that it cannot pass by doing nothing.
 *
 * This file: the exec cwd escape; the suite. The others are in
 * attacks-exe.c, attacks-ptrace.c and attacks-proc.c (helpers: attacks.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attacks.h"

/* 1. CVE-2024-21626: `hull exec` chdirs into process.cwd while its own host
 * fds (one directory per cgroup hierarchy) are open, so a cwd of
 * /proc/self/fd/N, given on the command line or left by the container as a
 * symlink where the config's cwd is, puts the process in a host directory:
 * ../../.. from there is the host's /. For every N from 3 to 20 the exec'd
 * process climbs from its cwd and, if it finds the host's temp dir there,
 * writes a marker into it. After the fix each exec fails with one line or
 * runs inside the container (where the climb ends at its root, beside
 * /ht-inside-marker). */
#define UP16 "../../../../../../../../../../../../../../../../"

enum cwd_outcome { CWD_REFUSED, CWD_INSIDE, CWD_ESCAPED, CWD_ODD };

static enum cwd_outcome classify_cwd(const struct ht_result *r, const char *marker)
{
	struct stat st;
	if (strstr(r->out, "escaped\n") || stat(marker, &st) == 0)
		return CWD_ESCAPED;
	if (r->status == 0 && !strncmp(r->out, "ran\n", 4) && strstr(r->out, "\ninside\n"))
		return CWD_INSIDE;
	if (atk_clean_error(r) && !*r->out)
		return CWD_REFUSED;
	return CWD_ODD;
}

/* What the 36 execs of exec_cwd_escape did. */
struct cwd_tally {
	unsigned escaped, inside, refused, odd;
	char esc_fds[2][128];	/* per variant, the Ns that escaped */
	char esc_cwd[2][300];	/* per variant, the cwd of the first escape */
	char refused_msg[512];	/* the first refusal's line */
	char odd_msg[2048];	/* what the unexpected results were */
};

static const char *const cwd_variants[2] = { "--cwd /proc/self/fd/N",
					     "config cwd /atk/wd -> /proc/self/fd/N" };

/* t's container, running: its root has a marker; /atk is a tmpfs it can
 * write; the config's cwd is /atk/wd, a dir when the init starts. The
 * host's side: hostdir, a dir only the host has, where markers would land. */
static void cwd_container(struct ht *t, char *hostdir, size_t cap)
{
	char path[4300];
	ht_begin(t, true);
	snprintf(hostdir, cap, "%s/host", t->bundle);
	ck_assert_int_eq(mkdir(hostdir, 0755), 0);
	snprintf(path, sizeof(path), "%s/ht-inside-marker", t->rootfs);
	atk_put_file(path, "inside\n", 0644);
	snprintf(path, sizeof(path), "%s/atk", t->rootfs);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ht_mount(t, "/atk", "tmpfs", "tmpfs", "mode=755", NULL);
	json_object_set_new(atk_process(t), "cwd", json_string("/atk/wd"));
	ht_args(t, "sleep", "120", NULL);
	ht_write_config(t);
	ht_ok(t, "run", "--detach", "--bundle", t->bundle, t->id, NULL);
}

/* The probe: says where it runs, climbs 16 levels, and writes the marker
 * mname into hostdir if it finds it up there. */
static void cwd_probe(char *probe, size_t cap, const char *hostdir, const char *mname)
{
	snprintf(probe, cap,
		 "echo ran; echo cwd=$(readlink /proc/self/cwd); "
		 "[ -e " UP16 "ht-inside-marker ] && echo inside; "
		 "if [ -d " UP16 "%s ]; then echo escaped; echo pwned > " UP16 "%s/%s; fi; true",
		 hostdir + 1, hostdir + 1, mname);
}

/* One exec of the probe with the cwd /proc/self/fd/fd: on the command
 * line (variant 0), or left by the container as /atk/wd (variant 1). */
static void cwd_try(struct ht *t, const char *probe, int variant, int fd, struct ht_result *r)
{
	char cwd[64];
	snprintf(cwd, sizeof(cwd), "/proc/self/fd/%d", fd);
	if (variant == 0) {
		ht_hull(t, r, NULL, "exec", "--cwd", cwd, t->id, "sh", "-c", probe, NULL);
		return;
	}
	/* The container turns its cwd into the link, then the next plain exec runs there. */
	char relink[160], want[80];
	snprintf(relink, sizeof(relink), "rm -rf /atk/wd && ln -s %s /atk/wd && readlink /atk/wd", cwd);
	snprintf(want, sizeof(want), "%s\n", cwd);
	ht_hull(t, r, NULL, "exec", "--cwd", "/", t->id, "sh", "-c", relink, NULL);
	ck_assert_msg(r->status == 0 && !strcmp(r->out, want),
		      "the container could not relink /atk/wd to %s: exit %d\nstdout: %s\n"
		      "stderr: %s", cwd, r->status, r->out, r->err);
	ht_result_free(r);
	ht_hull(t, r, NULL, "exec", t->id, "sh", "-c", probe, NULL);
}

static void cwd_count(struct cwd_tally *c, int variant, int fd, const struct ht_result *r, const char *marker)
{
	char l[256];
	switch (classify_cwd(r, marker)) {
	case CWD_ESCAPED:
		c->escaped++;
		atk_appendf(c->esc_fds[variant], sizeof(c->esc_fds[variant]), " %d%s", fd,
			access(marker, F_OK) == 0 ? "" : "(no marker)");
		const char *cw = strstr(r->out, "cwd=");
		if (!*c->esc_cwd[variant] && cw)
			snprintf(c->esc_cwd[variant], sizeof(c->esc_cwd[variant]), "N=%d: %s", fd,
				 atk_line1(cw, l, sizeof(l)));
		break;
	case CWD_INSIDE:
		c->inside++;
		break;
	case CWD_REFUSED:
		c->refused++;
		if (!*c->refused_msg)
			atk_appendf(c->refused_msg, sizeof(c->refused_msg), "%s", atk_line1(r->err, l, sizeof(l)));
		break;
	case CWD_ODD:
		c->odd++;
		atk_appendf(c->odd_msg, sizeof(c->odd_msg), "  %s, N=%d: exit %d, stdout \"%s\", stderr \"%s\"\n",
			cwd_variants[variant], fd, r->status, r->out, r->err);
		break;
	}
}

START_TEST(exec_cwd_escape)
{
	struct ht t;
	struct ht_result r;
	struct cwd_tally c = { 0 };
	char hostdir[128], probe[1024], escaped[2048] = "";
	double t0 = atk_now_s();
	cwd_container(&t, hostdir, sizeof(hostdir));

	/* Control: from a plain dir the probe climbs to the container's root. */
	cwd_probe(probe, sizeof(probe), hostdir, "control");
	ht_hull(&t, &r, NULL, "exec", "--cwd", "/atk", t.id, "sh", "-c", probe, NULL);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "ran\ncwd=/atk\ninside\n"),
		      "control exec from /atk: exit %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
	ht_result_free(&r);

	for (int variant = 0; variant < 2; variant++)
		for (int fd = 3; fd <= 20; fd++) {
			char marker[200], mname[32];
			snprintf(mname, sizeof(mname), "%s-%d", variant ? "cfg" : "arg", fd);
			snprintf(marker, sizeof(marker), "%s/%s", hostdir, mname);
			cwd_probe(probe, sizeof(probe), hostdir, mname);
			cwd_try(&t, probe, variant, fd, &r);
			cwd_count(&c, variant, fd, &r, marker);
			ht_result_free(&r);
		}
	for (int v = 0; v < 2; v++)
		if (*c.esc_fds[v])
			atk_appendf(escaped, sizeof(escaped), "  %s: escaped for N =%s (%s)\n", cwd_variants[v],
				c.esc_fds[v], c.esc_cwd[v]);
	/* Whatever the process said, the host's side decides too. */
	unsigned on_host = atk_files_named(hostdir, "");
	fprintf(stderr, "attacks: exec_cwd_escape: %u escaped, %u inside, %u refused (%s), %u odd, %.1f s\n%s",
		c.escaped, c.inside, c.refused, c.refused_msg, c.odd, atk_now_s() - t0, escaped);
	atk_delete_and_finish(&t);
	ck_assert_msg(c.escaped == 0 && on_host == 0 && c.odd == 0,
		      "exec's cwd escaped the container %u times of 36 (%u marker files on the host):\n%s"
		      "%u unexpected results:\n%s", c.escaped, on_host, escaped, c.odd, c.odd_msg);
	ck_assert_uint_eq(c.inside + c.refused, 36);
}
END_TEST

HULL_TESTS(attacks_exe);
HULL_TESTS(attacks_ptrace);
HULL_TESTS(attacks_proc);

HULL_SUITE(attacks, integration)
{
	Suite *s = suite_create("attacks");
	TCase *tc = tcase_create("attacks");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, exec_cwd_escape);
	hull_tests_attacks_exe(tc);
	suite_add_tcase(s, tc);
	/* Seconds each: 200 execs under a scanner, 200 starts against a swapper. */
	tc = tcase_create("attacks_races");
	tcase_set_tags(tc, "slow");
	tcase_set_timeout(tc, 60);
	hull_tests_attacks_ptrace(tc);
	hull_tests_attacks_proc(tc);
	suite_add_tcase(s, tc);
	return s;
}
