/* alternate ROUNDS ERRFILE :: NAME PROG [ARGS...] [:: NAME PROG [ARGS...]]...
 *
 * Runs the commands one after the other, ROUNDS times (A B C A B C ...),
 * and prints one line per run on stdout: "NAME ROUND MS", the wall time
 * from fork to wait4 (CLOCK_MONOTONIC). An argument holding "%d" gets the
 * round number there (container IDs). stdin and stdout are /dev/null,
 * stderr goes to ERRFILE (appended). A command that fails stops everything
 * (exit 1, its name on stderr).
 *
 * The bench's latency experiment in the cgroup v2 guest (tests/bench/
 * exp_guest.py) runs through this: the guest has busybox, no Python. It is
 * built static, so it needs nothing in the guest. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 16

static char **expand(char **argv, int n, int round)
{
	char **out = calloc((size_t)n + 1, sizeof(*out));
	if (!out)
		return NULL;
	for (int i = 0; i < n; i++) {
		const char *p = strstr(argv[i], "%d");
		if (!p) {
			out[i] = argv[i];
			continue;
		}
		size_t len = strlen(argv[i]) + 16;
		out[i] = malloc(len);
		if (!out[i])
			return NULL;
		snprintf(out[i], len, "%.*s%d%s", (int)(p - argv[i]), argv[i], round, p + 2);
	}
	return out;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 6 || strcmp(argv[3], "::")) {
		fputs("usage: alternate ROUNDS ERRFILE :: NAME PROG [ARGS...] [:: NAME PROG...]...\n", stderr);
		return 2;
	}
	int rounds = atoi(argv[1]);
	int err = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (err < 0 || null < 0) {
		perror("alternate: open");
		return 1;
	}
	struct { char *name; char **argv; int argc; } cmd[MAX_CMDS];
	int n = 0;
	for (int i = 3; i < argc;) {
		/* argv[i] is "::" */
		int j = i + 1;
		while (j < argc && strcmp(argv[j], "::"))
			j++;
		if (j - i < 3 || n == MAX_CMDS) {
			fputs("alternate: each :: needs a NAME and a PROG (16 commands at most)\n", stderr);
			return 2;
		}
		cmd[n].name = argv[i + 1];
		cmd[n].argv = argv + i + 2;
		cmd[n].argc = j - i - 2;
		n++;
		i = j;
	}
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < n; k++) {
			char **a = expand(cmd[k].argv, cmd[k].argc, r);
			if (!a) {
				perror("alternate: malloc");
				return 1;
			}
			double t0 = now_ms();
			pid_t pid = fork();
			if (pid < 0) {
				perror("alternate: fork");
				return 1;
			}
			if (pid == 0) {
				dup2(null, 0);
				dup2(null, 1);
				dup2(err, 2);
				execv(a[0], a);
				perror(a[0]);
				_exit(127);
			}
			int st;
			if (waitpid(pid, &st, 0) < 0) {
				perror("alternate: waitpid");
				return 1;
			}
			double ms = now_ms() - t0;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				fprintf(stderr, "alternate: %s, round %d: status 0x%x (see %s)\n", cmd[k].name, r, st,
					argv[2]);
				return 1;
			}
			printf("%s %d %.3f\n", cmd[k].name, r, ms);
			fflush(stdout);
			for (int i = 0; i < cmd[k].argc; i++)
				if (a[i] != cmd[k].argv[i])
					free(a[i]);
			free(a);
		}
	}
	return 0;
}
