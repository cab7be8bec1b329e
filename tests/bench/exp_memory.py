"""Experiment 2: memory.

Peak RSS: ru_maxrss from wait4 of each command (the runtime process and
the children it waited for: for `create`, its helpers, not the container's
init, which it leaves running), rounds alternating between the runtimes.

Host-side cost of detached containers: per runtime, N containers of
`sleep` are created and started; then every process that did not exist
before, descends from the bench (a subreaper: anything a runtime leaves
running is reparented to it) and is in no container's cgroup is a process
the runtime left behind: its RSS counts, and so does the size of the
runtime's state dir (a tmpfs)."""
import os

from harness import ORDER, summary
import report


def procs():
    """{pid: starttime} of every process now."""
    out = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/stat" % p) as f:
                    out[int(p)] = f.read().rsplit(")", 1)[1].split()[19]
            except OSError:
                pass
    return out


def status(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split()[1]
    except OSError:
        pass
    return None


def descends_from(pid, ancestor):
    for _ in range(64):
        if pid == ancestor:
            return True
        pp = status(pid, "PPid")
        if not pp or pp == "0":
            return False
        pid = int(pp)
    return False


def tree_bytes(d):
    """(bytes allocated, bytes of content) of the files below d (a tmpfs)."""
    n = size = 0
    for root, dirs, files in os.walk(d):
        for x in dirs + files:
            try:
                st = os.lstat(os.path.join(root, x))
            except OSError:
                continue
            n += st.st_blocks * 512
            if x in files:
                size += st.st_size
    return n, size


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return "?"


def run(b, counts, res, outdir):
    rounds, n = counts["mem_rounds"], counts["detached"]
    bundles = {rt: b.bundle(["/bin/true"], "mem-" + rt) for rt in ORDER}
    ops = ("create", "start", "delete", "run")
    kib = {rt: {op: [] for op in ops} for rt in ORDER}
    total = rounds + n * len(ORDER)
    for i in range(rounds):
        for rt in ORDER:
            cid = "m%d" % i
            pidfile = os.path.join(b.tmp, "mem.pid")
            c = b.maxrss(rt, "create", "--bundle", bundles[rt], "--pid-file", pidfile, cid)
            with open(pidfile) as f:
                pid = int(f.read())
            s = b.maxrss(rt, "start", cid)
            b.wait_exit(pid)
            d = b.maxrss(rt, "delete", cid)
            r = b.maxrss(rt, "run", "--bundle", bundles[rt], "r%d" % i)
            for op, v in zip(ops, (c, s, d, r)):
                kib[rt][op].append(v)
        b.progress.step("peak RSS", i + 1, total)
    rows = []
    for op in ops:
        for rt in ORDER:
            s = summary(kib[rt][op])
            rows.append([op, rt, s["median"] / 1024, s["min"] / 1024, s["max"] / 1024])
    res.table("Peak RSS of the runtime's command (ru_maxrss of it and the children it waited for), "
              "MiB, %d rounds" % rounds, ["command", "runtime", "median", "min", "max"], rows)
    floor = b.maxrss_floor()
    res.notes.append("peak RSS through tests/bench/maxrss.c, a small static launcher: from a Python "
                     "child the kernel would report the interpreter's own resident size (a child's "
                     "ru_maxrss keeps its pre-exec high-water mark); the launcher alone shows %d KiB"
                     % floor)
    res.data["launcher_floor_kib"] = floor
    med = {rt: summary(kib[rt]["create"])["median"] / 1024 for rt in ORDER}
    res.target("create: hull peak RSS", med["hull"], "<=", 2.5, " MiB")
    res.target("create: hull peak RSS below crun's (%.2f MiB)" % med["crun"], med["hull"], "<", med["crun"], " MiB")
    res.data["maxrss_kib"] = kib

    # N detached containers per runtime.
    me = os.getpid()
    det = {}
    rows = []
    done = rounds
    for rt in ORDER:
        before = procs()
        ids = []
        for i in range(n):
            cid = "d%d" % i
            bd = b.bundle(["sleep", "3600"], "det-%s-%d" % (rt, i))
            _, _, pid = b.create(rt, bd, cid)
            b.cmd(rt, "start", cid)
            ids.append((cid, pid))
            done += 1
            b.progress.step("%d detached containers (%s)" % (n, rt), done, total)
        now = procs()
        new = [p for p, st in now.items() if before.get(p) != st]
        left, ctr_rss = [], 0
        for p in new:
            if not descends_from(p, me) or p == me:
                continue
            rss = int(status(p, "VmRSS") or 0)
            if b.in_container_cgroup(p):
                ctr_rss += rss
            elif status(p, "State") and not status(p, "State").startswith("Z"):
                left.append((p, comm(p), rss))
        # The bench's own commands (none now) would show up here too.
        state, content = tree_bytes(b.state[rt])
        det[rt] = {"left": [{"pid": p, "comm": c, "rss_kib": r} for p, c, r in left],
                   "left_rss_kib": sum(r for _, _, r in left), "state_bytes": state,
                   "state_content_bytes": content,
                   "container_rss_kib": ctr_rss, "containers": n}
        rows.append([rt, n, len(left), sum(r for _, _, r in left) / 1024, state / 1024,
                     content / n, ctr_rss / 1024])
        for cid, pid in ids:
            b.stop(rt, cid, pid)
    res.table("%d detached `sleep` containers per runtime: what the host holds beyond them"
              % n, ["runtime", "containers", "processes left", "their RSS MiB", "state dir KiB",
                    "state file bytes/container", "containers' own RSS MiB"], rows)
    for rt in ORDER:
        if det[rt]["left"]:
            res.notes.append("%s left: %s" % (rt, ", ".join("%s (pid %d, %d KiB)" % (x["comm"], x["pid"], x["rss_kib"])
                                                          for x in det[rt]["left"])))
        res.target("%s: processes left behind by %d detached containers" % (rt, n),
                   len(det[rt]["left"]), "<=", 0)
    res.data["detached"] = det
    report.boxplot(res, outdir, "memory-create", "peak RSS of create (ru_maxrss)", "MiB",
                   [(rt, summary([v / 1024 for v in kib[rt]["create"]])) for rt in ORDER])
    report.bars(res, outdir, "memory-commands", "peak RSS per command (medians)", "MiB", list(ops),
                {rt: [summary(kib[rt][op])["median"] / 1024 for op in ops] for rt in ORDER})
