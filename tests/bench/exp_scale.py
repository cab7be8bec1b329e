"""Experiment 3: scale.

N containers of /bin/true, each created, started, waited for (its init,
this subreaper's child) and deleted, by C workers at once (C = 1 and 8).
Per runtime and C: the total wall time, and the cost of container k (its
four steps, wall clock) in the order the containers finished: it must
stay flat as k grows (nothing piles up in state dirs, cgroups, the
kernel). Runtimes alternate per C (A B C)."""
import threading
import time

from harness import ORDER, summary, ratio
import report


def batch(b, rt, bundles, conc, tag, tick):
    """Runs the lifecycles; returns (total ms, [ms of container k])."""
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
                t0 = time.perf_counter_ns()
                _, _, pid = b.create(rt, bundles[i], cid)
                b.cmd(rt, "start", cid)
                b.wait_exit(pid)
                b.cmd(rt, "delete", cid)
                ms = (time.perf_counter_ns() - t0) / 1e6
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


def run(b, counts, res, outdir):
    n, concs = counts["scale"], counts["concurrency"]
    bundles = [b.bundle(["/bin/true"], "scale-%d" % i) for i in range(n)]
    out = {}
    done = [0]
    total_runs = n * len(ORDER) * len(concs)

    def tick():
        done[0] += 1
        b.progress.step("%d containers per runtime and concurrency" % n, done[0], total_runs)

    for c in concs:
        for rt in ORDER:
            total, costs = batch(b, rt, bundles, c, "s%d-" % c, tick)
            out[(rt, c)] = (total, costs)
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
