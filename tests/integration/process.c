/* The container's process: args, env, cwd, user, umask, rlimits, oom score,
 * the terminal, and an executable that is not there. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../lib/ht.h"

static json_t *process(struct ht *t) { return json_object_get(t->cfg, "process"); }

START_TEST(env_cwd_user_umask)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, true);
	json_t *p = process(&t);
	json_t *env = json_array();
	json_array_append_new(env, json_string("PATH=/bin:/sbin"));
	json_array_append_new(env, json_string("HULL_TEST=a b=c"));
	json_object_set_new(p, "env", env);
	json_object_set_new(p, "cwd", json_string("/work/dir"));	/* created, as runc does */
	json_object_set_new(p, "user", json_pack("{s:i, s:i, s:[i,i], s:i}", "uid", 1000, "gid", 1001,
						  "additionalGids", 10, 20, "umask", 027));
	ht_sh(&t, "echo \"$HULL_TEST\"; pwd; grep -E '^(Uid|Gid|Groups):' /proc/self/status; umask");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "a b=c\n/work/dir\nUid:\t1000\t1000\t1000\t1000\n"
				"Gid:\t1001\t1001\t1001\t1001\nGroups:\t10 20 \n0027\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(rlimits_oom_score)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_t *p = process(&t);
	json_object_set_new(p, "rlimits", json_pack("[{s:s, s:i, s:i}, {s:s, s:i, s:i}]", "type",
						     "RLIMIT_NOFILE", "soft", 100, "hard", 200,
						     "type", "RLIMIT_NPROC", "soft", 500, "hard", 600));
	json_object_set_new(p, "oomScoreAdj", json_integer(500));
	ht_sh(&t, "ulimit -n; ulimit -Hn; ulimit -u; cat /proc/self/oom_score_adj");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "100\n200\n500\n500\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(exec_not_found)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_args(&t, "nosuchcommand", NULL);
	ht_run(&t, &r);
	ht_assert_error(&r, "nosuchcommand");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* `run` with a terminal and no console socket relays the pty itself. */
START_TEST(terminal_relay)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_object_set_new(process(&t), "terminal", json_true());
	ht_sh(&t, "tty; [ -t 0 ] && echo stdin is a tty; stat -c %t,%T /dev/console; exit 3");
	ht_run(&t, &r);
	ht_assert_status(&r, 3);
	/* The pty turns \n into \r\n; /dev/console is the pty (136,0). */
	ck_assert_str_eq(r.out, "/dev/pts/0\r\nstdin is a tty\r\n88,0\r\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(console_socket)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_object_set_new(process(&t), "terminal", json_true());
	ht_sh(&t, "tty; echo done");
	ht_write_config(&t);
	char sock[128];
	snprintf(sock, sizeof(sock), "%s/console.sock", t.bundle);
	int ls = ht_listen_unix(sock);

	ht_hull(&t, &r, NULL, "create", "--console-socket", sock, "--bundle", t.bundle, t.id, NULL);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	char name[256];
	int master = ht_accept_fd(ls, name, sizeof(name));
	ck_assert_str_eq(name, "/dev/pts/0");	/* runc sends the pty's name as the payload */

	ht_ok(&t, "start", t.id, NULL);
	char out[256] = "";
	size_t len = 0;
	for (;;) {
		struct pollfd p = { .fd = master, .events = POLLIN };
		ck_assert_msg(poll(&p, 1, 30000) == 1, "no output from the console");
		ssize_t n = read(master, out + len, sizeof(out) - 1 - len);
		if (n <= 0)
			break;	/* EIO once the container closed its side */
		len += (size_t)n;
		out[len] = 0;
		if (strstr(out, "done\r\n"))
			break;
	}
	ck_assert_str_eq(out, "/dev/pts/0\r\ndone\r\n");
	close(master);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

START_TEST(preserve_fds)
{
	struct ht t;
	ht_begin(&t, false);
	ht_sh(&t, "ls /proc/self/fd | sort -n | tr '\\n' ' '");
	ht_write_config(&t);
	/* fds 3 and 4 of hull pass through, 5 does not. */
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "exec 3</dev/null 4</dev/null 5</dev/null; exec %s --root %s run --preserve-fds 2 "
		 "--bundle %s %s", getenv("HULL"), t.root, t.bundle, t.id);
	FILE *f = popen(cmd, "re");
	ck_assert_ptr_nonnull(f);
	char out[256] = "";
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	ck_assert_int_eq(pclose(f), 0);
	/* 0-2, 3-4, and the fd of ls's own readdir (5) */
	ck_assert_str_eq(out, "0 1 2 3 4 5 ");
	ht_finish(&t);
}
END_TEST

HULL_SUITE(process, integration)
{
	Suite *s = suite_create("process");
	TCase *tc = tcase_create("process");
	tcase_add_test(tc, env_cwd_user_umask);
	tcase_add_test(tc, rlimits_oom_score);
	tcase_add_test(tc, exec_not_found);
	tcase_add_test(tc, terminal_relay);
	tcase_add_test(tc, console_socket);
	tcase_add_test(tc, preserve_fds);
	suite_add_tcase(s, tc);
	return s;
}
