"""Experiment 5: resource-control accuracy, for hull, runc and crun alike.

Each control is configured in linux.resources and measured from the host's
v1 cgroup files of the container (or, for blkio, from inside it):

  shares   two busy containers pinned to CPU 1, cpu.shares 1024 and 3072:
           each one's part of their cpuacct usage (expect 25% and 75%)
  quota    one busy container, quota 50000 per period 100000: CPUs used
           (expect 0.50)
  cpuset   two containers of two busy loops each, cpus "0" and "1": the
           part of each one's usage on its own CPU (expect 100%)
  memory   limit L MiB; dd writes 2L MiB to a tmpfs inside: the peak,
           memory.max_usage_in_bytes, must stay under L (and reach it)
  blkio    a read throttle of 10 MiB/s on a loop device over a file on
           the bench's tmpfs; dd iflag=direct reads it, timed inside
Error % = (measured - configured) / configured. Runtimes alternate within
each control (A B C)."""
import os
import time

from harness import ORDER, sh
import report

BUSY = "while :; do :; done"


def cpu_usage(b, cg):
    """(total ns, [ns per CPU]) from cpuacct."""
    return (int(b.cg_read("cpuacct", cg, "cpuacct.usage")),
            [int(x) for x in b.cg_read("cpuacct", cg, "cpuacct.usage_percpu").split()])


def busy_group(b, rt, specs, secs):
    """Starts one container per (name, loops, cpu resources), waits a
    moment, measures cpuacct over secs; returns {name: (ns, [ns/cpu])}
    and the wall seconds."""
    started = []
    try:
        for name, loops, cpu in specs:
            cg = "res-%s-%s" % (rt, name)
            script = " & ".join([BUSY] * loops) + (" & wait" if loops > 1 else "")
            bd = b.bundle(["sh", "-c", script], cg,
                          edit=lambda c, cpu=cpu: c["linux"].setdefault("resources", {}).update(cpu=cpu))
            _, _, pid = b.create(rt, bd, name)
            started.append((name, cg, pid))
        for name, _, _ in started:
            b.cmd(rt, "start", name)
        time.sleep(min(0.3, secs))
        u0 = {name: cpu_usage(b, cg) for name, cg, _ in started}
        t0 = time.monotonic()
        time.sleep(secs)
        u1 = {name: cpu_usage(b, cg) for name, cg, _ in started}
        wall = time.monotonic() - t0
    finally:
        for name, _, pid in started:
            b.stop(rt, name, pid)
    return {n: (u1[n][0] - u0[n][0], [y - x for x, y in zip(u0[n][1], u1[n][1])]) for n in u1}, wall


def err(measured, configured):
    return (measured - configured) / configured * 100


def make_loop(b, mib):
    """A loop device over a file of real data on the bench's tmpfs."""
    f = os.path.join(b.tmp, "loop.img")
    with open(f, "wb") as fh:
        chunk = b"\x5a" * (1 << 20)
        for _ in range(mib):
            fh.write(chunk)
    r = os.popen("losetup -f --show -r %s" % f).read().strip()
    if not r.startswith("/dev/loop"):
        raise RuntimeError("losetup: no loop device for %s" % f)
    b.at_exit("loop device", lambda: (sh("losetup", "-d", r, check=False), os.unlink(f)))
    st = os.stat(r)
    return r, os.major(st.st_rdev), os.minor(st.st_rdev)


BOOST = 8192


def run(b, counts, res, outdir):
    """The CPU controls run with the bench's parent cgroup at cpu.shares
    BOOST: in cgroup v1 the parent competes as one task of its weight with
    every process of the root cgroup, so other work on the VM would take
    most of a quota or a cpuset's CPU from the containers under test."""
    shares = os.path.join(b.cg_dir("cpu", ""), "cpu.shares")
    with open(shares) as f:
        old = f.read().strip()
    with open(shares, "w") as f:
        f.write(str(BOOST))
    try:
        measure(b, counts, res, outdir)
    finally:
        with open(shares, "w") as f:
            f.write(old)
    res.notes.append("the bench's parent cgroup had cpu.shares %d (from %s) during this experiment: "
                     "in v1 it competes as one task with each process of the root cgroup, where "
                     "other work on the VM runs" % (BOOST, old))


def measure(b, counts, res, outdir):
    secs, mib, lim = counts["cpu_secs"], counts["blkio_mib"], counts["mem_limit_mib"]
    rows = []
    errs = {}
    steps = 5 * len(ORDER)
    done = [0]

    def row(rt, control, configured, measured, e):
        """control: "short label: details"; the label names the plot's bars."""
        rows.append([rt, control, configured, measured, e])
        errs.setdefault(control, {})[rt] = e

    def tick(what):
        done[0] += 1
        b.progress.step(what, done[0], steps)

    raw = {}
    for rt in ORDER:
        u, wall = busy_group(b, rt, [("a", 1, {"shares": 1024, "cpus": "1"}),
                                     ("b", 1, {"shares": 3072, "cpus": "1"})], secs)
        tot = u["a"][0] + u["b"][0]
        for name, want in (("a", 0.25), ("b", 0.75)):
            got = u[name][0] / tot if tot else float("nan")
            row(rt, "shares %s: %d of 4096, both on CPU 1" % (name, 1024 if name == "a" else 3072),
                "%.0f%%" % (want * 100), "%.1f%%" % (got * 100), err(got, want))
        raw[rt + "/shares"] = {"usage_ns": u, "wall_s": wall, "cpu1_busy": tot / 1e9 / wall}
        tick("cpu shares")
    for rt in ORDER:
        u, wall = busy_group(b, rt, [("q", 1, {"quota": 50000, "period": 100000})], secs)
        got = u["q"][0] / 1e9 / wall
        row(rt, "quota: 50000/100000", "0.50 CPU", "%.3f CPU" % got, err(got, 0.5))
        raw[rt + "/quota"] = {"usage_ns": u, "wall_s": wall}
        tick("cpu quota")
    for rt in ORDER:
        u, wall = busy_group(b, rt, [("c0", 2, {"cpus": "0"}), ("c1", 2, {"cpus": "1"})], secs)
        for name, cpu in (("c0", 0), ("c1", 1)):
            tot, per = u[name]
            got = per[cpu] / tot if tot else float("nan")
            row(rt, "cpuset %d: cpus \"%d\", 2 busy loops" % (cpu, cpu), "100%% on CPU %d" % cpu,
                "%.2f%% on CPU %d (%.2f CPUs)" % (got * 100, cpu, tot / 1e9 / wall), err(got, 1.0))
        raw[rt + "/cpuset"] = {"usage_ns": u, "wall_s": wall}
        tick("cpusets")
    for rt in ORDER:
        cg = "res-%s-mem" % rt

        def edit(c):
            c["linux"].setdefault("resources", {})["memory"] = {"limit": lim << 20}
            c["mounts"].append({"destination": "/mnt", "type": "tmpfs", "source": "tmpfs",
                                "options": ["size=%dm" % (4 * lim)]})
        bd = b.bundle(["dd", "if=/dev/zero", "of=/mnt/fill", "bs=1M", "count=%d" % (2 * lim)], cg, edit=edit)
        _, _, pid = b.create(rt, bd, "mem")
        b.cmd(rt, "start", "mem")
        b.wait_exit(pid)
        peak = int(b.cg_read("memory", cg, "memory.max_usage_in_bytes"))
        limit = int(b.cg_read("memory", cg, "memory.limit_in_bytes"))
        oom = b.cg_read("memory", cg, "memory.oom_control")
        b.cmd(rt, "delete", "mem")
        e = err(peak, lim << 20)
        row(rt, "memory: limit, dd of %d MiB to a tmpfs" % (2 * lim), "%d MiB" % lim,
            "peak %.2f MiB" % (peak / 2**20), e)
        raw[rt + "/memory"] = {"peak": peak, "limit_in_bytes": limit, "oom_control": oom}
        res.target("%s: memory peak under the limit" % rt, peak / 2**20, "<=", float(lim), " MiB")
        tick("memory limit")
    dev, maj, mnr = make_loop(b, max(mib, 8) + 2)
    for rt in ORDER:
        rate = 10 << 20

        def edit(c):
            c["linux"].setdefault("devices", []).append({"path": "/dev/benchloop", "type": "b",
                                                         "major": maj, "minor": mnr})
            r = c["linux"].setdefault("resources", {})
            r.setdefault("devices", []).append({"allow": True, "type": "b", "major": maj,
                                                "minor": mnr, "access": "r"})
            r["blockIO"] = {"throttleReadBpsDevice": [{"major": maj, "minor": mnr, "rate": rate}]}
        script = ("a=$(cut -d' ' -f1 /proc/uptime); dd if=/dev/benchloop of=/dev/null bs=1M count=%d "
                  "iflag=direct 2>/dev/null; b=$(cut -d' ' -f1 /proc/uptime); echo $a $b" % mib)
        bd = b.bundle(["sh", "-c", script], "res-%s-blkio" % rt, edit=edit)
        out = b.capture(rt, "run", "--bundle", bd, "blkio")
        t0, t1 = (float(x) for x in out.split())
        got = mib / (t1 - t0)
        row(rt, "blkio: read throttle, %s" % dev, "10.00 MiB/s", "%.2f MiB/s" % got, err(got, 10.0))
        raw[rt + "/blkio"] = {"mib": mib, "seconds": t1 - t0}
        tick("blkio throttle")
    rows.sort(key=lambda r: (r[1], ORDER.index(r[0])))
    res.table("Configured against measured (%.1f s windows for the CPU controls)" % secs,
              ["runtime", "control", "configured", "measured", "error %"], rows)
    for control, by_rt in errs.items():
        for rt in ORDER:
            if rt in by_rt:
                res.target("%s: %s error" % (rt, control.split(":")[0]), abs(by_rt[rt]), "<=", 5.0, "%")
    res.notes.append("shares: each container's part of the two containers' usage (their sum is "
                     "what CPU 1 gave the pair; other load on the VM takes the rest)")
    res.data["raw"] = raw
    res.data["error_pct"] = errs
    controls = list(errs)
    report.bars(res, outdir, "resources-error", "resource control: |error| %", "%",
                [c.split(":")[0] for c in controls],
                {rt: [abs(errs[c].get(rt, 0)) for c in controls] for rt in ORDER})
