"""What the bench scripts share: bundles made from the busybox fixture with
`hull spec`'s config, one timed `hull run`, and the table of medians."""
import argparse
import json
import os
import tempfile
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
HULL = os.environ.get("HULL", os.path.join(TOP, "hull"))
FIXTURE = os.environ.get("HULL_FIXTURE", os.path.join(TOP, "tests/fixtures/busybox"))


def start(what, prefix):
    """The common command line (--runs, --json), root check, and a temp dir:
    returns (options, tmp, state root)."""
    ap = argparse.ArgumentParser(description=what)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--json")
    o = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("%s: needs root" % what)
    tmp = tempfile.mkdtemp(prefix=prefix)
    return o, tmp, os.path.join(tmp, "state")


def save(o, times, med):
    if o.json:
        with open(o.json, "w") as f:
            json.dump({"runs": o.runs, "ms": times, "median_ms": med}, f, indent=1)


def bundle(root, name, args, annotations=None, edit=None):
    """A bundle dir under root: the fixture's config, process.args = args,
    the given annotations, then edit(cfg) for anything else."""
    d = os.path.join(root, name)
    os.makedirs(d)
    with open(os.path.join(FIXTURE, "config.json")) as f:
        cfg = json.load(f)
    cfg["root"]["path"] = os.path.join(FIXTURE, "rootfs")
    cfg["process"]["args"] = args
    cfg["process"]["terminal"] = False
    if annotations:
        cfg["annotations"] = annotations
    if edit:
        edit(cfg)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f)
    return d


def run_once(state, bundle_dir, cid, what="bench"):
    """Wall-clock milliseconds of `hull run` from fork to exit."""
    t0 = time.perf_counter_ns()
    r = subprocess.run([HULL, "--root", state, "run", "--bundle", bundle_dir, cid],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    t1 = time.perf_counter_ns()
    if r.returncode != 0:
        sys.exit("%s: %s: exit %d: %s" % (what, cid, r.returncode, r.stderr.decode().strip()))
    return (t1 - t0) / 1e6


def alternate(state, modes, runs, what):
    """Runs each mode once per round (A B C A B C ...), runs rounds; returns
    {mode: [ms, ...]}."""
    times = {m: [] for m in modes}
    for i in range(runs):
        for m, b in modes.items():
            times[m].append(run_once(state, b, "%s-%d" % (m, i), what))
        print("\r%s: run %d of %d" % (what, i + 1, runs), end="", file=sys.stderr)
    print(file=sys.stderr)
    return times


def table(times, base):
    """Median, min, max per mode and the median added over base[mode]."""
    med = {m: statistics.median(v) for m, v in times.items()}
    print("%-12s %9s %9s %9s %12s" % ("mode", "median", "min", "max", "added"))
    for m, v in times.items():
        print("%-12s %7.2fms %7.2fms %7.2fms %+10.2fms" %
              (m, med[m], min(v), max(v), med[m] - med[base[m]]))
    return med
