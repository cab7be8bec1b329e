/* Pure pieces of runtime/: signal names, container IDs, util parsing. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../base/util.h"
#include "../../cli/cli.h"
#include "../../runtime/state.h"
#include "../lib/hull-test.h"

static const struct { const char *s; int sig; } good_signals[] = {
	{ "KILL", SIGKILL }, { "SIGKILL", SIGKILL }, { "9", SIGKILL }, { "term", SIGTERM },
	{ "SIGUSR1", SIGUSR1 }, { "HUP", SIGHUP }, { "WINCH", SIGWINCH }, { "sigchld", SIGCHLD },
	{ "RTMIN", 34 }, { "RTMIN+3", 37 }, { "RTMAX", 64 }, { "RTMAX-1", 63 }, { "64", 64 },
};

START_TEST(signal_good)
{
	int sig = -1;
	ck_assert_int_eq(hull_parse_signal(good_signals[_i].s, &sig), 0);
	ck_assert_int_eq(sig, good_signals[_i].sig);
}
END_TEST

static const char *bad_signals[] = { "", "0", "65", "-1", "SIG", "NOPE", "RTMIN+31", "RTMIN-1",
				     "RTMAX+1", "9x", "SIGSIGKILL" };

START_TEST(signal_bad)
{
	int sig = -1;
	ck_assert_int_eq(hull_parse_signal(bad_signals[_i], &sig), -EINVAL);
	ck_assert_int_eq(sig, -1);
}
END_TEST

static const struct { const char *id, *err; } ids[] = {
	{ "a", NULL }, { "A9_+.-x", NULL }, { "0", NULL },
	{ "", "container ID: must not be empty" },
	{ "-a", "container ID \"-a\": must match [A-Za-z0-9][A-Za-z0-9_+.-]*" },
	{ "a/b", "container ID \"a/b\": must match [A-Za-z0-9][A-Za-z0-9_+.-]*" },
	{ "..", "container ID \"..\": must match [A-Za-z0-9][A-Za-z0-9_+.-]*" },
	{ "a\nb", "container ID \"a\nb\": must match [A-Za-z0-9][A-Za-z0-9_+.-]*" },
};

START_TEST(container_ids)
{
	struct hull_err err = {0};
	int r = hull_id_validate(ids[_i].id, &err);
	if (!ids[_i].err) {
		ck_assert_int_eq(r, 0);
		return;
	}
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_str_eq(err.msg, ids[_i].err);
}
END_TEST

START_TEST(container_id_length)
{
	/* An ID names a directory: NAME_MAX bytes at most. */
	char id[258];
	struct hull_err err = {0};
	memset(id, 'x', sizeof(id));
	id[255] = 0;
	ck_assert_int_eq(hull_id_validate(id, &err), 0);
	id[255] = 'x';
	id[256] = 0;
	ck_assert_int_eq(hull_id_validate(id, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "container ID: longer than 255 characters");
}
END_TEST

START_TEST(parse_integers)
{
	int64_t i;
	uint64_t u;
	ck_assert_int_eq(hull_parse_i64("-12", &i), 0);
	ck_assert_int_eq(i, -12);
	ck_assert_int_eq(hull_parse_u64("18446744073709551615", &u), 0);
	ck_assert(u == UINT64_MAX);
	ck_assert_int_lt(hull_parse_u64("18446744073709551616", &u), 0);
	ck_assert_int_lt(hull_parse_u64("-1", &u), 0);
	ck_assert_int_lt(hull_parse_i64("", &i), 0);
	ck_assert_int_lt(hull_parse_i64("1 ", &i), 0);
	ck_assert_int_lt(hull_parse_i64("9223372036854775808", &i), 0);
}
END_TEST

/* Field 22 of /proc/self/stat, read independently. */
START_TEST(proc_start_time)
{
	FILE *f = fopen("/proc/self/stat", "re");
	char buf[1024];
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	char *p = strrchr(buf, ')') + 2;	/* field 3 */
	for (int field = 3; field < 22; field++)
		p = strchr(p, ' ') + 1;
	ck_assert(hull_proc_start_time(getpid()) == strtoull(p, NULL, 10));
	ck_assert(hull_proc_start_time(getpid()) != 0);
	ck_assert(hull_proc_start_time(0x3fffffff) == 0);
}
END_TEST

START_TEST(error_chain)
{
	struct hull_err err = {0};
	ck_assert_int_eq(hull_errf(&err, EINVAL, "inner: %s", "bad"), -EINVAL);
	/* A set message is never overwritten, only prefixed. */
	hull_errf(&err, ENOENT, "outer");
	hull_err_prefix(&err, "config.json");
	ck_assert_str_eq(err.msg, "config.json: inner: bad");
	ck_assert_int_eq(err.code, -EINVAL);
	hull_err_clear(&err);
	hull_syserr(&err, ENOENT, "%s", "/x");
	ck_assert_str_eq(err.msg, "/x: No such file or directory");
}
END_TEST

HULL_SUITE(runtime_cli, unit)
{
	Suite *s = suite_create("runtime_cli");
	TCase *tc = tcase_create("runtime_cli");
	tcase_add_loop_test(tc, signal_good, 0, sizeof(good_signals) / sizeof(good_signals[0]));
	tcase_add_loop_test(tc, signal_bad, 0, sizeof(bad_signals) / sizeof(bad_signals[0]));
	tcase_add_loop_test(tc, container_ids, 0, sizeof(ids) / sizeof(ids[0]));
	tcase_add_test(tc, container_id_length);
	tcase_add_test(tc, parse_integers);
	tcase_add_test(tc, error_chain);
	tcase_add_test(tc, proc_start_time);
	suite_add_tcase(s, tc);
	return s;
}
