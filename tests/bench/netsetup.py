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
import os
import shutil
import subprocess

from benchlib import save, start, alternate, bundle, table


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def main():
    o, tmp, state = start("netsetup bench", "hull-bench-net-")
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
            "passthrough": bundle(tmp, "passthrough", ["true"], None,
                                  lambda c: c["linux"].update(netDevices={vh: {"name": "ctr0"}})),
        }
        times = alternate(state, modes, o.runs, "netsetup bench")
    finally:
        for args in (("ip", "link", "del", br), ("ip", "link", "del", ifb),
                     ("ip", "link", "del", vh), ("ip", "netns", "del", ns)):
            subprocess.run(args, stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)

    med = table(times, {"bare": "bare", "bridge": "bare", "macvlan": "bare", "passthrough": "bare",
                        "bare-200": "bare-200", "bridge-200": "bare-200"})
    save(o, times, med)


if __name__ == "__main__":
    main()
