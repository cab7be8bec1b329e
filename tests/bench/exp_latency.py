"""Experiment 1: start-to-exit latency of /bin/true.

Each round runs, in this order: `run` with hull, runc, crun; the floor
(`unshare -fmpiun chroot ROOTFS /bin/true`: the namespaces and the root,
no runtime); create, start, (the init's exit), delete with hull, runc,
crun, each command timed alone; then hull's `run` again with --debug
(its steps, logged to a file) and `hull --version` (one exec of hull).
Medians, min, max; ratios of medians; the traced runs give the median of
each step of `run` beside the floor (steps.py)."""
import os

from benchlib import FIXTURE
from harness import ORDER, summary, ratio
import report
import steps


def run(b, counts, res, outdir):
    rounds = counts["lat_rounds"]
    rootfs = os.path.join(FIXTURE, "rootfs")
    bundles = {rt: b.bundle(["/bin/true"], "lat-" + rt) for rt in ORDER}
    ops = ("run", "create", "start", "delete", "create+start+delete")
    t = {rt: {op: [] for op in ops} for rt in ORDER}
    t["floor"] = {"run": []}
    t["hull --debug"] = {"run": []}
    t["hull --version"] = {"run": []}
    traces = []
    floor = ["/usr/bin/unshare", "-fmpiun", "/usr/sbin/chroot", rootfs, "/bin/true"]
    for i in range(rounds):
        for rt in ORDER:
            ms, _ = b.cmd(rt, "run", "--bundle", bundles[rt], "r%d" % i)
            t[rt]["run"].append(ms)
        rc, ms, _, err = b.spawn(floor)
        if rc != 0:
            raise RuntimeError("floor: exit %d: %s" % (rc, err))
        t["floor"]["run"].append(ms)
        for rt in ORDER:
            cid = "c%d" % i
            c, _, pid = b.create(rt, bundles[rt], cid)
            s, _ = b.cmd(rt, "start", cid)
            b.wait_exit(pid)
            d, _ = b.cmd(rt, "delete", cid)
            for op, v in (("create", c), ("start", s), ("delete", d), ("create+start+delete", c + s + d)):
                t[rt][op].append(v)
        ms, trace = b.traced("run", "--bundle", bundles["hull"], "t%d" % i)
        t["hull --debug"]["run"].append(ms)
        traces.append(trace)
        rc, ms, _, err = b.spawn([b.paths["hull"], "--version"])
        if rc != 0:
            raise RuntimeError("hull --version: exit %d: %s" % (rc, err))
        t["hull --version"]["run"].append(ms)
        b.progress.step("run, create/start/delete, floor", i + 1, rounds)

    med = {rt: {op: summary(v)["median"] for op, v in ops_.items()} for rt, ops_ in t.items()}
    rows = []
    for op in ops:
        for rt in ORDER + ("floor", "hull --debug", "hull --version"):
            if op in t[rt]:
                s = summary(t[rt][op])
                rows.append([op, rt, s["median"], s["q1"], s["q3"], s["min"], s["max"], s["n"]])
    res.table("Latency of /bin/true, ms (wall clock, %d alternating rounds)" % rounds,
              ["operation", "runtime", "median", "q1", "q3", "min", "max", "runs"], rows)
    rrows = []
    for op in ops:
        h = med["hull"][op]
        rrows.append([op, ratio(h, med["crun"][op]), ratio(h, med["runc"][op]),
                      ratio(h, med["floor"]["run"]) if op == "run" else "-"])
    res.table("Ratios of medians", ["operation", "hull/crun", "hull/runc", "hull/floor"], rrows)
    res.target("run: hull/crun (median)", ratio(med["hull"]["run"], med["crun"]["run"]), "<=", 0.8)
    res.target("run: hull/floor (median)", ratio(med["hull"]["run"], med["floor"]["run"]), "<=", 1.5)
    res.notes.append("floor: `unshare -fmpiun chroot %s /bin/true` (the namespaces and a chroot, "
                     "no runtime, no cgroup)" % rootfs)
    step_med = steps.breakdown(
        res, "hull's run of /bin/true step by step (hull --debug, median of each step over %d rounds), "
        "beside the floor" % rounds, traces, t["hull --debug"]["run"], med["hull"]["run"],
        med["floor"]["run"], med["hull --version"]["run"])
    b.shared["latency"] = {"median_ms": {rt: med[rt]["run"] for rt in ORDER + ("floor",)},
                           "steps": step_med}
    res.data["ms"] = t
    res.data["steps_ms"] = traces
    res.data["median_ms"] = med
    boxes = [(rt, summary(t[rt]["run"])) for rt in ORDER + ("floor",)]
    report.boxplot(res, outdir, "latency-run", "run /bin/true: start to exit", "ms", boxes)
    report.bars(res, outdir, "latency-ops", "create, start, delete of /bin/true (medians)", "ms",
                ["create", "start", "delete"], {rt: [med[rt][op] for op in ("create", "start", "delete")]
                                               for rt in ORDER})
