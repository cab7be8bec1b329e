"""Experiment 3: scale.

N containers of /bin/true, each created, started, waited for (its init,
this subreaper's child) and deleted, by C workers at once (C = 1 and 8).
Per runtime and C: the total wall time, and the cost of container k (its
four steps, wall clock) in the order the containers finished: it must
stay flat as k grows (nothing piles up in state dirs, cgroups, the
kernel). Runtimes alternate per C (A B C).

At C = 1 each cycle also records the CPU time the rest of the machine
used meanwhile (/proc/stat's busy time less this process's and its
children's), and hull runs the N cycles once more with --debug: the step
times of create, start and delete, so growth from the first quarter to
the last is put on a step, on the time outside hull's steps, or on the
machine's other work."""
import os
import threading
import time

from harness import ORDER, summary, ratio
import report


def machine_busy_ms():
    """CPU time every CPU spent not idle since boot (/proc/stat), ms."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest is in user)
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
    return busy * 1000.0 / os.sysconf("SC_CLK_TCK")


def own_cpu_ms():
    """CPU time of this process and of its children it waited for, ms."""
    t = os.times()
    return (t.user + t.system + t.children_user + t.children_system) * 1000.0


def runnable():
    """Tasks runnable on the machine now (/proc/loadavg's 4th field), this
    one included."""
    with open("/proc/loadavg") as f:
        return int(f.read().split()[3].split("/")[0])


def cpu_stall_ms():
    """/proc/pressure/cpu "some" total: time at least one task waited for a
    CPU, ms; None without PSI."""
    try:
        with open("/proc/pressure/cpu") as f:
            return int(f.readline().split("total=")[1]) / 1000.0
    except (OSError, IndexError, ValueError):
        return None


class Machine:
    """What the rest of the machine did during one cycle."""

    def __init__(self):
        self.busy, self.own, self.stall, self.run = machine_busy_ms(), own_cpu_ms(), cpu_stall_ms(), runnable()

    def since(self, ms):
        """{others_ms, runnable, stall_pct} since __init__; ms: the cycle."""
        stall = cpu_stall_ms()
        return {"others_ms": max(0.0, machine_busy_ms() - self.busy - (own_cpu_ms() - self.own)),
                "runnable": (self.run + runnable()) / 2.0,
                "stall_pct": None if stall is None or self.stall is None else min(100.0, (stall - self.stall) / ms * 100)}


def batch(b, rt, bundles, conc, tag, tick, machine=None):
    """Runs the lifecycles; returns (total ms, [ms of container k]). With
    machine (a list; concurrency 1 only), appends to it what the rest of
    the machine did during each cycle (Machine.since)."""
    lock = threading.Lock()
    nxt = [0]
    costs = []
    errors = []

    def worker():
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(bundles) or errors:
                return
            cid = "%s%d" % (tag, i)
            try:
                m = Machine() if machine is not None else None
                t0 = time.perf_counter_ns()
                _, _, pid = b.create(rt, bundles[i], cid)
                b.cmd(rt, "start", cid)
                b.wait_exit(pid)
                b.cmd(rt, "delete", cid)
                ms = (time.perf_counter_ns() - t0) / 1e6
                if m:
                    machine.append(m.since(ms))
            except Exception as e:
                errors.append(e)
                return
            with lock:
                costs.append(ms)
                tick()

    t0 = time.perf_counter_ns()
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = (time.perf_counter_ns() - t0) / 1e6
    if errors:
        raise errors[0]
    return total, costs


def traced_pass(b, bundles, tick):
    """hull's lifecycles at concurrency 1 with --debug: one dict per cycle,
    {"cycle": wall ms, "COMMAND STEP": ms, "COMMAND outside": the
    command's wall ms less its own steps (exec, startup, exit)}."""
    out = []
    for i, bd in enumerate(bundles):
        cid = "st-%d" % i
        pidfile = os.path.join(b.tmp, "pid-traced")
        row = {}
        t0 = time.perf_counter_ns()
        for argv in (("create", "--bundle", bd, "--pid-file", pidfile, cid), ("start", cid), ("delete", cid)):
            ms, steps = b.traced(*argv)
            for k, v in steps.items():
                row["%s %s" % (argv[0], k)] = v
            row["%s outside" % argv[0]] = ms - sum(v for k, v in steps.items() if not k.startswith("init:"))
            if argv[0] == "create":
                with open(pidfile) as f:
                    pid = int(f.read())
                os.unlink(pidfile)
            elif argv[0] == "start":
                b.wait_exit(pid)
        row["cycle"] = (time.perf_counter_ns() - t0) / 1e6
        out.append(row)
        tick()
    return out


def first_last(v, q):
    return summary(v[:q])["median"], summary(v[-q:])["median"]


def step_growth(traced, q):
    """{traced quantity: (first median, last median)}: the cycle, hull's
    own steps summed, each step of the parent and each command's time
    outside its steps."""
    own = [sum(v for k, v in t.items() if k != "cycle" and " init:" not in k and not k.endswith(" outside"))
           for t in traced]
    out = {"cycle": first_last([t["cycle"] for t in traced], q), "hull's own steps, their sum": first_last(own, q)}
    for k in traced[0]:
        if k != "cycle" and " init:" not in k:
            out[k] = first_last([t.get(k, 0.0) for t in traced], q)
    return out


def verdict(r, g, n):
    """The sentence's first half: is the measured cycle flat, and whose is
    the growth (g: step_growth)."""
    (tf, tl), (sf, sl) = g["cycle"], g["hull's own steps, their sum"]
    if r <= 1.25:
        return "cycle cost last/first %.2f: flat within the bound" % r
    steps = {k: v for k, v in g.items() if k not in ("cycle", "hull's own steps, their sum")}
    top = max(steps, key=lambda k: steps[k][1] - steps[k][0])
    if ratio(sl, sf) > 1.25:
        return ("cycle cost last/first %.2f: not flat, and hull's own steps grow too (%.2f; most: %s %+.2f ms)"
                % (r, ratio(sl, sf), top, steps[top][1] - steps[top][0]))
    if ratio(tl, tf) <= 1.25:
        return ("cycle cost last/first %.2f: not flat, and not hull's: the same %d cycles traced right after "
                "run flat (%.2f) and hull's own steps change by %+.2f ms (%.2f)"
                % (r, n, ratio(tl, tf), sl - sf, ratio(sl, sf)))
    return ("cycle cost last/first %.2f: not flat, outside hull's steps: the traced cycle grows too (%.2f) while "
            "hull's own steps change by %+.2f ms; most: %s %+.2f ms"
            % (r, ratio(tl, tf), sl - sf, top, steps[top][1] - steps[top][0]))


def explain(res, q, costs, machine, traced):
    """The table of what grows at concurrency 1 and the sentence under it."""
    f, l = first_last(costs, q)
    others = [m["others_ms"] for m in machine]
    run_ = [m["runnable"] for m in machine]
    of, ol = sum(others[:q]) / sum(costs[:q]) * 100, sum(others[-q:]) / sum(costs[-q:]) * 100
    rf, rl = first_last(run_, q)
    rows = [["cycle, the measured batch (ms)", f, l, l - f, ratio(l, f)],
            ["the rest of the machine's CPU time per cycle (%% of one CPU; %d CPUs)" % os.cpu_count(),
             of, ol, ol - of, ""],
            ["tasks runnable on the machine (/proc/loadavg, each cycle's start and end)", rf, rl, rl - rf, ""]]
    stall = [m["stall_pct"] for m in machine]
    if None not in stall:
        pf, pl = first_last(stall, q)
        rows.append(["CPU pressure: % of the cycle some task waited for a CPU (/proc/pressure/cpu)",
                     pf, pl, pl - pf, ""])
    g = step_growth(traced, q)
    top = sorted((k for k in g if k not in ("cycle", "hull's own steps, their sum")),
                 key=lambda k: -abs(g[k][1] - g[k][0]))[:5]
    for k in ["cycle", "hull's own steps, their sum"] + top:
        rows.append(["traced pass: " + k, g[k][0], g[k][1], g[k][1] - g[k][0], ratio(g[k][1], g[k][0])])
    mid = summary(run_)["median"]
    busy = [c for c, x in zip(costs, run_) if x > mid]
    calm = [c for c, x in zip(costs, run_) if x <= mid]
    load = ("the machine: %.1f runnable tasks in the first cycles, %.1f in the last, the rest of it using %.0f%% "
            "and %.0f%% of a CPU; cycles with more runnable tasks than the median (%.1f) cost %s ms, the others "
            "%s ms (medians)" % (rf, rl, of, ol, mid, "%.2f" % summary(busy)["median"] if busy else "-",
                                 "%.2f" % summary(calm)["median"] if calm else "-"))
    res.table("hull at concurrency 1: the first %d cycles against the last %d (medians)" % (q, q),
              ["what", "first %d" % q, "last %d" % q, "last - first", "last/first"], rows,
              under=["%s; %s." % (verdict(ratio(l, f), g, len(costs)), load)])
    res.data["c1_machine"] = machine
    res.data["c1_traced"] = traced


def run(b, counts, res, outdir):
    n, concs = counts["scale"], counts["concurrency"]
    bundles = [b.bundle(["/bin/true"], "scale-%d" % i) for i in range(n)]
    out = {}
    done = [0]
    total_runs = n * len(ORDER) * len(concs) + n

    def tick():
        done[0] += 1
        b.progress.step("%d containers per runtime and concurrency" % n, done[0], total_runs)

    machine = []
    for c in concs:
        for rt in ORDER:
            total, costs = batch(b, rt, bundles, c, "s%d-" % c, tick,
                                 machine if (rt, c) == ("hull", 1) else None)
            out[(rt, c)] = (total, costs)
    traced = traced_pass(b, bundles, tick)
    rows = []
    q = max(1, n // 4)
    for c in concs:
        for rt in ORDER:
            total, costs = out[(rt, c)]
            first, last = summary(costs[:q])["median"], summary(costs[-q:])["median"]
            s = summary(costs)
            rows.append([c, rt, total / 1000, n / (total / 1000), s["median"], s["min"], s["max"],
                         first, last, ratio(last, first)])
    res.table("%d containers created, started, waited, deleted (/bin/true)" % n,
              ["concurrency", "runtime", "total s", "containers/s", "median ms", "min ms", "max ms",
               "first %d median" % q, "last %d median" % q, "last/first"], rows)
    rrows = []
    for c in concs:
        h, cr, rc = out[("hull", c)][0], out[("crun", c)][0], out[("runc", c)][0]
        rrows.append([c, ratio(h, cr), ratio(h, rc)])
        res.target("concurrency %d: hull total / crun total" % c, ratio(h, cr), "<=", 0.8)
    if 1 in concs:
        explain(res, q, out[("hull", 1)][1], machine, traced)
    res.table("Ratios of total times", ["concurrency", "hull/crun", "hull/runc"], rrows)
    for c in concs:
        total, costs = out[("hull", c)]
        first, last = summary(costs[:q])["median"], summary(costs[-q:])["median"]
        res.target("concurrency %d: hull flat, median of the last %d / of the first %d "
                   "(the bench's own bound)" % (c, q, q),
                   ratio(last, first), "<=", 1.25)
    res.data["ms"] = {"%s/c%d" % k: {"total": v[0], "per_container": v[1]} for k, v in out.items()}
    for c in concs:
        report.lines(res, outdir, "scale-c%d" % c,
                     "cost of container k, concurrency %d (create, start, wait, delete)" % c,
                     "k (order of completion)", "ms",
                     {rt: list(enumerate(out[(rt, c)][1], 1)) for rt in ORDER})
    report.bars(res, outdir, "scale-total", "total time for %d containers" % n, "s",
                ["concurrency %d" % c for c in concs],
                {rt: [out[(rt, c)][0] / 1000 for c in concs] for rt in ORDER})
