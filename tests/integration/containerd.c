/* containerd drives hull the way a Kubernetes node does: through
 * containerd-shim-runc-v2 (go-runc). Each tcase starts a private containerd
 * in a temp dir (an unchecked fixture, so once per tcase in the runner):
 * tcase "ctr" selects hull with `ctr run --runc-binary`, tcase "cri" with a
 * CRI runtime entry whose options say BinaryName, driven by a small CRI
 * client (python3-grpcio; Debian has no crictl). hull runs behind a wrapper
 * that logs each command line the shim runs with its exit code, and when it
 * fails what hull wrote to its --log: failed assertions quote that.
 * HULL_CONTAINERD_LOG=FILE keeps the command lines of a run (appended). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../lib/ht.h"

#define NS "hulltest"			/* the containerd namespace of tcase ctr */
#define CRI_CGROUP "/hulltest-cri"	/* the pod's cgroup parent */
#define CTR "/usr/bin/ctr"
#define CONTAINERD "/usr/bin/containerd"
#define PYTHON "/usr/bin/python3"

static struct {
	char dir[64];		/* /tmp/ht-ctd-XXXXXX: config, state, rootfs, logs */
	char sock[128];
	char wrap[128];		/* the hull wrapper: runc-binary / BinaryName */
	char runc_root[128];	/* --runc-root / options Root: hull's --root */
	char rootfs[128];	/* a copy of the fixture's: containers may write */
	char fifo[128];		/* ctr's --fifo-dir (default /run/containerd/fifo) */
	pid_t pid;		/* containerd */
	pid_t owner;		/* the runner process that started it */
} ctd;

static const char cri_client[] =
	"# A CRI client for the containerd suite, as kubelet would drive it: a pod\n"
	"# (host network, so no CNI) on the runtime handler \"hull\", whose runtime entry\n"
	"# has options BinaryName; one container in it prints a line, is exec'd into\n"
	"# (ExecSync) and exits. Protobuf by hand, so only python3-grpcio is needed.\n"
	"# argv: SOCKET CTR ROOTFS WORKDIR CGROUP_PARENT\n"
	"import grpc, hashlib, io, json, os, subprocess, sys, tarfile, time\n"
	"\n"
	"sock, ctr, rootfs, work, cgparent = sys.argv[1:6]\n"
	"IMAGE = \"hull.test/busybox:1\"\n"
	"chan = grpc.insecure_channel(\"unix://\" + sock)\n"
	"\n"
	"\n"
	"def varint(n):\n"
	"    n &= (1 << 64) - 1\n"
	"    out = b\"\"\n"
	"    while n > 0x7F:\n"
	"        out += bytes([n & 0x7F | 0x80])\n"
	"        n >>= 7\n"
	"    return out + bytes([n])\n"
	"\n"
	"\n"
	"def fld(num, val):\n"
	"    if isinstance(val, int):\n"
	"        return varint(num << 3) + varint(val)\n"
	"    if isinstance(val, str):\n"
	"        val = val.encode()\n"
	"    return varint(num << 3 | 2) + varint(len(val)) + val\n"
	"\n"
	"\n"
	"def readvar(buf, i):\n"
	"    n = s = 0\n"
	"    while True:\n"
	"        b = buf[i]\n"
	"        i += 1\n"
	"        n |= (b & 0x7F) << s\n"
	"        s += 7\n"
	"        if not b & 0x80:\n"
	"            return n, i\n"
	"\n"
	"\n"
	"def parse(buf):\n"
	"    out, i = {}, 0\n"
	"    while i < len(buf):\n"
	"        key, i = readvar(buf, i)\n"
	"        if key & 7 == 0:\n"
	"            v, i = readvar(buf, i)\n"
	"        elif key & 7 == 2:\n"
	"            n, i = readvar(buf, i)\n"
	"            v, i = buf[i:i + n], i + n\n"
	"        else:\n"
	"            i += 8 if key & 7 == 1 else 4\n"
	"            continue\n"
	"        out.setdefault(key >> 3, []).append(v)\n"
	"    return out\n"
	"\n"
	"\n"
	"def call(method, req, timeout=20):\n"
	"    return parse(chan.unary_unary(\"/runtime.v1.RuntimeService/\" + method)(req, timeout=timeout))\n"
	"\n"
	"\n"
	"def build_image(path):\n"
	"    \"\"\"One uncompressed layer: the busybox part of the rootfs.\"\"\"\n"
	"    layer = io.BytesIO()\n"
	"    with tarfile.open(fileobj=layer, mode=\"w\") as t:\n"
	"        for top in (\"bin\", \"sbin\", \"usr\", \"etc\", \"proc\", \"sys\", \"dev\", \"tmp\", \"root\", \"mnt\", \"var\"):\n"
	"            if os.path.lexists(os.path.join(rootfs, top)):\n"
	"                t.add(os.path.join(rootfs, top), arcname=top,\n"
	"                      filter=lambda ti: None if ti.name == \"usr/bin/iperf3\" else ti)\n"
	"    blobs = {}\n"
	"\n"
	"    def blob(data):\n"
	"        d = \"sha256:\" + hashlib.sha256(data).hexdigest()\n"
	"        blobs[d] = data\n"
	"        return {\"digest\": d, \"size\": len(data)}\n"
	"\n"
	"    lay = blob(layer.getvalue())\n"
	"    cfg = blob(json.dumps({\n"
	"        \"architecture\": \"amd64\", \"os\": \"linux\",\n"
	"        \"config\": {\"Env\": [\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"], \"Cmd\": [\"/bin/sleep\", \"3600\"]},\n"
	"        \"rootfs\": {\"type\": \"layers\", \"diff_ids\": [lay[\"digest\"]]}}).encode())\n"
	"    man = blob(json.dumps({\n"
	"        \"schemaVersion\": 2, \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
	"        \"config\": dict(cfg, mediaType=\"application/vnd.oci.image.config.v1+json\"),\n"
	"        \"layers\": [dict(lay, mediaType=\"application/vnd.oci.image.layer.v1.tar\")]}).encode())\n"
	"    index = json.dumps({\"schemaVersion\": 2, \"manifests\": [dict(\n"
	"        man, mediaType=\"application/vnd.oci.image.manifest.v1+json\",\n"
	"        annotations={\"io.containerd.image.name\": IMAGE,\n"
	"                     \"org.opencontainers.image.ref.name\": \"1\"})]}).encode()\n"
	"    with tarfile.open(path, \"w\") as t:\n"
	"        for name, data in [(\"oci-layout\", b'{\"imageLayoutVersion\":\"1.0.0\"}'),\n"
	"                           (\"index.json\", index)] + \\\n"
	"                [(\"blobs/sha256/\" + d[7:], v) for d, v in blobs.items()]:\n"
	"            ti = tarfile.TarInfo(name)\n"
	"            ti.size = len(data)\n"
	"            t.addfile(ti, io.BytesIO(data))\n"
	"\n"
	"\n"
	"def status(cid):\n"
	"    st = parse(call(\"ContainerStatus\", fld(1, cid))[1][0])\n"
	"    code = st.get(7, [0])[0]\n"
	"    return st.get(3, [0])[0], code - (1 << 32) if code >= 1 << 31 else code\n"
	"\n"
	"\n"
	"def wait_state(cid, want, secs):\n"
	"    end = time.time() + secs\n"
	"    while True:\n"
	"        state, code = status(cid)\n"
	"        if state in want:\n"
	"            return state, code\n"
	"        if time.time() > end:\n"
	"            raise RuntimeError(\"container state %d after %d s, want %s\" % (state, secs, want))\n"
	"        time.sleep(0.02)\n"
	"\n"
	"\n"
	"def main():\n"
	"    failed = False\n"
	"    tar = os.path.join(work, \"image.tar\")\n"
	"    build_image(tar)\n"
	"    subprocess.run([ctr, \"--address\", sock, \"-n\", \"k8s.io\", \"images\", \"import\", tar],\n"
	"                   check=True, stdout=subprocess.DEVNULL)\n"
	"    logdir = os.path.join(work, \"podlogs\")\n"
	"    os.makedirs(logdir, exist_ok=True)\n"
	"    # Kubernetes leaves the hostname empty for a hostNetwork pod (no UTS namespace).\n"
	"    meta = fld(1, \"hullpod\") + fld(2, \"uid-%d\" % os.getpid()) + fld(3, \"hulltest\")\n"
	"    nsopt = fld(1, 2) + fld(2, 1)     # network NODE, pid CONTAINER, ipc POD\n"
	"    pcfg = fld(1, meta) + fld(3, logdir) + fld(8, fld(1, cgparent) + fld(2, fld(1, nsopt)))\n"
	"    step = \"RunPodSandbox\"\n"
	"    pod = call(step, fld(1, pcfg) + fld(2, \"hull\"), 60)[1][0].decode()\n"
	"    cid = None\n"
	"    try:\n"
	"        script = (\"echo cri ok; i=0; while [ ! -e /tmp/done ] && [ $i -lt 250 ]; do \"\n"
	"                  \"usleep 20000; i=$((i+1)); done; exit 6\")\n"
	"        ccfg = (fld(1, fld(1, \"c1\")) + fld(2, fld(1, IMAGE)) + fld(3, \"/bin/sh\") + fld(3, \"-c\")\n"
	"                + fld(3, script) + fld(11, \"c1.log\"))\n"
	"        step = \"CreateContainer\"\n"
	"        cid = call(step, fld(1, pod) + fld(2, ccfg) + fld(3, pcfg))[1][0].decode()\n"
	"        step = \"StartContainer\"\n"
	"        call(step, fld(1, cid))\n"
	"        step = \"ContainerStatus (running)\"\n"
	"        wait_state(cid, (1, 2), 10)\n"
	"        step = \"ExecSync\"\n"
	"        r = call(step, fld(1, cid) + fld(2, \"/bin/sh\") + fld(2, \"-c\")\n"
	"                 + fld(2, \"echo exec ok; touch /tmp/done; exit 2\") + fld(3, 10), 15)\n"
	"        code = r.get(3, [0])[0]\n"
	"        print(\"exec exit %d\" % (code - (1 << 32) if code >= 1 << 31 else code))\n"
	"        print(\"exec out \" + r.get(1, [b\"\"])[0].decode().rstrip(\"\\n\"))\n"
	"        print(\"exec err \" + r.get(2, [b\"\"])[0].decode().rstrip(\"\\n\"))\n"
	"        sys.stdout.flush()\n"
	"        step = \"ContainerStatus (exited)\"\n"
	"        print(\"exit %d\" % wait_state(cid, (2,), 10)[1])\n"
	"        # containerd copies the output to the log on its own time: the\n"
	"        # exit can be seen before the line is written (bounded wait).\n"
	"        step = \"container log\"\n"
	"        end = time.time() + 10\n"
	"        while True:\n"
	"            try:\n"
	"                with open(os.path.join(logdir, \"c1.log\")) as f:\n"
	"                    lines = f.read().splitlines()\n"
	"            except FileNotFoundError:\n"
	"                lines = []\n"
	"            if lines or time.time() > end:\n"
	"                break\n"
	"            time.sleep(0.02)\n"
	"        for line in lines:\n"
	"            print(\"log \" + line.split(\" \", 3)[-1])\n"
	"    except (grpc.RpcError, RuntimeError, OSError) as e:\n"
	"        print(\"%s: %s\" % (step, e.details() if isinstance(e, grpc.RpcError) else e),\n"
	"              file=sys.stderr)\n"
	"        failed = True\n"
	"    sys.stdout.flush()\n"
	"    for step, req in ([(\"RemoveContainer\", fld(1, cid))] if cid else []) + \\\n"
	"            [(\"StopPodSandbox\", fld(1, pod)), (\"RemovePodSandbox\", fld(1, pod))]:\n"
	"        try:\n"
	"            call(step, req)\n"
	"        except grpc.RpcError as e:\n"
	"            print(\"%s: %s\" % (step, e.details()), file=sys.stderr)\n"
	"            failed = True\n"
	"    return 1 if failed else 0\n"
	"\n"
	"\n"
	"try:\n"
	"    sys.exit(main())\n"
	"except (grpc.RpcError, subprocess.CalledProcessError, OSError) as e:\n"
	"    print(\"error: %s\" % (e.details() if isinstance(e, grpc.RpcError) else e), file=sys.stderr)\n"
	"    sys.exit(1)\n";

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };
	nanosleep(&ts, NULL);
}

/* Reads a whole fd (a memfd) into a string; "" when it cannot. */
static char *slurp(int fd)
{
	off_t len = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;
	char *buf = malloc(len > 0 ? len + 1 : 1);
	if (!buf)
		abort();
	if (len <= 0 || pread(fd, buf, len, 0) != len)
		len = 0;
	buf[len] = 0;
	return buf;
}

/* Waits for pid at most timeout s, then kills it: its status, 128+N for
 * signal N, -1 when it timed out. */
static int wait_bounded(pid_t pid, double timeout)
{
	double end = now() + timeout;
	int st;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (w < 0 && errno != EINTR)
			return -2;
		if (now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return -1;
		}
		pause_ms(5);
	}
}

/* Runs argv with stdin /dev/null, stdout and stderr into r (when not NULL).
 * Never asserts: cleanup paths use it too. */
static int spawn(char *const argv[], struct ht_result *r, double timeout)
{
	/* Files, not pipes: a detached container may keep its stdio open. */
	int out = memfd_create("ctd-out", MFD_CLOEXEC), err = memfd_create("ctd-err", MFD_CLOEXEC);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, 0);
		dup2(r && out >= 0 ? out : null, 1);
		dup2(r && err >= 0 ? err : null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	int status = pid < 0 ? -2 : wait_bounded(pid, timeout);
	if (r) {
		r->status = status;
		r->out = slurp(out);
		r->err = slurp(err);
	}
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	return status;
}

static void file_put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static size_t failures_seen;	/* the failures log's size when the test began */

/* The end of what the wrapper logged for hull calls that failed during the
 * test, short enough for a Check message. */
static const char *hull_failures(void)
{
	static char buf[1400];
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/hull-failures.log", ctd.dir);
	char *s = ht_read(path);
	size_t len = s ? strlen(s) : 0;
	if (len <= failures_seen) {
		free(s);
		return "(none)\n";
	}
	const char *from = s + failures_seen;
	if (len - failures_seen > sizeof(buf) - 8)
		from = s + len - (sizeof(buf) - 8);
	snprintf(buf, sizeof(buf), "%s%s", from > s + failures_seen ? "...\n" : "", from);
	free(s);
	return buf;
}

/* Marks where the failures of the test begin. */
static void failures_mark(void)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/hull-failures.log", ctd.dir);
	failures_seen = stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

#define assert_status(r, want) \
	ck_assert_msg((r)->status == (want), \
		      "exit %d, want %d\nstdout: %.600s\nstderr: %.800s\nhull calls that failed:\n%s", \
		      (r)->status, (want), (r)->out, (r)->err, hull_failures())

#define assert_out(r, want) \
	ck_assert_msg(!strcmp((r)->out, (want)), \
		      "stdout \"%.600s\", want \"%s\"\nstderr: %.800s\nhull calls that failed:\n%s", \
		      (r)->out, (want), (r)->err, hull_failures())

/* `ctr --address SOCK -n NS ARGS...` (NULL-terminated) into r, bounded. */
static int vctr(struct ht_result *r, double timeout, const char *ns, va_list ap)
{
	char *argv[64] = { CTR, "--address", ctd.sock, "-n", (char *)ns };
	size_t n = 5;
	for (const char *a; (a = va_arg(ap, const char *)) && n < 63;)
		argv[n++] = (char *)a;
	argv[n] = NULL;
	return spawn(argv, r, timeout);
}

static void ctr(struct ht_result *r, ...) __attribute__((sentinel));
static void ctr(struct ht_result *r, ...)
{
	va_list ap;
	va_start(ap, r);
	vctr(r, 30, NS, ap);
	va_end(ap);
}

/* ctr without output nor assertion, for cleanup. */
static int ctr_quiet(const char *a0, ...) __attribute__((sentinel));
static int ctr_quiet(const char *a0, ...)
{
	char *argv[32] = { CTR, "--address", ctd.sock, "-n", NS, (char *)a0 };
	size_t n = 6;
	va_list ap;
	va_start(ap, a0);
	for (const char *a; (a = va_arg(ap, const char *)) && n < 31;)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	return spawn(argv, NULL, 15);
}

/* The STATUS column of `ctr task ls` for id, "" when it has no task. */
static void task_status(const char *id, char *buf, size_t cap)
{
	struct ht_result r;
	*buf = 0;
	ctr(&r, "task", "ls", NULL);
	for (char *line = r.out, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char tid[128], st[32];
		int pid;
		if (sscanf(line, "%127s %d %31s", tid, &pid, st) == 3 && !strcmp(tid, id))
			snprintf(buf, cap, "%s %d", st, pid);
	}
	ht_result_free(&r);
}

/* Polls `ctr task ls` until id's task has status want (bounded); its pid. */
static int wait_task(const char *id, const char *want, double timeout)
{
	char st[64] = "";
	double end = now() + timeout;
	size_t wl = strlen(want);
	do {
		task_status(id, st, sizeof(st));
		if (!strncmp(st, want, wl) && st[wl] == ' ')
			return atoi(st + wl + 1);
		pause_ms(20);
	} while (now() < end);
	ck_abort_msg("task %s: status \"%s\" after %.0f s, want %s\nhull calls that failed:\n%s",
		     id, st, timeout, want, hull_failures());
	return 0;
}

/* Removes whatever is left of container id without relying on the runtime
 * behaving: resume, SIGKILL all, wait until stopped, delete task and
 * container. No assertion: it also runs at exit after a failed one. */
static void remove_container(const char *id)
{
	char st[64];
	ctr_quiet("task", "resume", id, NULL);
	ctr_quiet("task", "kill", "--all", "--signal", "KILL", id, NULL);
	double end = now() + 5;
	for (;;) {
		task_status(id, st, sizeof(st));
		if (!*st || !strncmp(st, "STOPPED", 7) || now() > end)
			break;
		pause_ms(20);
	}
	if (*st && ctr_quiet("task", "delete", id, NULL) != 0)
		ctr_quiet("task", "delete", "--force", id, NULL);
	ctr_quiet("container", "delete", id, NULL);
}

static char cur_id[64];		/* the test's container, removed at exit on failure */
static pid_t cur_owner;

static void test_at_exit(void)
{
	if (cur_id[0] && getpid() == cur_owner)
		remove_container(cur_id);
}

/* A container ID unique to this test process. */
static const char *test_id(const char *name)
{
	static bool registered;
	snprintf(cur_id, sizeof(cur_id), "ht%d-%s", getpid(), name);
	cur_owner = getpid();
	failures_mark();
	if (!registered) {
		atexit(test_at_exit);
		registered = true;
	}
	return cur_id;
}

/* The end of a passing test: its container is gone from containerd. */
static void test_done(const char *id)
{
	struct ht_result r;
	remove_container(id);
	ctr(&r, "container", "ls", "--quiet", NULL);
	ck_assert_msg(!strstr(r.out, id), "container %s left: %.600s", id, r.out);
	ht_result_free(&r);
	cur_id[0] = 0;
}

/* `ctr run` of the rootfs with hull as runc: opts (NULL-terminated) go
 * before the rootfs, then ID and /bin/sh -c script. */
static void ctr_run_argv(char **argv, const char *id, const char *const *opts, const char *script)
{
	size_t n = 0;
	const char *head[] = { CTR, "--address", ctd.sock, "-n", NS, "run", "--runc-binary",
			       ctd.wrap, "--runc-root", ctd.runc_root, "--fifo-dir", ctd.fifo, NULL };
	for (const char *const *a = head; *a; a++)
		argv[n++] = (char *)*a;
	argv[n++] = "--env";
	argv[n++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	for (; opts && *opts && n < 50; opts++)
		argv[n++] = (char *)*opts;
	argv[n++] = "--rootfs";
	argv[n++] = ctd.rootfs;
	argv[n++] = (char *)id;
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = (char *)script;
	argv[n] = NULL;
}

static void ctr_run(struct ht_result *r, const char *id, const char *const *opts,
		    const char *script)
{
	char *argv[64];
	ctr_run_argv(argv, id, opts, script);
	spawn(argv, r, 30);
}

/* In a container on a pty: waits (bounded) for the size ctr sets after the
 * start, prints tty and size. */
#define TTY_SCRIPT(code) \
	"tty; i=0; while [ $i -lt 250 ]; do s=$(stty size 2>/dev/null); [ -n \"$s\" ] && break; " \
	"i=$((i+1)); usleep 20000; done; echo \"size $s\"; exit " code

static void assert_tty_output(struct ht_result *r)
{
	const char *pts = strstr(r->out, "/dev/pts/");
	ck_assert_msg(pts && pts[9] >= '0' && pts[9] <= '9',
		      "no /dev/pts/N in \"%.600s\"\nhull calls that failed:\n%s", r->out, hull_failures());
	const char *size = strstr(r->out, "size 40 100");
	ck_assert_msg(size && (size[11] == '\r' || size[11] == '\n'),
		      "no \"size 40 100\" in \"%.600s\"\nhull calls that failed:\n%s", r->out,
		      hull_failures());
}

/* ---- the private containerd ---- */

/* Pids of the shims of our containerd: their -address is our socket. */
static size_t find_shims(pid_t *pids, size_t cap)
{
	size_t n = 0;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d)) && n < cap;) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300], buf[4096];
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = 0;
		if (!strstr(buf, "containerd-shim"))
			continue;
		for (char *a = buf; a < buf + len; a += strlen(a) + 1)
			if (!strcmp(a, "-address") && a + strlen(a) + 1 < buf + len &&
			    !strcmp(a + strlen(a) + 1, ctd.sock))
				pids[n++] = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

static bool gone(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	char *s = ht_read(path);
	bool dead = !s || strstr(s, "State:\tZ");
	free(s);
	return dead;
}

/* rmdir of a cgroup dir and the dirs under it (left parents, never files). */
static void rmdir_tree(const char *path)
{
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		char sub[PATH_MAX];
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rmdir_tree(sub);
	}
	if (d) {
		closedir(d);
		rmdir(path);
	}
}

static void remove_cgroups(const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", name);
	rmdir_tree(path);		/* cgroup v2 alone */
	DIR *d = opendir("/sys/fs/cgroup");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s", e->d_name, name);
		rmdir_tree(path);
	}
	if (d)
		closedir(d);
}

/* Unmounts everything under ctd.dir, deepest first. */
static void unmount_all(void)
{
	size_t dl = strlen(ctd.dir);
	for (int round = 0; round < 256; round++) {
		char *mi = ht_read("/proc/self/mountinfo"), best[PATH_MAX] = "";
		for (char *line = mi; line && *line;) {
			char *nl = strchr(line, '\n'), mp[PATH_MAX];
			if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 &&
			    !strncmp(mp, ctd.dir, dl) && mp[dl] == '/' && strlen(mp) > strlen(best))
				snprintf(best, sizeof(best), "%s", mp);
			line = nl ? nl + 1 : NULL;
		}
		free(mi);
		if (!*best || umount2(best, MNT_DETACH) != 0)
			break;
	}
}

/* containerd 1.6 puts the shims' sockets in /run/containerd/s, whatever
 * its config says; a shim that was killed leaves its socket there. Each
 * bundle left in our state dir names its shim's socket in the file address. */
static void remove_shim_sockets(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/state/io.containerd.runtime.v2.task", ctd.dir);
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char ns[600];
		snprintf(ns, sizeof(ns), "%s/%s", path, e->d_name);
		DIR *c = opendir(ns);
		for (struct dirent *f; c && (f = readdir(c));) {
			if (f->d_name[0] == '.')
				continue;
			char file[900];
			snprintf(file, sizeof(file), "%s/%s/address", ns, f->d_name);
			char *a = ht_read(file);
			const char *pre = "unix:///run/containerd/s/";
			if (a && !strncmp(a, pre, strlen(pre)) && !strchr(a + strlen(pre), '/'))
				unlink(a + strlen("unix://"));
			free(a);
		}
		if (c)
			closedir(c);
	}
	if (d)
		closedir(d);
	/* The dirs ctr and the shims made, when no system containerd uses them. */
	if (access("/run/containerd/containerd.sock", F_OK) != 0) {
		rmdir("/run/containerd/s");
		rmdir("/run/containerd/fifo");
		rmdir("/run/containerd");
	}
}

/* Stops our containerd, its shims and containers, removes the temp dir. */
static void ctd_stop(void)
{
	pid_t shims[64];
	size_t n_shims = ctd.dir[0] ? find_shims(shims, 64) : 0;
	if (ctd.pid > 0) {
		kill(ctd.pid, SIGTERM);
		if (wait_bounded(ctd.pid, 5) == -1)
			fprintf(stderr, "containerd suite: containerd %d ignored SIGTERM for 5 s\n",
				ctd.pid);
		ctd.pid = 0;
	}
	if (!ctd.dir[0])
		return;
	/* hull removes the containers the shims left: processes, state, cgroups. */
	const char *hull = getenv("HULL");
	DIR *d = hull ? opendir(ctd.runc_root) : NULL;
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char root[PATH_MAX];
		snprintf(root, sizeof(root), "%s/%s", ctd.runc_root, e->d_name);
		DIR *c = opendir(root);
		for (struct dirent *f; c && (f = readdir(c));) {
			if (f->d_name[0] == '.')
				continue;
			char *argv[] = { (char *)hull, "--root", root, "delete", "--force", f->d_name,
					 NULL };
			spawn(argv, NULL, 10);
		}
		if (c)
			closedir(c);
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < n_shims; i++)
		kill(shims[i], SIGKILL);
	double end = now() + 5;
	for (size_t i = 0; i < n_shims; i++)
		while (!gone(shims[i]) && now() < end)
			pause_ms(10);
	remove_shim_sockets();
	unmount_all();
	const char *keep = getenv("HULL_CONTAINERD_LOG");
	if (keep && *keep) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/hull-calls.log", ctd.dir);
		char *s = ht_read(path);
		FILE *f = s ? fopen(keep, "ae") : NULL;
		if (f) {
			fputs(s, f);
			fclose(f);
		}
		free(s);
	}
	char *argv[] = { "/bin/rm", "-rf", ctd.dir, NULL };
	spawn(argv, NULL, 30);
	remove_cgroups(NS);
	remove_cgroups(CRI_CGROUP + 1);
	memset(&ctd, 0, sizeof(ctd));
}

static void ctd_at_exit(void)
{
	if (ctd.owner == getpid())
		ctd_stop();
}

/* What a shim runs as runc: logs the call, runs hull, logs its exit code and
 * on failure what hull wrote to its --log meanwhile. */
static const char wrapper[] =
	"#!/bin/sh\n"
	"d=%s\n"
	"log=; prev=\n"
	"for a; do [ \"$prev\" = --log ] && log=$a; prev=$a; done\n"
	"size=0\n"
	"[ -n \"$log\" ] && [ -f \"$log\" ] && size=$(stat -c %%s \"$log\")\n"
	"%s \"$@\"\n"
	"rc=$?\n"
	"printf '%%d hull %%s\\n' $rc \"$*\" >> \"$d/hull-calls.log\"\n"
	"if [ $rc != 0 ]; then\n"
	"\t{ printf 'exit %%d: hull %%s\\n' $rc \"$*\"\n"
	"\t  [ -n \"$log\" ] && [ -f \"$log\" ] && tail -c +$((size + 1)) \"$log\"; } \\\n"
	"\t\t>> \"$d/hull-failures.log\"\n"
	"fi\n"
	"exit $rc\n";

static const char config_head[] =
	"version = 2\n"
	"root = \"%1$s/root\"\n"
	"state = \"%1$s/state\"\n"
	"disabled_plugins = [%2$s\"io.containerd.snapshotter.v1.aufs\", "
	"\"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.zfs\", "
	"\"io.containerd.snapshotter.v1.devmapper\"]\n"
	"[grpc]\n"
	"  address = \"%1$s/containerd.sock\"\n"
	"[ttrpc]\n"
	"  address = \"%1$s/containerd.sock.ttrpc\"\n"
	"[debug]\n"
	"  level = \"debug\"\n"
	"[plugins.\"io.containerd.internal.v1.opt\"]\n"
	"  path = \"%1$s/opt\"\n";

/* The form Kubernetes nodes use: a runtime entry of runtime_type runc.v2
 * whose options name hull as BinaryName. restrict_oom_score_adj: the CRI
 * gives a sandbox oomScoreAdj -998, and lowering it needs CAP_SYS_RESOURCE,
 * which this host's root may lack (runc fails the same way without it). */
static const char config_cri[] =
	"[plugins.\"io.containerd.grpc.v1.cri\"]\n"
	"  sandbox_image = \"hull.test/busybox:1\"\n"
	"  disable_apparmor = true\n"
	"  restrict_oom_score_adj = true\n"
	"  stream_server_address = \"127.0.0.1\"\n"
	"  stream_server_port = \"0\"\n"
	"  [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
	"    snapshotter = \"overlayfs\"\n"
	"    default_runtime_name = \"hull\"\n"
	"    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.hull]\n"
	"      runtime_type = \"io.containerd.runc.v2\"\n"
	"      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.hull.options]\n"
	"        BinaryName = \"%1$s\"\n"
	"        Root = \"%2$s\"\n"
	"  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
	"    bin_dir = \"%3$s/cni/bin\"\n"
	"    conf_dir = \"%3$s/cni/conf\"\n";

static bool socket_up(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path))
		return false;
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool up = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return up;
}

static void ctd_start(bool cri)
{
	static bool registered;
	const char *hull = getenv("HULL"), *fixture = getenv("HULL_FIXTURE");
	char path[PATH_MAX], text[8192];

	ctd_stop();	/* a setup that failed before leaves no teardown behind */
	ck_assert_msg(hull && fixture, "HULL and HULL_FIXTURE must be set (make check-containerd)");
	ck_assert_msg(access(CONTAINERD, X_OK) == 0 && access(CTR, X_OK) == 0,
		      "containerd and ctr missing: make deps installs Debian's containerd");
	ctd.owner = getpid();
	if (!registered) {
		atexit(ctd_at_exit);
		registered = true;
	}
	strcpy(ctd.dir, "/tmp/ht-ctd-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(ctd.dir));
	snprintf(ctd.sock, sizeof(ctd.sock), "%s/containerd.sock", ctd.dir);
	snprintf(ctd.wrap, sizeof(ctd.wrap), "%s/hull-wrap.sh", ctd.dir);
	snprintf(ctd.runc_root, sizeof(ctd.runc_root), "%s/runc", ctd.dir);
	snprintf(ctd.rootfs, sizeof(ctd.rootfs), "%s/rootfs", ctd.dir);
	snprintf(ctd.fifo, sizeof(ctd.fifo), "%s/fifo", ctd.dir);
	static const char *const subdirs[] = { "runc", "fifo", "cni", "cni/bin", "cni/conf" };
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", ctd.dir, subdirs[i]);
		ck_assert_int_eq(mkdir(path, 0700), 0);
	}
	/* The fixture's rootfs is shared and read-only for tests. */
	snprintf(path, sizeof(path), "%s/rootfs", fixture);
	char *cp[] = { "/bin/cp", "-a", path, ctd.rootfs, NULL };
	ck_assert_int_eq(spawn(cp, NULL, 30), 0);

	snprintf(text, sizeof(text), wrapper, ctd.dir, hull);
	file_put(ctd.wrap, text, 0755);
	int len = snprintf(text, sizeof(text), config_head, ctd.dir,
			   cri ? "" : "\"io.containerd.grpc.v1.cri\", ");
	if (cri)
		snprintf(text + len, sizeof(text) - len, config_cri, ctd.wrap, ctd.runc_root, ctd.dir);
	snprintf(path, sizeof(path), "%s/config.toml", ctd.dir);
	file_put(path, text, 0600);
	if (cri) {
		snprintf(path, sizeof(path), "%s/cri-client.py", ctd.dir);
		file_put(path, cri_client, 0644);
	}

	snprintf(path, sizeof(path), "%s/containerd.log", ctd.dir);
	int log = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(log, 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char conf[PATH_MAX];
		snprintf(conf, sizeof(conf), "%s/config.toml", ctd.dir);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, 0);
		dup2(log, 1);
		dup2(log, 2);
		setpgid(0, 0);
		execl(CONTAINERD, "containerd", "--config", conf, (char *)NULL);
		_exit(127);
	}
	close(log);
	ctd.pid = pid;
	double end = now() + 20;
	while (!socket_up(ctd.sock)) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			ctd.pid = 0;
			char *s = ht_read(path);
			ck_abort_msg("containerd exited at start:\n%.2000s", s ? s : "");
		}
		ck_assert_msg(now() < end, "containerd: no socket %s after 20 s", ctd.sock);
		pause_ms(10);
	}
}

static void setup_ctr(void)
{
	ctd_start(false);
}

static void setup_cri(void)
{
	ctd_start(true);
}

static void teardown(void)
{
	ctd_stop();
}

/* ---- tcase ctr: ctr run --runc-binary hull ---- */

/* a) ctr run --rm: output and exit code come back through the shim. */
START_TEST(run_rm_exit_code)
{
	struct ht_result r;
	const char *id = test_id("run");
	const char *const opts[] = { "--rm", NULL };
	ctr_run(&r, id, opts, "echo ok; exit 3");
	assert_status(&r, 3);
	assert_out(&r, "ok\n");
	ht_result_free(&r);
	test_done(id);
}
END_TEST

/* Starts a detached task that exits 0 on SIGTERM; returns its pid. */
static int run_detached(const char *id)
{
	struct ht_result r;
	const char *const opts[] = { "--detach", NULL };
	ctr_run(&r, id, opts, "trap 'exit 0' TERM; sleep 1000 & wait");
	assert_status(&r, 0);
	ht_result_free(&r);
	return wait_task(id, "RUNNING", 10);
}

/* b) ctr task exec: output and exit code of an exec'd process. */
START_TEST(task_exec)
{
	struct ht_result r;
	const char *id = test_id("exec");
	run_detached(id);
	ctr(&r, "task", "exec", "--fifo-dir", ctd.fifo, "--exec-id", "e1", id, "/bin/sh", "-c",
	    "echo two; exit 4", NULL);
	assert_status(&r, 4);
	assert_out(&r, "two\n");
	ht_result_free(&r);
	/* In the container's pid namespace, where pid 1 is its busybox sh; the
	 * exec ID can be used again once the first one is gone. */
	ctr(&r, "task", "exec", "--fifo-dir", ctd.fifo, "--exec-id", "e1", id, "/bin/sh", "-c",
	    "echo $(readlink /proc/1/exe) $$", NULL);
	assert_status(&r, 0);
	ck_assert_msg(!strncmp(r.out, "/bin/busybox ", 13) && atoi(r.out + 13) > 1,
		      "exec: \"%.600s\", want /bin/busybox and a pid > 1", r.out);
	ht_result_free(&r);
	wait_task(id, "RUNNING", 1);
	test_done(id);
}
END_TEST

/* b) ctr task ps lists the container's processes, pause and resume. */
START_TEST(task_ps_pause_resume)
{
	struct ht_result r;
	const char *id = test_id("pause");
	int pid = run_detached(id);
	ctr(&r, "task", "ps", id, NULL);
	assert_status(&r, 0);
	char want[32];
	snprintf(want, sizeof(want), "\n%d ", pid);
	ck_assert_msg(!strncmp(r.out, "PID", 3) && strstr(r.out, want),
		      "task ps: no init pid %d in \"%.600s\"", pid, r.out);
	size_t lines = 0;
	for (const char *p = r.out; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_msg(lines >= 3, "task ps: want the shell and its sleep in \"%.600s\"", r.out);
	ht_result_free(&r);

	ctr(&r, "task", "pause", id, NULL);
	assert_status(&r, 0);
	ht_result_free(&r);
	wait_task(id, "PAUSED", 5);
	char root[PATH_MAX];
	snprintf(root, sizeof(root), "%s/%s", ctd.runc_root, NS);
	char *state[] = { getenv("HULL"), "--root", root, "state", (char *)id, NULL };
	spawn(state, &r, 10);
	ck_assert_msg(strstr(r.out, "\"paused\""), "hull state after pause: %.600s%.600s", r.out, r.err);
	ht_result_free(&r);

	ctr(&r, "task", "resume", id, NULL);
	assert_status(&r, 0);
	ht_result_free(&r);
	wait_task(id, "RUNNING", 5);
	spawn(state, &r, 10);
	ck_assert_msg(strstr(r.out, "\"running\""), "hull state after resume: %.600s%.600s", r.out, r.err);
	ht_result_free(&r);
	test_done(id);
}
END_TEST

/* b) ctr task kill (SIGTERM), task delete, container delete. */
START_TEST(task_kill_delete)
{
	struct ht_result r;
	const char *id = test_id("kill");
	run_detached(id);
	ctr(&r, "task", "kill", id, NULL);
	assert_status(&r, 0);
	ht_result_free(&r);
	wait_task(id, "STOPPED", 10);
	ctr(&r, "task", "delete", id, NULL);
	assert_status(&r, 0);
	/* ctr warns about a non-zero exit code: the trap made it 0 */
	ck_assert_msg(!strstr(r.err, "exit code"), "task delete: %.800s", r.err);
	ht_result_free(&r);
	char st[64];
	task_status(id, st, sizeof(st));
	ck_assert_msg(!*st, "task %s still listed: %s", id, st);
	ctr(&r, "container", "delete", id, NULL);
	assert_status(&r, 0);
	ht_result_free(&r);
	test_done(id);
}
END_TEST

/* b) a stopped task goes with `task delete --force` too: containerd then
 * kills all its processes first (the shim runs kill --all on a stopped
 * container, which runc accepts). */
START_TEST(task_delete_force_stopped)
{
	struct ht_result r;
	const char *id = test_id("delf");
	const char *const opts[] = { "--detach", NULL };
	ctr_run(&r, id, opts, "exit 5");
	assert_status(&r, 0);
	ht_result_free(&r);
	wait_task(id, "STOPPED", 10);
	ctr(&r, "task", "delete", "--force", id, NULL);
	assert_status(&r, 0);
	ck_assert_msg(strstr(r.err, "exit code 5"), "task delete: want exit code 5: %.800s", r.err);
	ht_result_free(&r);
	test_done(id);
}
END_TEST

/* c) ctr run -t: the container's stdio is a pty with ctr's window size. */
START_TEST(run_tty)
{
	struct ht_result r;
	const char *id = test_id("tty");
	const char *const opts[] = { "--rm", "--tty", NULL };
	char *argv[64];
	ctr_run_argv(argv, id, opts, TTY_SCRIPT("5"));
	ht_run_in_pty(argv, 40, 100, 30, &r);
	assert_status(&r, 5);
	assert_tty_output(&r);
	ht_result_free(&r);
	test_done(id);
}
END_TEST

/* c) ctr task exec -t: an exec'd process on its own pty. */
START_TEST(exec_tty)
{
	struct ht_result r;
	const char *id = test_id("exectty");
	run_detached(id);
	char *argv[] = { CTR, "--address", ctd.sock, "-n", NS, "task", "exec", "--tty", "--fifo-dir",
			 ctd.fifo, "--exec-id", "t1", (char *)id, "/bin/sh", "-c", TTY_SCRIPT("7"),
			 NULL };
	ht_run_in_pty(argv, 40, 100, 30, &r);
	assert_status(&r, 7);
	assert_tty_output(&r);
	ht_result_free(&r);
	test_done(id);
}
END_TEST

/* d) --memory-limit reaches the container's memory cgroup; a process that
 * goes past it is killed. */
START_TEST(memory_limit)
{
	struct ht_result r;
	const char *id = test_id("mem");
	const char *const opts[] = { "--rm", "--memory-limit", "33554432", "--mount",
				     "type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro:nosuid:noexec:nodev",
				     NULL };
	ctr_run(&r, id, opts,
		"if [ -f /sys/fs/cgroup/memory.max ]; then cat /sys/fs/cgroup/memory.max; "
		"else cat /sys/fs/cgroup/memory/memory.limit_in_bytes; fi");
	assert_status(&r, 0);
	assert_out(&r, "33554432\n");
	ht_result_free(&r);

	/* With swap the limit alone would not kill: memory.limit_in_bytes only. */
	char *swaps = ht_read("/proc/swaps");
	bool swap = swaps && strchr(swaps, '\n') && strchr(swaps, '\n')[1];
	free(swaps);
	if (!swap) {
		const char *const opts2[] = { "--rm", "--memory-limit", "33554432", NULL };
		ctr_run(&r, id, opts2, "dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; "
				       "echo dd $?");
		assert_status(&r, 0);
		assert_out(&r, "dd 137\n");
		ht_result_free(&r);
	}
	test_done(id);
}
END_TEST

/* ---- tcase cri: the runtime entry with options BinaryName ---- */

/* e) A pod and a container on runtime handler "hull", as kubelet makes
 * them: the container's output, exec and exit code, through the CRI. */
START_TEST(cri_binary_name)
{
	struct ht_result r;
	char script[PATH_MAX], path[PATH_MAX];
	failures_mark();
	ck_assert_msg(access(PYTHON, X_OK) == 0, "%s missing", PYTHON);
	snprintf(script, sizeof(script), "%s/cri-client.py", ctd.dir);
	char *argv[] = { PYTHON, script, ctd.sock, CTR, ctd.rootfs, ctd.dir, CRI_CGROUP, NULL };
	spawn(argv, &r, 100);
	ck_assert_msg(r.status == 0 &&
			      !strcmp(r.out, "exec exit 2\nexec out exec ok\nexec err \nexit 6\n"
					     "log cri ok\n"),
		      "CRI client: exit %d\nstdout: %.600s\nstderr: %.1000s\nhull calls that failed:\n%s",
		      r.status, r.out, r.err, hull_failures());
	ht_result_free(&r);
	/* hull ran them: the shim found it through BinaryName */
	snprintf(path, sizeof(path), "%s/hull-calls.log", ctd.dir);
	char *calls = ht_read(path);
	ck_assert_msg(calls && strstr(calls, "0 hull --root ") && strstr(calls, " create --bundle "),
		      "no hull create in the wrapper's log: %.1500s", calls ? calls : "(none)");
	free(calls);
}
END_TEST

HULL_SUITE(containerd, integration)
{
	Suite *s = suite_create("containerd");
	TCase *tc = tcase_create("ctr");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup_ctr, teardown);
	tcase_add_test(tc, run_rm_exit_code);
	tcase_add_test(tc, task_exec);
	tcase_add_test(tc, task_ps_pause_resume);
	tcase_add_test(tc, task_kill_delete);
	tcase_add_test(tc, task_delete_force_stopped);
	tcase_add_test(tc, run_tty);
	tcase_add_test(tc, exec_tty);
	tcase_add_test(tc, memory_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("cri");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup_cri, teardown);
	tcase_add_test(tc, cri_binary_name);
	suite_add_tcase(s, tc);
	return s;
}
