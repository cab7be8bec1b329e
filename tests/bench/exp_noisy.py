"""Experiment 6: noisy neighbour (hull only; runc and crun would need a
network the bench wires for them, and the point here is hull's cgroups).

A latency-sensitive pair of hull containers on a bridge, a UDP echo server
and a ping-pong client (pingpong.c: one 64-byte datagram at a time,
blocking receive, as sockperf ping-pong), next to a CPU hog (a container
of two busy loops: both CPUs) or not, with cgroup isolation or not.

This machine is a VM: an idle vCPU halts, and waking it (an IPI, a VM exit,
the host scheduling the vCPU thread again) costs tens of microseconds. A
ping-pong on idle CPUs pays that on every message; next to a hog the CPUs
never halt, so the hog seems to make the pair faster. Two baselines keep
the two effects apart:
  idle        nothing else runs: the CPUs halt between messages
  baseline    a SCHED_IDLE spinner on each CPU (pinned, in an idle cgroup
              below the bench's parent; any runnable task preempts it at
              once): the CPUs never halt, nobody competes
The hog scenarios run with the spinners too, and are compared with the
baseline of the same placement of the pair:
  hog              the hog, no limits
  hog, quota       the hog at cpu quota 50 ms per 100 ms (0.5 CPU)
  hog, shares      the hog at cpu.shares 2, the pair at 8192
  baseline, cpu 1  no hog; the pair on cpuset 1 (the placement of the next)
  hog, cpuset      the hog on cpuset 0, the pair on cpuset 1
idle - baseline is the idle-wakeup cost, on its own line.

Rounds: every scenario once per round, the order rotated each round
(A B C .. G, B C .. G A, ...), so load from elsewhere on the machine falls
on all of them; per scenario the median over the rounds, the range of its
p99, and the median of its per-round ratio to its baseline (same round).
Addresses 198.18.43.0/24, links hb-qb*TAG only."""
import os
import subprocess
import time

from exp_net import listening
from harness import sh, summary
import report

PORT = 11113
SERVER = "198.18.43.2"
# (name, SCHED_IDLE spinners, hog's linux.resources.cpu or None (no hog),
# the pair's or None, the scenario it is compared with)
SCENARIOS = (
    ("idle", False, None, None, None),
    ("baseline", True, None, None, None),
    ("hog", True, {}, None, "baseline"),
    ("hog, quota", True, {"quota": 50000, "period": 100000}, None, "baseline"),
    ("hog, shares", True, {"shares": 2}, {"shares": 8192}, "baseline"),
    ("baseline, cpu 1", True, None, {"cpus": "1"}, None),
    ("hog, cpuset", True, {"cpus": "0"}, {"cpus": "1"}, "baseline, cpu 1"),
)
HOG = "while :; do :; done & while :; do :; done & wait"
KEYS = ("min", "p25", "p50", "p75", "p90", "p99", "p99.9", "max")


def parse(out):
    """pingpong client's line: {n, min, p25, ..., max} (usec)."""
    f = out.split()
    try:
        d = {f[i]: float(f[i + 1]) for i in range(0, len(f) - 1, 2)}
    except ValueError:
        d = {}
    if not all(k in d for k in KEYS + ("n",)):
        raise RuntimeError("pingpong: no figures in: %r" % out[-300:])
    return d


class Spinners:
    """One SCHED_IDLE busy loop pinned to each CPU: the CPUs never halt, and
    any runnable task of another policy preempts them at once.

    They live in a cpu cgroup of their own below the bench's parent, with
    cpu.idle 1, beside the containers: the parent is then always runnable,
    as it is with the hog, so against the machine's other work (other
    cgroups, at the top of the hierarchy) the pair waits the same in the
    baseline as next to the hog, and only the hog's competition inside the
    parent differs. At the root they would leave the parent to sleep
    between messages in the baseline alone, and the hog rows would look
    better than the baseline whenever the machine is busy."""

    def __init__(self, b):
        self.cg = os.path.join(b.cg_dir("cpu", "spinners"))
        self.procs = []

    def start(self):
        if not os.path.isdir(self.cg):
            os.mkdir(self.cg)
            if os.path.exists(os.path.join(self.cg, "cpu.idle")):
                with open(os.path.join(self.cg, "cpu.idle"), "w") as f:
                    f.write("1")
        for cpu in range(os.cpu_count()):
            # the shell joins the cgroup, then becomes the pinned SCHED_IDLE loop
            self.procs.append(subprocess.Popen(
                ["sh", "-c", 'echo $$ >"$1/cgroup.procs" && exec chrt --idle 0 taskset -c "$2" '
                 'sh -c "while :; do :; done"', "spin", self.cg, str(cpu)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL))

    def stop(self):
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait()
        self.procs = []


def describe(cpu):
    if cpu is None:
        return "-"
    if not cpu:
        return "no limit"
    if "quota" in cpu:
        return "quota %g ms / %g ms" % (cpu["quota"] / 1000, cpu["period"] / 1000)
    return ", ".join("%s %s" % kv for kv in cpu.items())


def run(b, counts, res, outdir):
    secs, rounds = counts["noisy_secs"], counts["noisy_rounds"]
    pingpong = b.helper("pingpong")
    br = "hb-qb" + b.tag
    b.at_exit("bridge " + br, lambda: sh("ip", "link", "del", br, check=False))
    spin = Spinners(b)
    b.at_exit("spinners", spin.stop)
    common = {"org.hull.net.bridge": br, "org.hull.net.bridge.address": "198.18.43.1/24",
              "org.hull.net.bridge.remove-empty": "true"}

    def pair_edit(cpu):
        def e(c):
            c["mounts"].append({"destination": "/pingpong", "type": "bind", "source": pingpong,
                                "options": ["bind", "ro"]})
            if cpu:
                c["linux"].setdefault("resources", {})["cpu"] = dict(cpu)
        return e

    def hog_edit(cpu):
        def e(c):
            if cpu:
                c["linux"].setdefault("resources", {})["cpu"] = dict(cpu)
        return e

    lat = {s[0]: [] for s in SCENARIOS}
    n = 0
    for r in range(rounds):
        k = r % len(SCENARIOS)
        for name, spinners, hog_cpu, pair_cpu, _ in SCENARIOS[k:] + SCENARIOS[:k]:
            n += 1
            running = []
            try:
                if spinners:
                    spin.start()
                if hog_cpu is not None:
                    bd = b.bundle(["sh", "-c", HOG], "noisy-hog-%d" % n, edit=hog_edit(hog_cpu))
                    _, _, pid = b.create("hull", bd, "hog-%d" % n)
                    running.append(("hog-%d" % n, pid))
                    b.cmd("hull", "start", "hog-%d" % n)
                bd = b.bundle(["/pingpong", "server", SERVER, str(PORT)], "noisy-srv-%d" % n,
                              dict(common, **{"org.hull.net.address": SERVER + "/24"}), pair_edit(pair_cpu))
                _, _, pid = b.create("hull", bd, "srv-%d" % n)
                running.append(("srv-%d" % n, pid))
                b.cmd("hull", "start", "srv-%d" % n)
                for _ in range(250):
                    if listening(pid, "udp", PORT):
                        break
                    time.sleep(0.02)
                else:
                    raise RuntimeError("pingpong server not listening after 5 s")
                bd = b.bundle(["/pingpong", "client", SERVER, str(PORT), str(secs), "300"], "noisy-cli-%d" % n,
                              dict(common, **{"org.hull.net.address": "198.18.43.3/24"}), pair_edit(pair_cpu))
                lat[name].append(parse(b.capture("hull", "run", "--bundle", bd, "cli-%d" % n)))
            finally:
                for cid, pid in reversed(running):
                    b.stop("hull", cid, pid)
                spin.stop()
            b.progress.step("round %d of %d: %s" % (r + 1, rounds, name), n, rounds * len(SCENARIOS))

    def med(name, key):
        return summary([x[key] for x in lat[name]])["median"]

    def per_round_ratio(name, base, key):
        """The median, min and max over the rounds of name's key / base's
        key in the same round."""
        v = [x[key] / y[key] for x, y in zip(lat[name], lat[base])]
        s = summary(v)
        return s["median"], s["min"], s["max"]

    rows = []
    for name, spinners, hog_cpu, pair_cpu, base in SCENARIOS:
        p99 = summary([x["p99"] for x in lat[name]])
        row = [name, "halt" if not spinners else "spinners", describe(hog_cpu),
               describe(pair_cpu), med(name, "p50"), p99["median"],
               "%.1f-%.1f" % (p99["min"], p99["max"]), med(name, "p99.9")]
        if base:
            r50 = per_round_ratio(name, base, "p50")
            r99 = per_round_ratio(name, base, "p99")
            r999 = per_round_ratio(name, base, "p99.9")
            row += [r50[0], "%.2f (%.2f-%.2f)" % r99, "%.2f (%.2f-%.2f)" % r999, base]
        else:
            row += ["-", "-", "-", "-"]
        rows.append(row)
    w50, w99 = per_round_ratio("idle", "baseline", "p50"), per_round_ratio("idle", "baseline", "p99")
    wake = ("**Idle wake-up effect** (idle against baseline: the same pair, no neighbour, the CPUs "
            "halting or not; on a busy machine it also holds the bench's cgroup sleeping between "
            "messages, which the spinners prevent): p50 %+.1f µs (%.2f×), p99 %+.1f µs (%.2f×)"
            % (med("idle", "p50") - med("baseline", "p50"), w50[0],
               med("idle", "p99") - med("baseline", "p99"), w99[0]))
    res.table("UDP ping-pong round trip of the latency-sensitive pair, µs (%d rounds of %d s per scenario; "
              "medians over the rounds)" % (rounds, secs),
              ["scenario", "idle CPUs", "hog cpu", "pair cpu", "p50", "p99", "p99 range", "p99.9",
               "p50 / base", "p99 / base (range)", "p99.9 / base (range)", "base"], rows,
              under=["Every row but `idle` runs with a SCHED_IDLE spinner on each CPU, in an idle cgroup beside "
                     "the containers, so no CPU halts and the bench's cgroups stand the same against the "
                     "machine's other work in every row: a ratio to the base (the same placement of the pair "
                     "without the hog, same round) is what the neighbour costs, 1 meaning nothing, and a ratio "
                     "kept near 1 with a hog beside is what the isolation (quota, shares, cpuset) buys.", wake])
    res.notes.append("hull only: runc and crun have no networking of their own; the pair talks over a "
                     "bridge hull makes (198.18.43.0/24); the probe is pingpong.c (a 64-byte UDP echo, one "
                     "message in flight, 300 ms of warm-up not counted)")
    res.data["latency_usec"] = lat
    res.data["idle_wakeup"] = {"p50_usec": med("idle", "p50") - med("baseline", "p50"),
                               "p99_usec": med("idle", "p99") - med("baseline", "p99"),
                               "p50_ratio": w50[0], "p99_ratio": w99[0]}
    boxes = []
    for name, _, _, _, _ in SCENARIOS:
        boxes.append((name, {"min": med(name, "min"), "q1": med(name, "p25"), "median": med(name, "p50"),
                             "q3": med(name, "p75"), "max": med(name, "max"), "p99": med(name, "p99"),
                             "p99.9": med(name, "p99.9")}))
    report.boxplot(res, outdir, "noisy", "UDP round trip of the pair, next to a CPU hog (medians over rounds)",
                   "usec (log)", boxes, logscale=True)
