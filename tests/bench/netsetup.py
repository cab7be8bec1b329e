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


class Links:
    """The links the modes need, made on entry and removed on exit: a
    bridge, an ifb (macvlan parent), a veth whose peer is in a netns."""

    def __init__(self, tag):
        self.br, self.ifb, self.vh, self.ns = "hb-br" + tag, "hb-ifb" + tag, "hb-v" + tag, "hb-ns" + tag

    def __enter__(self):
        try:
            sh("ip", "link", "add", self.br, "type", "bridge")
            sh("ip", "addr", "add", "198.18.20.1/24", "dev", self.br)
            sh("ip", "link", "set", self.br, "up")
            sh("ip", "link", "add", self.ifb, "type", "ifb")
            sh("ip", "link", "set", self.ifb, "up")
            sh("ip", "netns", "add", self.ns)
            sh("ip", "link", "add", self.vh, "type", "veth", "peer", "name", "p0", "netns", self.ns)
            sh("ip", "addr", "add", "198.18.21.1/24", "dev", self.vh)
            sh("ip", "link", "set", self.vh, "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for args in (("ip", "link", "del", self.br), ("ip", "link", "del", self.ifb),
                     ("ip", "link", "del", self.vh), ("ip", "netns", "del", self.ns)):
            subprocess.run(args, stderr=subprocess.DEVNULL)

    def bundles(self, tmp, modes=None, edit=None):
        """{mode: bundle dir} for the modes named (all by default); edit(cfg,
        mode) is applied to every config last."""
        brann = {"org.hull.net.bridge": self.br, "org.hull.net.address": "198.18.20.2/24",
                 "org.hull.net.gateway": "198.18.20.1"}
        table = {
            "bare": (["true"], None, None),
            "bridge": (["true"], brann, None),
            "bare-200": (["sleep", "0.2"], None, None),
            "bridge-200": (["sleep", "0.2"], brann, None),
            "macvlan": (["true"], {"org.hull.net.macvlan": self.ifb,
                                   "org.hull.net.address": "198.18.22.2/24"}, None),
            # given back at delete, as hull did before it let them go with the netns
            "passthrough": (["true"], {"org.hull.net.netdevices.give-back": "true"},
                            lambda c: c["linux"].update(netDevices={self.vh: {"name": "ctr0"}})),
        }
        out = {}
        for m in modes or table:
            args, ann, ed = table[m]

            def both(c, ed=ed, m=m):
                if ed:
                    ed(c)
                if edit:
                    edit(c, m)
            out[m] = bundle(tmp, m, args, ann, both)
        return out


BASE = {"bare": "bare", "bridge": "bare", "macvlan": "bare", "passthrough": "bare",
        "bare-200": "bare-200", "bridge-200": "bare-200"}


def main():
    o, tmp, state = start("netsetup bench", "hull-bench-net-")
    try:
        with Links(str(os.getpid() % 100000)) as links:
            times = alternate(state, links.bundles(tmp), o.runs, "netsetup bench")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    med = table(times, BASE)
    save(o, times, med)


if __name__ == "__main__":
    main()
