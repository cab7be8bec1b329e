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


def batch(b, rt, bundles, conc, tag, tick, others=None):
    """Runs the lifecycles; returns (total ms, [ms of container k]). With
    others (a list; concurrency 1 only), appends to it the CPU ms the rest
    of the machine used during each cycle."""
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
                m0, o0 = machine_busy_ms(), own_cpu_ms()
                t0 = time.perf_counter_ns()
                _, _, pid = b.create(rt, bundles[i], cid)
                b.cmd(rt, "start", cid)
                b.wait_exit(pid)
                b.cmd(rt, "delete", cid)
                ms = (time.perf_counter_ns() - t0) / 1e6
                if others is not None:
                    others.append(max(0.0, machine_busy_ms() - m0 - (own_cpu_ms() - o0)))
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


def explain(res, q, costs, others, traced):
    """The table of what grows at concurrency 1 and the sentence under it."""
    f, l = first_last(costs, q)
    of, ol = (sum(others[:q]) / sum(costs[:q]) * 100, sum(others[-q:]) / sum(costs[-q:]) * 100)
    ncpu = os.cpu_count()
    rows = [["cycle, the measured batch (ms)", f, l, l - f, ratio(l, f)],
             ["the machine's other work during a cycle (%% of one CPU, %d CPUs)" % ncpu, of, ol, ol - of, ""]]
    tf, tl = first_last([t["cycle"] for t in traced], q)
    rows.append(["cycle, the traced pass (ms)", tf, tl, tl - tf, ratio(tl, tf)])
    own = [sum(v for k, v in t.items() if k != "cycle" and " init:" not in k and not k.endswith(" outside"))
           for t in traced]
    sf, sl = first_last(own, q)
    rows.append(["  traced: hull's own steps, their sum", sf, sl, sl - sf, ratio(sl, sf)])
    steps = {}
    for k in traced[0]:
        if k != "cycle" and " init:" not in k:
            steps[k] = first_last([t.get(k, 0.0) for t in traced], q)
    hull_d = sum(sl - sf for k, (sf, sl) in steps.items() if not k.endswith(" outside"))
    out_d = sum(sl - sf for k, (sf, sl) in steps.items() if k.endswith(" outside"))
    top = sorted(steps.items(), key=lambda kv: -abs(kv[1][1] - kv[1][0]))[:6]
    for k, (sf, sl) in top:
        rows.append(["  traced: " + k, sf, sl, sl - sf, ratio(sl, sf)])
    big = top[0]
    verdict = ("flat within the bound" if ratio(l, f) <= 1.25 else
               "not flat, and not from hull's steps: they grew %.2f ms of the traced cycle's %.2f ms"
               % (hull_d, tl - tf) if abs(hull_d) < 0.5 * abs(tl - tf) or tl - tf <= 0 else
               "not flat, and hull's steps grew %.2f ms of the traced cycle's %.2f ms (most: %s)"
               % (hull_d, tl - tf, big[0]))
    res.table("hull at concurrency 1: the first %d cycles against the last %d (medians)" % (q, q),
              ["what", "first %d" % q, "last %d" % q, "last - first", "last/first"], rows,
              under=["Cycle cost last/first %.2f: %s; in the traced pass hull's own steps changed by %+.2f ms "
                     "and the time outside them (exec of hull, its startup and exit) by %+.2f ms, while the "
                     "rest of the machine used %.0f%% of a CPU in the first cycles and %.0f%% in the last."
                     % (ratio(l, f), verdict, hull_d, out_d, of, ol)])
    res.data["c1_others_ms"] = others
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

    others = []
    for c in concs:
        for rt in ORDER:
            total, costs = batch(b, rt, bundles, c, "s%d-" % c, tick, others if (rt, c) == ("hull", 1) else None)
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
        explain(res, q, out[("hull", 1)][1], others, traced)
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
