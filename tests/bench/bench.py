#!/usr/bin/python3
"""hull side by side with runc and crun `make bench`, and
`make bench-smoke` (the same experiments with tiny counts).

  1 latency     start-to-exit of `run` /bin/true; create, start, delete;
                the floor `unshare -fmpiun chroot ROOTFS /bin/true`; hull's
                run step by step (--debug) beside the floor
  2 memory      peak RSS of the runtime starting a container; what 50
                detached containers cost the host beyond their processes
  3 scale       200 containers created, started, waited, deleted, at
                concurrency 1 and 8: total time and the cost of container k;
                at concurrency 1, what grows (hull's steps, the machine)
  4 network     hull only: bridge, passthrough, macvlan, loopback: sockperf
                TCP/UDP ping-pong, iperf3 TCP throughput; netsetup time
  5 resources   cpu shares, quota, cpusets, memory limit, blkio throttle:
                configured against measured, for all three runtimes
  6 noisy       UDP ping-pong of a hull pair with the CPUs idle, with them
                kept busy by SCHED_IDLE spinners (the baseline), next to a
                CPU hog without limits, with quota, shares, cpuset
  7 guest       experiment 1's `run` in the cgroup v2 guest (qemu, TCG) of
                tests/cgroup2/run.sh: hull/crun, hull/floor, hull's steps
  8 containerd  hull under its own shim, hull under runc's shim, runc under
                runc's shim: shim memory per container, `ctr run --rm`
                latency, containers started at concurrency 1 and 8

Fairness: every runtime runs the same bundle (the fixture's `hull spec`
config, ociVersion 1.0.2, a cgroupsPath under a parent cgroup the bench
makes and removes), alternately (A B C A B C), in one private mount
namespace where /sys/fs/cgroup/unified is unmounted (crun refuses this
machine's hybrid layout with it), with state dirs on a tmpfs.

Writes tests/bench/results/ (smoke: results/smoke/): one JSON and PNG
plots per experiment, and latest.md with every table and target.

Usage (root): tests/bench/bench.py [--smoke] [--only N[,N...]]
"""
import argparse
import datetime
import os
import platform
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the tree

import harness  # noqa: E402
import report  # noqa: E402

# Debian packages the bench needs; installed (when missing) as `make deps` does.
PACKAGES = ["runc", "crun", "gnuplot-nox", "sockperf", "iperf3", "busybox-static", "iproute2",
            "util-linux", "gcc", "libc6-dev", "containerd"]

# What a run does: full (make bench) and smoke (make bench-smoke) counts.
COUNTS = {
    "full": {"lat_rounds": 60, "mem_rounds": 30, "detached": 50, "scale": 200,
             "concurrency": (1, 8), "net_secs": 5, "net_parallel": False, "netsetup_runs": 40,
             "cpu_secs": 5.0, "blkio_mib": 30, "mem_limit_mib": 32, "noisy_secs": 2, "noisy_rounds": 5,
             "guest_rounds": 20, "guest_timeout": 900, "ctd_detached": 20, "ctd_rounds": 30, "ctd_scale": 50},
    "smoke": {"lat_rounds": 3, "mem_rounds": 2, "detached": 3, "scale": 8,
              "concurrency": (1, 8), "net_secs": 1, "net_parallel": True, "netsetup_runs": 2,
              "cpu_secs": 0.4, "blkio_mib": 2, "mem_limit_mib": 16, "noisy_secs": 1, "noisy_rounds": 1,
              "guest_rounds": 2, "guest_timeout": 300, "ctd_detached": 2, "ctd_rounds": 2, "ctd_scale": 3},
}


def experiments():
    import exp_latency
    import exp_memory
    import exp_scale
    import exp_net
    import exp_resources
    import exp_noisy
    import exp_guest
    import exp_containerd
    return [("latency", "1. Start-to-exit latency", exp_latency.run),
            ("memory", "2. Memory", exp_memory.run),
            ("scale", "3. Scale", exp_scale.run),
            ("network", "4. Network (hull only)", exp_net.run),
            ("resources", "5. Resource-control accuracy", exp_resources.run),
            ("noisy", "6. Noisy neighbour (hull only)", exp_noisy.run),
            ("guest", "7. Latency on cgroup v2 (qemu guest)", exp_guest.run),
            ("containerd", "8. containerd: hull's shim against runc's", exp_containerd.run)]


def outer(args):
    """Outside the namespace: packages, the fixture, then the re-exec."""
    if os.geteuid() != 0:
        sys.exit("bench: needs root")
    hull = os.environ.get("HULL", os.path.join(TOP, "hull"))
    if not os.access(hull, os.X_OK):
        sys.exit("bench: %s: not built (make hull)" % hull)
    import subprocess
    for argv in (["sh", os.path.join(TOP, "tests/deps.sh")] + PACKAGES,
                 ["sh", os.path.join(TOP, "tests/fixture.sh"), os.path.join(TOP, "tests/fixtures/busybox")]):
        if subprocess.run(argv, cwd=TOP).returncode != 0:
            sys.exit("bench: %s failed" % " ".join(argv[:2]))
    env = dict(os.environ, HULL_BENCH_INNER="1", HULL=os.path.abspath(hull),
               HULL_FIXTURE=os.environ.get("HULL_FIXTURE", os.path.join(TOP, "tests/fixtures/busybox")))
    os.execve("/usr/bin/unshare", ["unshare", "-m", "--propagation", "private", sys.executable,
                                   os.path.abspath(__file__)] + args, env)


def interrupted(sig, frame):
    raise KeyboardInterrupt("signal %d" % sig)


def inner(o):
    # ^C or a kill: the containers, links, cgroups and mounts still go.
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    counts = COUNTS["smoke" if o.smoke else "full"]
    outdir = os.path.join(HERE, "results", "smoke") if o.smoke else os.path.join(HERE, "results")
    os.makedirs(outdir, exist_ok=True)
    todo = experiments()
    if o.only:
        keep = {int(x) for x in o.only.split(",")}
        todo = [e for i, e in enumerate(todo, 1) if i in keep]
    progress = harness.Progress(len(todo))
    t0 = time.monotonic()
    load0 = open("/proc/loadavg").read().split()[:3]
    bench = harness.Bench(o.smoke, progress)
    results = []
    try:
        bench.setup()
        for k, (key, title, fn) in enumerate(todo, 1):
            progress.experiment(k, key)
            res = report.Result(key, title)
            t = time.monotonic()
            la = open("/proc/loadavg").read().split()[0]
            try:
                fn(bench, counts, res, outdir)
            except Exception as e:
                res.error = "%s: %s" % (type(e).__name__, e)
                traceback.print_exc()
            finally:
                bench.reap()
            res.data["seconds"] = round(time.monotonic() - t, 1)
            res.notes.append("%.0f s; 1-minute load average %s at the start, %s at the end (2 CPUs)"
                             % (res.data["seconds"], la, open("/proc/loadavg").read().split()[0]))
            progress.done()
            report.show(res)
            harness.write_json(os.path.join(outdir, key + ".json"), res.as_json())
            results.append(res)
    finally:
        cleanup_errors = bench.close()
    for e in cleanup_errors:
        print("bench: cleanup: " + e, file=sys.stderr)
    load1 = open("/proc/loadavg").read().split()[:3]
    secs = time.monotonic() - t0
    write_md(outdir, o, bench, results, load0, load1, secs)
    met = sum(t["met"] for r in results for t in r.targets)
    total = sum(len(r.targets) for r in results)
    failed = [r.key for r in results if r.error]
    print("bench: %d experiments in %.0f s; targets met %d of %d; %s; results in %s"
          % (len(results), secs, met, total,
             "errors in: " + " ".join(failed) if failed else "no errors",
             os.path.relpath(outdir, TOP)))
    if failed or cleanup_errors:
        sys.exit(1)


def write_md(outdir, o, bench, results, load0, load1, secs):
    lines = ["# hull bench%s" % (" (smoke: tiny counts, not figures)" if o.smoke else ""), "",
             "%s, %.0f s; Linux %s, %d CPUs; load average %s at the start, %s at the end"
             % (datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), secs, platform.release(),
                os.cpu_count(), " ".join(load0), " ".join(load1)), "",
             "Runtimes: " + "; ".join("%s (%s)" % (rt, bench.versions.get(rt, "?")) for rt in harness.ORDER), "",
             "Fairness and setup:", ""]
    lines += ["- " + n for n in bench.notes]
    lines += ["- same bundle and config for every runtime: the fixture's `hull spec` config "
              "(pid, network, ipc, uts, mount, cgroup namespaces), ociVersion %s "
              "(crun 1.8.1 refuses 1.2.0), linux.cgroupsPath below /%s in every v1 hierarchy "
              "(made and removed by the bench)" % (harness.OCI_VERSION, bench.cg_parent),
              "- runs alternate between the runtimes (A B C A B C); times are wall clock from "
              "posix_spawn to wait4",
              "- other work may share this 2-core VM while the bench runs (see the load average): "
              "timing figures can be noisy", ""]
    summary = []
    for r in results:
        for t in r.targets:
            summary.append([r.key, t["what"], t["shown"], t["target"], "met" if t["met"] else "NOT MET"])
    if summary:
        lines += ["## Targets", "", report.md_table(["experiment", "target", "measured", "wanted", ""],
                                                    summary), ""]
    for r in results:
        lines += [report.markdown(r), ""]
    with open(os.path.join(outdir, "latest.md"), "w") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description="hull against runc and crun")
    ap.add_argument("--smoke", action="store_true", help="tiny counts (make bench-smoke)")
    ap.add_argument("--only", help="experiment numbers, comma separated (1-7)")
    o = ap.parse_args()
    if os.environ.get("HULL_BENCH_INNER") != "1":
        outer(sys.argv[1:])
    inner(o)


if __name__ == "__main__":
    main()
