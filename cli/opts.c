#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/util.h"
#include "cli.h"

int hull_getopt(int argc, char **argv, const char *cmd, const char *shortopts,
		const struct option *longopts, struct hull_err *err)
{
	/* '+': options end at the first operand (the ID), as runc has them;
	 * ':': we report missing arguments ourselves. */
	char spec[64];
	snprintf(spec, sizeof(spec), "+:%s", shortopts);
	opterr = 0;
	int idx = 0;
	int c = getopt_long_only(argc, argv, spec, longopts, &idx);
	if (c == '?') {
		const char *bad = argv[optind - 1];
		if (optopt && !(optopt >= 256))
			hull_errf(err, EINVAL, "%s: unknown option -%c", cmd, optopt);
		else
			hull_errf(err, EINVAL, "%s: unknown option %s", cmd, bad);
	} else if (c == ':') {
		hull_errf(err, EINVAL, "%s: option %s needs a value", cmd, argv[optind - 1]);
		c = '?';
	}
	return c;
}

int hull_operands(int argc, char **argv, const char *cmd, const char *names, int want_min,
		  int want_max, struct hull_err *err)
{
	int have = argc - optind;
	if (have < want_min)
		return hull_errf(err, EINVAL, "%s: missing %s (usage: hull %s [OPTIONS] %s)", cmd,
				 want_min == 1 ? "container ID" : "arguments", cmd, names);
	if (want_max >= 0 && have > want_max)
		return hull_errf(err, EINVAL, "%s: unexpected argument \"%s\" (options go before the ID)",
				 cmd, argv[optind + want_max]);
	(void)argv;
	return 0;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "BUS", SIGBUS }, { "CHLD", SIGCHLD },
	{ "CLD", SIGCHLD }, { "CONT", SIGCONT }, { "FPE", SIGFPE }, { "HUP", SIGHUP },
	{ "ILL", SIGILL }, { "INT", SIGINT }, { "IO", SIGIO }, { "IOT", SIGIOT },
	{ "KILL", SIGKILL }, { "PIPE", SIGPIPE }, { "POLL", SIGPOLL }, { "PROF", SIGPROF },
	{ "PWR", SIGPWR }, { "QUIT", SIGQUIT }, { "SEGV", SIGSEGV }, { "STKFLT", SIGSTKFLT },
	{ "STOP", SIGSTOP }, { "SYS", SIGSYS }, { "TERM", SIGTERM }, { "TRAP", SIGTRAP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "VTALRM", SIGVTALRM }, { "WINCH", SIGWINCH },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
};

int hull_parse_signal(const char *s, int *sig)
{
	int64_t n;
	if (hull_parse_i64(s, &n) == 0) {
		if (n <= 0 || n >= NSIG)
			return -EINVAL;
		*sig = (int)n;
		return 0;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (!strcasecmp(s, signals[i].name)) {
			*sig = signals[i].sig;
			return 0;
		}
	}
	/* RTMIN, RTMIN+N, RTMAX, RTMAX-N */
	int base, dir;
	if (!strncasecmp(s, "RTMIN", 5)) {
		base = SIGRTMIN;
		dir = 1;
	} else if (!strncasecmp(s, "RTMAX", 5)) {
		base = SIGRTMAX;
		dir = -1;
	} else {
		return -EINVAL;
	}
	s += 5;
	if (!*s) {
		*sig = base;
		return 0;
	}
	if ((dir > 0 && *s != '+') || (dir < 0 && *s != '-') || hull_parse_i64(s + 1, &n) < 0)
		return -EINVAL;
	n = base + dir * n;
	if (n < SIGRTMIN || n > SIGRTMAX)
		return -EINVAL;
	*sig = (int)n;
	return 0;
}
