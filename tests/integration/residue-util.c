/* Helpers of the residue suite; see residue.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../../runtime/net.h"
#include "../lib/ht-net.h"
#include "residue.h"

char res_prefix[32];		/* "ht-r<runner pid>-": cgroups and container IDs */
char res_br_prefix[16];	/* "htrb<runner pid>": bridges */
static char saved_host[HOST_NAME_MAX + 1], saved_domain[HOST_NAME_MAX + 1];
static bool saved_names;

bool res_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* ---- sweeping (in the test, and in the runner after each test case) ---- */

static void sweep_links(void)
{
	DIR *d = opendir("/sys/class/net");
	for (struct dirent *e; d && (e = readdir(d));)
		if (!strncmp(e->d_name, res_br_prefix, strlen(res_br_prefix)))
			ht_link_delete(e->d_name);
	if (d)
		closedir(d);
}

/* Puts back the hostname and domainname the runner saw before the test
 * case; true when they had to be. */
bool res_restore_names(void)
{
	char h[HOST_NAME_MAX + 1] = "", dn[HOST_NAME_MAX + 1] = "";
	bool changed = false;
	if (!saved_names)
		return false;
	if (gethostname(h, sizeof(h)) == 0 && strcmp(h, saved_host)) {
		(void)!sethostname(saved_host, strlen(saved_host));
		changed = true;
	}
	if (getdomainname(dn, sizeof(dn)) == 0 && strcmp(dn, saved_domain)) {
		(void)!setdomainname(saved_domain, strlen(saved_domain));
		changed = true;
	}
	return changed;
}

/* Unchecked fixture: runs in the runner, before and after each test case. */
static void residue_setup(void)
{
	snprintf(res_prefix, sizeof(res_prefix), "ht-r%d-", (int)getpid());
	snprintf(res_br_prefix, sizeof(res_br_prefix), "htrb%d", (int)(getpid() % 10000000));
	saved_names = gethostname(saved_host, sizeof(saved_host)) == 0 &&
		      getdomainname(saved_domain, sizeof(saved_domain)) == 0;
}

static void residue_teardown(void)
{
	res_restore_names();
	ht_cgroup_sweep(res_prefix, true, false);
	sweep_links();
}

/* ---- helpers ---- */

/* t's container ID: the runner's prefix (res_prefix) and tag. */
void res_own_id(struct ht *t, const char *tag)
{
	ck_assert_msg(res_prefix[0], "the residue fixture did not run");
	snprintf(t->id, sizeof(t->id), "%s%s", res_prefix, tag);
}

/* ht_assert_error's test, without asserting. */
bool res_error_line(const struct ht_result *r, const char *want)
{
	size_t n = strlen(r->err);
	return r->status == 1 && !strncmp(r->err, "hull: ", 6) && n &&
	       strchr(r->err, '\n') == r->err + n - 1 && (!want || strstr(r->err, want));
}

/* Whether the last 40 bytes of the line (before its newline) hold c three
 * times in a row: the line ends inside a value made of c. */
bool res_tail_has_run(const char *line, char c)
{
	size_t n = strlen(line);
	if (n && line[n - 1] == '\n')
		n--;
	size_t from = n > 40 ? n - 40 : 0, run = 0;
	for (size_t i = from; i < n; i++) {
		run = line[i] == c ? run + 1 : 0;
		if (run >= 3)
			return true;
	}
	return false;
}

/* Kills and reaps every child of the test (a subreaper: container
 * processes whose hull died are ours); returns how many were alive. */
size_t res_kill_children(void)
{
	size_t alive = 0;
	char want[32];
	snprintf(want, sizeof(want), "PPid:\t%d\n", getpid());
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		char *s = ht_read(path);
		if (s && strstr(s, want)) {
			alive += !strstr(s, "State:\tZ");
			kill(atoi(e->d_name), SIGKILL);
		}
		free(s);
	}
	if (d)
		closedir(d);
	while (waitpid(-1, NULL, 0) > 0)
		;
	return alive;
}

/* Whether pid, a child of the test, is dead or has a SIGKILL pending: what
 * a kill(2) did is visible at once, no wait needed. */
bool res_dead_or_doomed(pid_t pid)
{
	siginfo_t si = { 0 };
	/* WNOWAIT: a zombie stays, so its pid is not reused before we reap it */
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
		return true;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	char *s = ht_read(path);
	if (!s)
		return true;
	bool doomed = strstr(s, "State:\tZ") || strstr(s, "State:\tX");
	static const char *const keys[] = { "\nShdPnd:\t", "\nSigPnd:\t" };
	for (size_t i = 0; i < 2 && !doomed; i++) {
		const char *k = strstr(s, keys[i]);
		if (k && (strtoull(k + strlen(keys[i]), NULL, 16) & (1ULL << (SIGKILL - 1))))
			doomed = true;
	}
	free(s);
	return doomed;
}

/* A /bin/sleep 60 child of the test. */
pid_t res_spawn_sleep(void)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execl("/bin/sleep", "sleep", "60", (char *)NULL);
		_exit(126);
	}
	return pid;
}

bool res_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	return close(fd) == 0 && ok;
}

/* Ends a test: on faults, cleans the host without assertions and fails
 * with them; else the usual host check. */
void res_finish(struct ht *t, const char *fail)
{
	if (*fail) {
		ht_force_clean(t);
		ck_abort_msg("%s", fail);
	}
	ht_finish(t);
}

TCase *res_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, residue_setup, residue_teardown);
	suite_add_tcase(s, tc);
	return tc;
}
