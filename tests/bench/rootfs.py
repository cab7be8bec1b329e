#!/usr/bin/python3
"""Added `hull run` latency of an ephemeral overlayfs root (issue 6's
measure): a container of /bin/true whose root is the busybox fixture as a
plain directory, against the same tree as the lower layer of an overlay
with a tmpfs upper, and with a second (small) layer on top, and with a kept
upper on disk. Runs alternate (A B C D A B C D ...), N each, wall clock
from fork to exit; medians, min, max, added over the plain root.

Usage: tests/bench/rootfs.py [--runs N] [--json FILE]  (root, after
`make hull fixture`).
"""
import os
import shutil

from benchlib import save, start, FIXTURE, alternate, bundle, table


def main():
    o, tmp, state = start("rootfs bench", "hull-bench-rootfs-")
    base = os.path.join(FIXTURE, "rootfs")
    top = os.path.join(tmp, "top")
    os.makedirs(os.path.join(top, "etc"))
    with open(os.path.join(top, "etc", "motd"), "w") as f:
        f.write("hull\n")

    def overlay(layers, upper=None):
        def edit(cfg):
            cfg["root"] = {"path": os.path.join(tmp, "merged-%d" % len(os.listdir(tmp)))}
            cfg["annotations"] = {"org.hull.rootfs.layers": ":".join(layers)}
            if upper:
                cfg["annotations"]["org.hull.rootfs.upper"] = upper
        return edit

    try:
        modes = {
            "plain": bundle(tmp, "plain", ["true"]),
            "overlay-1": bundle(tmp, "overlay-1", ["true"], edit=overlay([base])),
            "overlay-2": bundle(tmp, "overlay-2", ["true"], edit=overlay([top, base])),
            "overlay-kept": bundle(tmp, "overlay-kept", ["true"],
                                   edit=overlay([top, base], os.path.join(tmp, "upper"))),
        }
        times = alternate(state, modes, o.runs, "rootfs bench")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    med = table(times, {m: "plain" for m in times})
    save(o, times, med)


if __name__ == "__main__":
    main()
