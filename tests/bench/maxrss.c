/* maxrss FILE PROG [ARGS...]: runs PROG and writes the ru_maxrss (KiB) that
 * wait4 gives for it to FILE; exits with PROG's status.
 *
 * The bench's peak RSS is measured through this and not from Python: a
 * child's ru_maxrss is at least the resident size its process had before
 * exec (the kernel keeps the old mm's high-water mark), so a child forked
 * from a 15 MiB interpreter reports 15 MiB whatever it execs. This is a
 * small static program: what it adds is its own few hundred KiB. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: maxrss FILE PROG [ARGS...]\n", stderr);
		return 125;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("maxrss: fork");
		return 126;
	}
	if (pid == 0) {
		execv(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0) {
		perror("maxrss: wait4");
		return 126;
	}
	FILE *f = fopen(argv[1], "we");
	if (!f || fprintf(f, "%ld\n", ru.ru_maxrss) < 0 || fclose(f) != 0) {
		perror(argv[1]);
		return 126;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
