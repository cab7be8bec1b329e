/* `ps`, as runc has it: ps(1) runs with the arguments that follow the ID
 * (-ef when there are none) and only its header and the lines whose PID
 * column is a process of the container are printed; --format json prints
 * the container's pids alone. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../runtime/lifecycle.h"
#include "cli.h"

/* ps(1) with args (NULL-terminated after argv[0]), stdout and stderr
 * together into *out; its exit status, or a negative errno. */
static int run_ps(char **args, int n, char **out, struct hull_err *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return hull_syserr(err, errno, "ps: pipe");
	_cleanup_free_ char **argv = hull_xcalloc((size_t)n + 2, sizeof(char *));
	argv[0] = "ps";
	for (int i = 0; i < n; i++)
		argv[i + 1] = args[i];
	if (!n)
		argv[1] = "-ef";
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		execvp("ps", argv);
		dprintf(STDERR_FILENO, "exec ps: %s", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return hull_syserr(err, errno, "ps: fork");
	}
	size_t len = 0, cap = 65536;
	char *buf = hull_xmalloc(cap);
	for (ssize_t r; (r = read(p[0], buf + len, cap - len - 1)) != 0;) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		len += (size_t)r;
		if (cap - len < 4096)
			buf = hull_xrealloc(buf, cap *= 2);
	}
	close(p[0]);
	buf[len] = 0;
	*out = buf;
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return hull_syserr(err, errno, "ps: wait");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The index of field name in line (whitespace-separated), -1 if absent. */
static int field_index(const char *line, const char *name)
{
	int i = 0;
	for (const char *s = line + strspn(line, " \t"); *s; s += strspn(s, " \t"), i++) {
		size_t l = strcspn(s, " \t");
		if (l == strlen(name) && !strncmp(s, name, l))
			return i;
		s += l;
	}
	return -1;
}

/* Field k of line as an integer into *val; false if it is none. */
static bool field_int(const char *line, int k, long *val)
{
	const char *s = line + strspn(line, " \t");
	for (int i = 0; i < k && *s; i++) {
		s += strcspn(s, " \t");
		s += strspn(s, " \t");
	}
	char *end;
	errno = 0;
	*val = strtol(s, &end, 10);
	return *s && end != s && !errno && (!*end || *end == ' ' || *end == '\t');
}

/* A failed ps's output as one line. */
static void one_line(char *s)
{
	size_t n = strlen(s);
	while (n && s[n - 1] == '\n')
		s[--n] = 0;
	for (char *p = s; (p = strchr(p, '\n'));)
		*p = ' ';
}

static int print_filtered(char *text, const pid_t *pids, size_t n, struct hull_err *err)
{
	char *save = NULL, *line = strtok_r(text, "\n", &save);
	int idx = line ? field_index(line, "PID") : -1;
	if (idx < 0)
		return hull_errf(err, EINVAL, "ps: couldn't find PID field in ps output");
	printf("%s\n", line);
	while ((line = strtok_r(NULL, "\n", &save))) {
		long pid;
		if (!field_int(line, idx, &pid))
			return hull_errf(err, EINVAL, "ps: unable to parse pid: %s", HULL_Q(line));
		for (size_t i = 0; i < n; i++)
			if (pids[i] == pid) {
				printf("%s\n", line);
				break;
			}
	}
	return 0;
}

int hull_cmd_ps(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { 0 } };
	_cleanup_container_ struct hull_container c = { .dirfd = -1 };
	bool json = false;
	int ch;
	while ((ch = hull_getopt(argc, argv, "ps", "f:", opts, err)) != -1) {
		if (ch != 'f')
			return 1;
		if (strcmp(optarg, "json") && strcmp(optarg, "table"))
			return hull_errf(err, EINVAL, "ps: --format must be table or json, not \"%s\"", optarg), 1;
		json = !strcmp(optarg, "json");
	}
	if (hull_operands(argc, argv, "ps", "ID [PS OPTIONS...]", 1, -1, err) < 0 ||
	    hull_container_open(g->root, argv[optind], false, &c, err) < 0)
		return 1;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	if (hull_container_pids(&c, &pids, &n, err) < 0)
		return 1;
	if (json) {
		_cleanup_free_ char *s = hull_pids_json(pids, n);
		printf("%s\n", s ? s : "[]");
		return 0;
	}
	_cleanup_free_ char *out = NULL;
	int st = run_ps(argv + optind + 1, argc - optind - 1, &out, err);
	if (st < 0)
		return 1;
	if (st) {
		one_line(out);
		return hull_errf(err, EINVAL, "ps: exit status %d: %s", st, HULL_Q(out)), 1;
	}
	return print_filtered(out, pids, n, err) < 0 ? 1 : 0;
}
