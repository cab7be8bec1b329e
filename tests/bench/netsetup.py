#!/usr/bin/python3
"""Added `hull run` latency of hull's networking, against a container with a
bare network namespace (issue 5's measure).

Modes, each a bundle made from the busybox fixture with `hull spec`'s config:
  bare         a new netns, nothing in it
  bridge       org.hull.net.bridge (a veth on a bridge the harness made),
               address, gateway
  bridge-200   the same but the process lives 200 ms (`sleep 0.2`), against
               bare-200: the veth is then left to the kernel at delete
  macvlan      org.hull.net.macvlan on an ifb the harness made, address
  passthrough  linux.netDevices: one veth end (its peer in a netns the
               harness made) moved in and back

Runs alternate between the modes (A B C A B C ...), N runs each; each run is
`hull run` of /bin/true from fork to exit, wall clock. Prints median, min,
max, and the median added over bare. Network rules: only links named
hb-* that this script makes, addresses in 198.18.0.0/15, no traffic.

Usage: tests/bench/netsetup.py [--runs N] [--json FILE]  (root, after
`make hull fixture`).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
HULL = os.environ.get("HULL", os.path.join(TOP, "hull"))
FIXTURE = os.environ.get("HULL_FIXTURE", os.path.join(TOP, "tests/fixtures/busybox"))


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def bundle(root, name, args, annotations=None, net_devices=None):
    d = os.path.join(root, name)
    os.makedirs(d)
    with open(os.path.join(FIXTURE, "config.json")) as f:
        cfg = json.load(f)
    cfg["root"]["path"] = os.path.join(FIXTURE, "rootfs")
    cfg["process"]["args"] = args
    cfg["process"]["terminal"] = False
    if annotations:
        cfg["annotations"] = annotations
    if net_devices:
        cfg["linux"]["netDevices"] = net_devices
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f)
    return d


def run_once(state, bundle_dir, cid):
    t0 = time.perf_counter_ns()
    r = subprocess.run([HULL, "--root", state, "run", "--bundle", bundle_dir, cid],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    t1 = time.perf_counter_ns()
    if r.returncode != 0:
        sys.exit("netsetup bench: %s: exit %d: %s" % (cid, r.returncode, r.stderr.decode().strip()))
    return (t1 - t0) / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--json")
    o = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("netsetup bench: needs root")
    tmp = tempfile.mkdtemp(prefix="hull-bench-net-")
    state = os.path.join(tmp, "state")
    tag = str(os.getpid() % 100000)
    br, ifb, vh, ns = "hb-br" + tag, "hb-ifb" + tag, "hb-v" + tag, "hb-ns" + tag
    try:
        sh("ip", "link", "add", br, "type", "bridge")
        sh("ip", "addr", "add", "198.18.20.1/24", "dev", br)
        sh("ip", "link", "set", br, "up")
        sh("ip", "link", "add", ifb, "type", "ifb")
        sh("ip", "link", "set", ifb, "up")
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", vh, "type", "veth", "peer", "name", "p0", "netns", ns)
        sh("ip", "addr", "add", "198.18.21.1/24", "dev", vh)
        sh("ip", "link", "set", vh, "up")
        brann = {"org.hull.net.bridge": br, "org.hull.net.address": "198.18.20.2/24",
                 "org.hull.net.gateway": "198.18.20.1"}
        modes = {
            "bare": bundle(tmp, "bare", ["true"]),
            "bridge": bundle(tmp, "bridge", ["true"], brann),
            "bare-200": bundle(tmp, "bare-200", ["sleep", "0.2"]),
            "bridge-200": bundle(tmp, "bridge-200", ["sleep", "0.2"], brann),
            "macvlan": bundle(tmp, "macvlan", ["true"], {"org.hull.net.macvlan": ifb,
                                                        "org.hull.net.address": "198.18.22.2/24"}),
            "passthrough": bundle(tmp, "passthrough", ["true"], None, {vh: {"name": "ctr0"}}),
        }
        times = {m: [] for m in modes}
        for i in range(o.runs):
            for m, b in modes.items():
                times[m].append(run_once(state, b, "%s-%d" % (m, i)))
            print("\rnetsetup bench: run %d of %d" % (i + 1, o.runs), end="", file=sys.stderr)
        print(file=sys.stderr)
    finally:
        for args in (("ip", "link", "del", br), ("ip", "link", "del", ifb),
                     ("ip", "link", "del", vh), ("ip", "netns", "del", ns)):
            subprocess.run(args, stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)

    med = {m: statistics.median(v) for m, v in times.items()}
    base = {"bare": "bare", "bridge": "bare", "macvlan": "bare", "passthrough": "bare",
            "bare-200": "bare-200", "bridge-200": "bare-200"}
    print("%-12s %9s %9s %9s %12s" % ("mode", "median", "min", "max", "added"))
    for m, v in times.items():
        added = med[m] - med[base[m]]
        print("%-12s %7.2fms %7.2fms %7.2fms %+10.2fms" % (m, med[m], min(v), max(v), added))
    if o.json:
        with open(o.json, "w") as f:
            json.dump({"runs": o.runs, "ms": times, "median_ms": med}, f, indent=1)


if __name__ == "__main__":
    main()
