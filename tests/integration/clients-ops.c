/* The clients suite's checks (clients.h): each runs with runc, then with
 * hull, adds a row (what each gave) to the side-by-side table and asserts
 * that hull gave what is wanted: the value the check names, or runc's. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clients.h"
#include "containerd.h"

static bool skipped(void)
{
	cl_begin();
	if (!cl.skip[0])
		return false;
	printf("clients %s: skipped: %s\n", cl.name, cl.skip);
	return true;
}

/* A short cell of the table from r: "exit N" and the first line of out. */
static void cell(char *buf, size_t cap, const struct ht_result *r, bool with_out)
{
	int n = snprintf(buf, cap, "exit %d", r->status);
	if (with_out && r->out[0])
		snprintf(buf + n, cap - n, ": %.*s", (int)strcspn(r->out, "\n"), r->out);
}

/* The text of an ht_result for a failed assertion. */
#define RMSG(rt, r) "%s %s: exit %d\nstdout: %.600s\nstderr: %.900s", cl.name, (rt), (r)->status, \
	(r)->out, (r)->err

/* Runs args with each runtime, records the row op, and asserts hull's
 * cell is want (NULL: runc's cell). with_out: the cell holds stdout too. */
static void compare(const char *op, const char *const *args, bool with_out, const char *want)
{
	char cells[CL_RUNTIMES][256];
	struct ht_result r[CL_RUNTIMES];
	for (int i = 0; i < CL_RUNTIMES; i++) {
		cl_cmd(&r[i], cl_runtimes[i], 60, args);
		cell(cells[i], sizeof(cells[i]), &r[i], with_out);
	}
	cl_table_row(op, cells[0], cells[1]);
	ck_assert_msg(!strcmp(cells[1], want ? want : cells[0]), "%s: hull \"%s\", want \"%s\"\nhull stderr: %.900s",
		      op, cells[1], want ? want : cells[0], r[1].err);
	for (int i = 0; i < CL_RUNTIMES; i++)
		ht_result_free(&r[i]);
}

/* `run -d --name NAME [opts] IMAGE cmd...` for runtime rt, asserted. */
static const char *start_detached(const char *rt, const char *what, const char *const *opts,
				  const char *const *cmd)
{
	static char name[128];
	snprintf(name, sizeof(name), "%s", cl_name(rt, what));
	cl_remove(rt, name);
	const char *args[48] = { "run", "-d", "--name", name };
	size_t n = 4;
	for (; opts && *opts; opts++)
		args[n++] = *opts;
	args[n++] = CL_IMAGE;
	for (; *cmd; cmd++)
		args[n++] = *cmd;
	args[n] = NULL;
	struct ht_result r;
	cl_cmd(&r, rt, 60, args);
	ck_assert_msg(r.status == 0, RMSG(rt, &r));
	ht_result_free(&r);
	return name;
}

static const char *const sleeper[] = { "sleep", "1000", NULL };

/* `inspect -f FORMAT name` of rt, its first line (static). */
static const char *inspect(const char *rt, const char *name, const char *format)
{
	static char out[256];
	struct ht_result r;
	cl_do(&r, rt, "inspect", "-f", format, name, NULL);
	snprintf(out, sizeof(out), "%.*s", (int)strcspn(r.out, "\n"), r.out);
	ht_result_free(&r);
	return out;
}

START_TEST(exit_codes)
{
	if (skipped())
		return;
	compare("run --rm true", (const char *const[]){ "run", "--rm", CL_IMAGE, "true", NULL }, false, "exit 0");
	compare("run --rm sh -c 'exit 3'",
		(const char *const[]){ "run", "--rm", CL_IMAGE, "sh", "-c", "exit 3", NULL }, false, "exit 3");
	char cells[CL_RUNTIMES][64];
	for (int i = 0; i < CL_RUNTIMES; i++) {
		const char *rt = cl_runtimes[i];
		const char *name = start_detached(rt, "signal", NULL, sleeper);
		struct ht_result r;
		cl_do(&r, rt, "kill", "-s", "KILL", name, NULL);
		ck_assert_msg(r.status == 0, RMSG(rt, &r));
		ht_result_free(&r);
		cl_do(&r, rt, "wait", name, NULL);
		snprintf(cells[i], sizeof(cells[i]), "wait: %.*s", (int)strcspn(r.out, "\n"), r.out);
		ht_result_free(&r);
		cl_remove(rt, name);
	}
	cl_table_row("kill -s KILL, wait", cells[0], cells[1]);
	ck_assert_str_eq(cells[1], "wait: 137");
}
END_TEST

/* `exec -it` through a pty twice and without one twice: a second tty exec
 * works (no /dev/console left behind), HOME is set. */
START_TEST(exec_tty_twice)
{
	if (skipped())
		return;
	char cells[CL_RUNTIMES][512];
	for (int i = 0; i < CL_RUNTIMES; i++) {
		const char *rt = cl_runtimes[i];
		const char *name = start_detached(rt, "exec", NULL, sleeper);
		char got[4][96];
		for (int k = 0; k < 2; k++) {
			struct ht_result r;
			const char *args[] = { "exec", "-it", name, "sh", "-c", "tty; exit 4", NULL };
			ht_run_in_pty(cl_argv(rt, args), 24, 80, 60, &r);
			snprintf(got[k], sizeof(got[k]), "%d %.*s", r.status, (int)strcspn(r.out, "0123456789\r\n"),
				 r.out);
			ht_result_free(&r);
		}
		for (int k = 2; k < 4; k++) {
			struct ht_result r;
			cl_do(&r, rt, "exec", name, "sh", "-c",
			      "echo $HOME $(grep -c ' /dev/console ' /proc/self/mountinfo); exit 5", NULL);
			snprintf(got[k], sizeof(got[k]), "%d %.*s", r.status, (int)strcspn(r.out, "\n"), r.out);
			ht_result_free(&r);
		}
		snprintf(cells[i], sizeof(cells[i]), "%s; %s; %s; %s", got[0], got[1], got[2], got[3]);
		cl_remove(rt, name);
	}
	cl_table_row("exec -it x2, exec x2", cells[0], cells[1]);
	ck_assert_str_eq(cells[1], "4 /dev/pts/; 4 /dev/pts/; 5 /root 0; 5 /root 0");
}
END_TEST

START_TEST(top_pause_stats)
{
	if (skipped())
		return;
	char cells[CL_RUNTIMES][256];
	for (int i = 0; i < CL_RUNTIMES; i++) {
		const char *rt = cl_runtimes[i];
		const char *name = start_detached(rt, "pause", NULL, sleeper);
		struct ht_result r;
		cl_do(&r, rt, "top", name, NULL);
		bool top = r.status == 0 && strstr(r.out, "sleep 1000");
		ht_result_free(&r);
		cl_do(&r, rt, "pause", name, NULL);
		ht_result_free(&r);
		char paused[32];
		snprintf(paused, sizeof(paused), "%s", inspect(rt, name, "{{.State.Status}}"));
		cl_do(&r, rt, "unpause", name, NULL);
		ht_result_free(&r);
		char running[32];
		snprintf(running, sizeof(running), "%s", inspect(rt, name, "{{.State.Status}}"));
		cl_do(&r, rt, "stats", "--no-stream", "--format", "{{.MemUsage}}", name, NULL);
		bool stats = r.status == 0 && r.out[0] && strncmp(r.out, "0B /", 4) != 0;
		ht_result_free(&r);
		snprintf(cells[i], sizeof(cells[i]), "top %s, %s, %s, stats %s", top ? "ok" : "FAILED", paused,
			 running, stats ? "ok" : "FAILED");
		cl_remove(rt, name);
	}
	cl_table_row("top, pause, unpause, stats", cells[0], cells[1]);
	ck_assert_str_eq(cells[1], "top ok, paused, running, stats ok");
}
END_TEST

START_TEST(stop_and_kill)
{
	if (skipped())
		return;
	char cells[CL_RUNTIMES][128];
	const char *const trapper[] = { "sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.1; done", NULL };
	for (int i = 0; i < CL_RUNTIMES; i++) {
		const char *rt = cl_runtimes[i];
		const char *name = start_detached(rt, "stop", NULL, trapper);
		struct ht_result r;
		double t0 = cl_now();
		cl_do(&r, rt, "stop", "-t", "20", name, NULL);
		double took = cl_now() - t0;
		ht_result_free(&r);
		char stop[32];
		snprintf(stop, sizeof(stop), "%s", inspect(rt, name, "{{.State.ExitCode}}"));
		cl_remove(rt, name);
		name = start_detached(rt, "kill", NULL, sleeper);
		cl_do(&r, rt, "kill", name, NULL);
		ht_result_free(&r);
		cl_do(&r, rt, "wait", name, NULL);
		snprintf(cells[i], sizeof(cells[i]), "stop: %s%s, kill: %.*s", stop, took < 10 ? "" : " (slow)",
			 (int)strcspn(r.out, "\n"), r.out);
		ht_result_free(&r);
		cl_remove(rt, name);
	}
	cl_table_row("stop (TERM trapped), kill", cells[0], cells[1]);
	ck_assert_str_eq(cells[1], "stop: 7, kill: 137");
}
END_TEST

/* Whether the comma list list holds name. */
static bool in_list(const char *list, size_t len, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p < list + len;) {
		size_t l = strcspn(p, ",:");
		if (l == n && !strncmp(p, name, n))
			return true;
		p += l + 1;
	}
	return false;
}

/* A limit file of the container's v1 cgroup read on the host: the
 * container's pid, the /proc/PID/cgroup line naming ctrl, the file in
 * /sys/fs/cgroup/CTRL/PATH ("?" when not found). */
static void host_limit(const char *rt, const char *name, const char *ctrl, const char *file, char *out,
		       size_t cap)
{
	int pid = atoi(inspect(rt, name, "{{.State.Pid}}"));
	char path[4300];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	char *cg = ht_read(path);
	snprintf(out, cap, "?");
	for (char *line = cg; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *ctrls = strchr(line, ':');
		char *dir = ctrls ? strchr(ctrls + 1, ':') : NULL;
		if (dir && in_list(ctrls + 1, (size_t)(dir - ctrls - 1), ctrl)) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s/%s", ctrl, dir + 1, file);
			char *v = ht_read(path);
			snprintf(out, cap, "%.*s", v ? (int)strcspn(v, "\n") : 1, v ? v : "?");
			free(v);
		}
		line = nl ? nl + 1 : NULL;
	}
	free(cg);
}

#define CG "/sys/fs/cgroup/"
#define READ_LIMITS "echo $(cat " CG "memory/memory.limit_in_bytes " CG "cpu/cpu.cfs_quota_us " \
	CG "pids/pids.max)"

START_TEST(limits_and_update)
{
	if (skipped())
		return;
	if (access(CG "memory/memory.limit_in_bytes", F_OK) != 0) {
		printf("clients %s limits_and_update: skipped: the host has no cgroup v1 memory hierarchy\n", cl.name);
		return;
	}
	compare("run --memory 64m --cpus 0.5 --pids-limit 50",
		(const char *const[]){ "run", "--rm", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "50",
				       CL_IMAGE, "sh", "-c", READ_LIMITS, NULL },
		true, "exit 0: 67108864 50000 50");
	struct ht_result r;
	cl_do(&r, "runc", "update", "--help", NULL);
	bool can_update = r.status == 0;
	ht_result_free(&r);
	char cells[CL_RUNTIMES][256];
	for (int i = 0; i < CL_RUNTIMES; i++) {
		const char *rt = cl_runtimes[i];
		const char *opts[] = { "--memory", "64m", "--cpus", "0.5", "--pids-limit", "50", NULL };
		const char *name = start_detached(rt, "limits", opts, sleeper);
		char mem[32], quota[32], pids[32];
		host_limit(rt, name, "memory", "memory.limit_in_bytes", mem, sizeof(mem));
		host_limit(rt, name, "cpu", "cpu.cfs_quota_us", quota, sizeof(quota));
		host_limit(rt, name, "pids", "pids.max", pids, sizeof(pids));
		int n = snprintf(cells[i], sizeof(cells[i]), "host: %s %s %s", mem, quota, pids);
		if (can_update) {
			cl_do(&r, rt, "update", "--memory", "96m", "--memory-swap", "192m", "--cpus", "0.25", name, NULL);
			ck_assert_msg(r.status == 0, RMSG(rt, &r));
			ht_result_free(&r);
			cl_do(&r, rt, "exec", name, "sh", "-c", READ_LIMITS, NULL);
			n += snprintf(cells[i] + n, sizeof(cells[i]) - n, "; updated: %.*s", (int)strcspn(r.out, "\n"), r.out);
			ht_result_free(&r);
		}
		cl_remove(rt, name);
	}
	if (!can_update)
		printf("clients %s: update: skipped: %s has no update command\n", cl.name, cl.name);
	cl_table_row(can_update ? "limits on the host; update --memory 96m --cpus 0.25" : "limits on the host",
		     cells[0], cells[1]);
	ck_assert_str_eq(cells[1], can_update ? "host: 67108864 50000 50; updated: 100663296 25000 50"
					      : "host: 67108864 50000 50");
}
END_TEST

START_TEST(restart_policy)
{
	if (skipped())
		return;
	char cells[CL_RUNTIMES][64];
	const char *const failing[] = { "sh", "-c", "exit 1", NULL };
	const char *opts[] = { "--restart", "on-failure:2", NULL };
	for (int i = 0; i < CL_RUNTIMES; i++) {
		const char *rt = cl_runtimes[i];
		const char *name = start_detached(rt, "restart", opts, failing);
		/* done at "2 exited", or once a stopped state held 5 s (podman
		 * 4.3 restarts nothing here, whatever the runtime) */
		char got[64] = "", last[64] = "";
		double end = cl_now() + 60, since = cl_now();
		while (cl_now() < end) {
			snprintf(got, sizeof(got), "%s", inspect(rt, name, "{{.RestartCount}} {{.State.Status}}"));
			if (!strcmp(got, "2 exited"))
				break;
			if (strcmp(got, last)) {
				snprintf(last, sizeof(last), "%s", got);
				since = cl_now();
			} else if (cl_now() - since > 5 && !strstr(got, "running") && !strstr(got, "restarting")) {
				break;
			}
			ctd_pause_ms(100);
		}
		snprintf(cells[i], sizeof(cells[i]), "restarts, status: %s", got);
		cl_remove(rt, name);
	}
	cl_table_row("run --restart on-failure:2 (exit 1)", cells[0], cells[1]);
	ck_assert_str_eq(cells[1], cells[0]);
}
END_TEST

START_TEST(readonly_user_env)
{
	if (skipped())
		return;
	compare("run --read-only",
		(const char *const[]){ "run", "--rm", "--read-only", CL_IMAGE, "sh", "-c",
				       "touch /x 2>/dev/null || echo read-only", NULL },
		true, "exit 0: read-only");
	compare("run --user 1000:1000",
		(const char *const[]){ "run", "--rm", "--user", "1000:1000", CL_IMAGE, "sh", "-c",
				       "echo $(id -u) $(id -g) $HOME", NULL },
		true, "exit 0: 1000 1000 /");
	compare("run -e FOO=bar -w /tmp",
		(const char *const[]){ "run", "--rm", "-e", "FOO=bar", "-w", "/tmp", CL_IMAGE, "sh", "-c",
				       "echo $FOO $PWD $HOME", NULL },
		true, "exit 0: bar /tmp /root");
}
END_TEST

START_TEST(entrypoint_errors)
{
	if (skipped())
		return;
	compare("run a missing entrypoint",
		(const char *const[]){ "run", "--rm", CL_IMAGE, "/nonexistent", NULL }, false, "exit 127");
	compare("run a command not in PATH",
		(const char *const[]){ "run", "--rm", CL_IMAGE, "nonexistent", NULL }, false, "exit 127");
	compare("run a non-executable entrypoint",
		(const char *const[]){ "run", "--rm", CL_IMAGE, "/etc/passwd", NULL }, false, "exit 126");
	char cells[CL_RUNTIMES][128];
	for (int i = 0; i < CL_RUNTIMES; i++) {
		const char *rt = cl_runtimes[i];
		const char *name = start_detached(rt, "entry", NULL, sleeper);
		struct ht_result r1, r2;
		cl_do(&r1, rt, "exec", name, "/nonexistent", NULL);
		cl_do(&r2, rt, "exec", name, "/etc/passwd", NULL);
		snprintf(cells[i], sizeof(cells[i]), "exit %d, exit %d", r1.status, r2.status);
		ht_result_free(&r1);
		ht_result_free(&r2);
		cl_remove(rt, name);
	}
	cl_table_row("exec a missing, a non-executable file", cells[0], cells[1]);
	ck_assert_str_eq(cells[1], cells[0]);
}
END_TEST

/* --privileged asks for every capability and device, which runc itself
 * cannot grant where the host lacks some (this VM has no CAP_SYS_RESOURCE
 * to give): skipped, with runc's reason, when runc fails it. */
START_TEST(privileged)
{
	if (skipped())
		return;
	struct ht_result r;
	const char *const args[] = { "run", "--rm", "--privileged", CL_IMAGE, "true", NULL };
	cl_cmd(&r, "runc", 60, args);
	if (r.status != 0) {
		/* runc's error, not the warnings the client prints first */
		char why[300];
		const char *e = strstr(r.err, "rror");
		while (e && e > r.err && e[-1] != '\n')
			e--;
		e = e ? e : r.err;
		snprintf(why, sizeof(why), "%.*s", (int)strcspn(e, "\n"), e);
		printf("clients %s privileged: skipped: runc fails it on this host too: %s\n", cl.name, why);
		cl_table_row("run --privileged", "exit != 0 (host)", "skipped");
		ht_result_free(&r);
		return;
	}
	ht_result_free(&r);
	compare("run --privileged", args, false, "exit 0");
}
END_TEST

/* What the client's containers may leave: processes naming the world's
 * dir (shims, conmon), mounts under it, cgroups under the suite's parent,
 * hull and runc state dirs in it. */
static void leftovers(char *buf, size_t cap)
{
	char script[1024];
	snprintf(script, sizeof(script),
		 "p=$(grep -l '%s' /proc/[0-9]*/cmdline 2>/dev/null | grep -v self | wc -l); "
		 "m=$(grep -c ' %s/.*/merged ' /proc/self/mountinfo); "
		 "c=$(find /sys/fs/cgroup/*/hcl-%d -mindepth 1 -type d 2>/dev/null | wc -l); "
		 "s=$(find %s -name state.json -path '*runtime-*' -o -name state.json -path '*/runc/*' "
		 "-o -name state.json -path '*/hull/*' 2>/dev/null | wc -l); "
		 "echo \"$p processes, $m mounts, $c cgroups, $s states\"",
		 cl.dir, cl.dir, (int)getpid(), cl.dir);
	char *sh[] = { "/bin/sh", "-c", script, NULL };
	struct ht_result r;
	ctd_spawn(sh, &r, 30);
	snprintf(buf, cap, "%.*s", (int)strcspn(r.out, "\n"), r.out);
	ht_result_free(&r);
}

/* 50 `run --rm` in a row: the time each runtime takes, and nothing left. */
START_TEST(fifty_short)
{
	if (skipped())
		return;
	char cells[CL_RUNTIMES][192], base[128];
	leftovers(base, sizeof(base));
	for (int i = 0; i < CL_RUNTIMES; i++) {
		const char *rt = cl_runtimes[i];
		double t0 = cl_now();
		int failed = 0;
		for (int k = 0; k < 50; k++) {
			struct ht_result r;
			cl_do(&r, rt, "run", "--rm", CL_IMAGE, "true", NULL);
			if (r.status != 0 && failed++ == 0)
				fprintf(stderr, "clients %s %s: run %d: exit %d: %.500s\n", cl.name, rt, k, r.status, r.err);
			ht_result_free(&r);
		}
		double took = cl_now() - t0;
		struct ht_result r;
		cl_do(&r, rt, "ps", "-aq", NULL);
		size_t left = ht_lines(r.out);
		ht_result_free(&r);
		/* podman's cleanup commands may still be on their way out:
		 * what is left is what stays 10 s after the last run */
		char after[128];
		double end = cl_now() + 10;
		do
			leftovers(after, sizeof(after));
		while (strcmp(after, base) && cl_now() < end && (ctd_pause_ms(200), true));
		snprintf(cells[i], sizeof(cells[i]), "%.1f s, %d failed, %zu containers left, %s", took, failed, left,
			 !strcmp(after, base) ? "host as before" : after);
	}
	cl_table_row("50 run --rm true", cells[0], cells[1]);
	ck_assert_msg(strstr(cells[1], " 0 failed, 0 containers left, host as before"), "hull: %s (before: %s)",
		      cells[1], base);
}
END_TEST

HULL_TESTS(clients_ops)
{
	tcase_add_test(tc, exit_codes);
	tcase_add_test(tc, exec_tty_twice);
	tcase_add_test(tc, top_pause_stats);
	tcase_add_test(tc, stop_and_kill);
	tcase_add_test(tc, limits_and_update);
	tcase_add_test(tc, restart_policy);
	tcase_add_test(tc, readonly_user_env);
	tcase_add_test(tc, entrypoint_errors);
	tcase_add_test(tc, privileged);
	tcase_add_test(tc, fifty_short);
}
