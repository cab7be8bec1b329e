/* The attacks suite (attacks.c): /proc swapped under hull while it masks
 * it. */
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

/* 4. A rootfs shared by containers whose /proc a host process swaps in a
 * loop while 200 containers start one after the other. Each container looks
 * at every procfs it can reach (the mount points of type proc in its mount
 * table, and /proc*), from inside it (cd, so that a rename cannot move it
 * away meanwhile): timer_list must read as empty (a bind of /dev/null) and
 * sys must refuse a write (it writes its own domainname, harmless in its own
 * UTS namespace). A start may also fail with one line (hull refusing a /proc
 * that is a symlink). */
static const char proc_check_sh[] =
	"n=0; bad=; mi=\n"
	"for d in /proc /proc.*; do [ -r \"$d/self/mountinfo\" ] && { mi=$d/self/mountinfo; break; }; done\n"
	"pts=; [ -n \"$mi\" ] && pts=$(awk '{for(i=7;i<=NF;i++) if($i==\"-\"){if($(i+1)==\"proc\") print $5; break}}'"
	" \"$mi\")\n"
	"check() {\n"
	"  cd \"$1\" 2>/dev/null || return 0\n"
	"  [ -e self/stat ] || { cd /; return 0; }\n"
	"  n=$((n+1))\n"
	"  c=$(head -c 8 timer_list 2>/dev/null | wc -c)\n"
	"  [ \"$c\" -gt 0 ] && bad=\"$bad timer_list@$1\"\n"
	"  { echo ht > sys/kernel/domainname; } 2>/dev/null && bad=\"$bad sys@$1\"\n"
	"  cd /\n"
	"}\n"
	"for m in $pts /proc /proc.*; do check \"$m\"; done\n"
	"if [ -n \"$bad\" ]; then echo \"UNMASKED views=$n:$bad\"; elif [ $n -eq 0 ]; then echo noproc;"
	" else echo \"masked views=$n\"; fi\n";

enum swap_kind { SWAP_SYMLINK, SWAP_FRESH_DIR };

/* The host's writer: until stop is readable (or 60 s), swaps rootfs/proc.
 * SYMLINK: proc -> proc.real, then a symlink proc to proc.real or to the
 * empty proc.alt, then back. FRESH_DIR: proc -> proc.away, a new empty dir
 * proc, then that one to proc.oldN (N cycling through 16) and proc.away
 * back. Each cycle ends with
 * the real proc in place. What it did goes to *report (a memfd). */
struct swap_report {
	unsigned long cycles, made;	/* made: hull created proc while it was away */
	int step, err;		/* the step that failed and its errno; 0 if none */
};

/* Waits a random 0 to ns nanoseconds for stop; true if it came. */
static bool hold(int stop, long ns, unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	struct timespec ts = { .tv_nsec = ns > 0 ? (long)((*seed >> 8) % (unsigned long)ns) : 0 };
	struct pollfd p = { .fd = stop, .events = POLLIN };
	return ppoll(&p, 1, &ts, NULL) != 0;
}

static pid_t start_swapper(const char *rootfs, enum swap_kind kind, int *stop_w, int *report)
{
	int stop[2];
	ck_assert_int_eq(pipe2(stop, O_CLOEXEC), 0);
	*report = memfd_create("ht-swaps", MFD_CLOEXEC);
	ck_assert_int_ge(*report, 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(stop[1]);
		struct swap_report rep = { 0 };
		int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		double end = atk_now_s() + 60;
		unsigned seed = (unsigned)getpid();
		const long hold_normal = 1000000, hold_swapped = 1000000;	/* ns */
		for (; root >= 0 && !rep.step; rep.cycles++) {
			if (hold(stop[0], hold_normal, &seed) || ((rep.cycles & 255) == 0 && atk_now_s() > end))
				break;
			/* EEXIST: hull made a dir proc meanwhile; the rename back replaces it. */
			if (kind == SWAP_SYMLINK) {
				if (renameat(root, "proc", root, "proc.real") < 0)
					rep.step = 1;
				else if (symlinkat(rep.cycles & 1 ? "proc.alt" : "proc.real", root, "proc") == 0) {
					hold(stop[0], hold_swapped, &seed);
					if (unlinkat(root, "proc", 0) < 0)
						rep.step = 3;
				} else if (errno == EEXIST) {
					rep.made++;
				} else {
					rep.step = 2;
				}
				if (!rep.step && renameat(root, "proc.real", root, "proc") < 0)
					rep.step = 4;
			} else {
				if (renameat(root, "proc", root, "proc.away") < 0)
					rep.step = 1;
				else if (mkdirat(root, "proc", 0555) < 0 && errno != EEXIST)
					rep.step = 2;
				if (!rep.step) {
					/* Kept a while, not replaced at once: a dir that
					 * is gone takes the container's mounts on it along. */
					char old[32];
					snprintf(old, sizeof(old), "proc.old%lu", rep.cycles % 16);
					hold(stop[0], hold_swapped, &seed);
					if (renameat(root, "proc", root, old) < 0)
						rep.step = 3;
				}
				if (!rep.step && renameat(root, "proc.away", root, "proc") < 0)
					rep.step = 4;
			}
			if (rep.step)
				rep.err = errno;
		}
		if (root < 0)
			rep.step = -1;
		_exit(pwrite(*report, &rep, sizeof(rep), 0) == (ssize_t)sizeof(rep) ? 0 : 4);
	}
	close(stop[0]);
	*stop_w = stop[1];
	return pid;
}

static void proc_swap(enum swap_kind kind)
{
	struct ht t;
	struct ht_result r;
	char path[4300], l[256];
	char unmasked[2048] = "", odd[2048] = "", refused[512] = "";
	unsigned n_masked = 0, n_unmasked = 0, n_noproc = 0, n_refused = 0, n_odd = 0, attempts = 0;
	double t0 = atk_now_s();
	ht_begin(&t, true);
	char *host_tl = ht_read("/proc/timer_list");
	ck_assert_msg(host_tl && *host_tl, "this kernel has no /proc/timer_list to mask");
	free(host_tl);
	snprintf(path, sizeof(path), "%s/proc.alt", t.rootfs);
	ck_assert_int_eq(mkdir(path, 0555), 0);
	ht_sh(&t, proc_check_sh);
	ht_write_config(&t);
	int stop, report;
	pid_t writer = start_swapper(t.rootfs, kind, &stop, &report);
	for (unsigned i = 0; i < 200; i++) {
		char id[96];
		snprintf(id, sizeof(id), "%s-%u", t.id, i);
		ht_hull(&t, &r, NULL, "run", "--bundle", t.bundle, id, NULL);
		attempts++;
		const char *nl = strchr(r.out, '\n');
		if (r.status == 0 && !strncmp(r.out, "masked views=", 13) && nl && !nl[1]) {
			n_masked++;
		} else if (strstr(r.out, "UNMASKED")) {
			if (n_unmasked++ < 8)
				atk_appendf(unmasked, sizeof(unmasked), "  start %u: %s\n", i, atk_line1(r.out, l, sizeof(l)));
		} else if (r.status == 0 && !strcmp(r.out, "noproc\n")) {
			n_noproc++;
		} else if (atk_clean_error(&r) && !*r.out) {
			if (!n_refused++)
				atk_appendf(refused, sizeof(refused), "%s", atk_line1(r.err, l, sizeof(l)));
		} else {
			if (n_odd++ < 8)
				atk_appendf(odd, sizeof(odd), "  start %u: exit %d, stdout \"%s\", stderr \"%s\"\n", i,
					r.status, r.out, r.err);
		}
		ht_result_free(&r);
	}
	close(stop);
	int st;
	ck_assert_int_eq(waitpid(writer, &st, 0), writer);
	struct swap_report rep = { 0 };
	bool reported = pread(report, &rep, sizeof(rep), 0) == (ssize_t)sizeof(rep);
	close(report);
	unsigned long cycles = rep.cycles;
	snprintf(path, sizeof(path), "%s-*", t.id);
	bool cgroups_left = ht_cgroup_exists(path);
	fprintf(stderr, "attacks: proc_swap %s: %u starts, %u masked, %u UNMASKED, %u noproc, %u refused (%s), "
		"%u odd; %lu swaps; %.1f s\n%s%s", kind == SWAP_SYMLINK ? "symlink" : "fresh-dir", attempts,
		n_masked, n_unmasked, n_noproc, n_refused, refused, n_odd, cycles, atk_now_s() - t0, unmasked, odd);
	ht_finish(&t);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0 && reported && rep.step == 0,
		      "the swapper failed: status %d, step %d: %s", st, rep.step, strerror(rep.err));
	ck_assert_msg(n_unmasked == 0 && n_odd == 0,
		      "/proc swapped during start: %u of %u containers saw an unmasked procfs:\n%s"
		      "%u unexpected results:\n%s", n_unmasked, attempts, unmasked, n_odd, odd);
	ck_assert_msg(!cgroups_left, "cgroups %s left", path);
	/* Not vacuous: the swaps raced the starts, and containers did look. */
	ck_assert_msg(cycles >= attempts && n_masked >= 10,
		      "%lu swaps, %u containers checked their procfs of %u starts", cycles, n_masked, attempts);
}

START_TEST(proc_swap_symlink)
{
	proc_swap(SWAP_SYMLINK);
}
END_TEST

START_TEST(proc_swap_fresh_dir)
{
	proc_swap(SWAP_FRESH_DIR);
}
END_TEST
HULL_TESTS(attacks_proc)
{
	tcase_add_test(tc, proc_swap_symlink);
	tcase_add_test(tc, proc_swap_fresh_dir);
}
