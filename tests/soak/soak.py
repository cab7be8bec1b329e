#!/usr/bin/env python3
"""hull soak: N create/start/wait/delete cycles, then the host compared with
before. Exit 0 only when every cycle worked and nothing leaked.

Each cycle runs one container with bridge networking (a veth on a bridge the
soak makes, 198.18.31.2/24 on 198.18.31.1/24; the host end named after the
ID, or --host-ifname for all) and an overlay root (the
fixture rootfs as its one layer, an ephemeral tmpfs upper): `hull create`,
`hull start`, waitpid on the init (the soak is a child subreaper, the init
its child once `create` is gone), `hull delete`. The container checks its
address, that the root is writable and fresh (a file the previous cycle
wrote is not there) and reports its open fds, which must not change from
one cycle to the next.

Afterwards: the soak's own open fds, the host's mounts, cgroup directories,
links, state entries and processes. Objects the soak names (its IDs, bridge,
veth, work dir) must be as before, strictly; changes to other objects (other
test runs on the same host) are reported, not counted, unless --strict.
MemAvailable drift is reported only.

    python3 tests/soak/soak.py --cycles 200 --hull ./hull --fixture tests/fixtures/busybox
"""
import argparse
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PR_SET_CHILD_SUBREAPER = 36
NET = "198.18.31"


def fail(msg):
    raise SystemExit("soak: " + msg)


def mem_available_kib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    return 0


def fd_count():
    return len(os.listdir("/proc/self/fd"))


def mountinfo():
    with open("/proc/self/mountinfo") as f:
        return f.read().splitlines()


def links():
    return set(os.listdir("/sys/class/net"))


def cgroup_dirs():
    """Every directory under /sys/fs/cgroup."""
    return {os.path.join(top, d) for top, dirs, _ in os.walk("/sys/fs/cgroup") for d in dirs}


def children_alive():
    """Processes whose parent is the soak (a subreaper), not zombies."""
    me, alive = str(os.getpid()), []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/status") as f:
                st = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
        except OSError:
            continue
        if st.get("PPid", "").strip() == me and not st.get("State", "").strip().startswith("Z"):
            alive.append(int(p))
    return alive


def run(cmd, timeout=60):
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


def ip(*args):
    r = run(["ip", *args])
    if r.returncode:
        fail("ip " + " ".join(args) + ": " + r.stderr.strip())


def host_ifname(cid):
    """The host end's name hull derives from a container ID (runtime/net.c):
    "hv" and 13 hex digits of the ID's 64-bit FNV-1a hash."""
    h = 0xcbf29ce484222325
    for b in cid.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "hv%013x" % (h & 0xFFFFFFFFFFFFF)


def wait_gone(names, seconds=5.0):
    """The kernel removes a veth's host end with the container's netns, a
    little after the init is gone; returns the names still there."""
    end = time.monotonic() + seconds
    left = [n for n in names if os.path.exists(f"/sys/class/net/{n}")]
    while left and time.monotonic() < end:
        time.sleep(0.01)
        left = [n for n in left if os.path.exists(f"/sys/class/net/{n}")]
    return left


class Soak:
    def __init__(self, a):
        self.hull = os.path.abspath(a.hull)
        self.fixture = os.path.abspath(a.fixture)
        self.cycles = a.cycles
        self.strict = a.strict
        pid = os.getpid()
        self.prefix = f"hsoak-{pid}-"
        self.bridge = f"hsk{pid % 100000000}"
        # One host-ifname for every cycle (--host-ifname) or the one hull
        # derives from each ID.
        self.veth = a.host_ifname
        self.work = tempfile.mkdtemp(prefix="hsoak-")
        self.root = os.path.join(self.work, "state")
        self.bundle = os.path.join(self.work, "bundle")
        self.made_bridge = False
        self.ids = []

    def hull_cmd(self, *args):
        r = run([self.hull, "--root", self.root, *args])
        if r.returncode or r.stderr:
            raise RuntimeError(f"hull {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
        return r.stdout

    def setup(self):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            fail("prctl(PR_SET_CHILD_SUBREAPER): " + os.strerror(ctypes.get_errno()))
        for n in [self.bridge] + ([self.veth] if self.veth else []):
            if os.path.exists(f"/sys/class/net/{n}"):
                fail(f"link {n} exists already")
        ip("link", "add", self.bridge, "type", "bridge")
        self.made_bridge = True
        ip("addr", "add", f"{NET}.1/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")
        os.mkdir(self.bundle)
        with open(os.path.join(self.fixture, "config.json")) as f:
            cfg = json.load(f)
        cfg["root"] = {"path": "merged", "readonly": False}
        cfg["process"]["args"] = ["sh", "-c",
            f"ip -4 addr show dev eth0 | grep -q 'inet {NET}.2/24' || exit 3; "
            "[ -e /soak-mark ] && exit 4; : > /soak-mark || exit 5; "
            "echo fds=$(ls /proc/self/fd | wc -l)"]
        cfg["annotations"] = {
            "org.hull.rootfs.layers": os.path.join(self.fixture, "rootfs"),
            "org.hull.net.bridge": self.bridge,
            "org.hull.net.address": f"{NET}.2/24",
            "org.hull.net.gateway": f"{NET}.1",
        }
        if self.veth:
            cfg["annotations"]["org.hull.net.host-ifname"] = self.veth
        with open(os.path.join(self.bundle, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)

    def cycle(self, i, pidfile, out, err):
        """One container; returns what it printed (its stdio are the files
        out and err: it keeps them open after create)."""
        cid = f"{self.prefix}{i}"
        self.ids.append(cid)
        for f in (out, err):
            f.seek(0)
            f.truncate()
        r = subprocess.run([self.hull, "--root", self.root, "create", "--bundle", self.bundle,
                            "--pid-file", pidfile, cid], stdin=subprocess.DEVNULL, stdout=out,
                           stderr=err, timeout=60)
        if r.returncode:
            err.seek(0)
            raise RuntimeError(f"hull create {cid}: exit {r.returncode}: {err.read().strip()}")
        with open(pidfile) as f:
            pid = int(f.read())
        # create is gone: the init is our child now (we are its subreaper)
        self.hull_cmd("start", cid)
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        said, errs = out.read(), err.read()
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) or errs:
            raise RuntimeError(f"{cid}: the container ended with status 0x{status:x}: {errs.strip()}")
        self.hull_cmd("delete", cid)
        self.ids.pop()
        return said

    def cleanup(self):
        left = os.listdir(self.root) if os.path.isdir(self.root) else []
        for cid in sorted(set(self.ids) | set(left)):
            run([self.hull, "--root", self.root, "delete", "--force", cid])
        for p in children_alive():
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        try:
            while os.waitpid(-1, 0):
                pass
        except ChildProcessError:
            pass
        if self.made_bridge:
            run(["ip", "link", "del", self.bridge])
        shutil.rmtree(self.work, ignore_errors=True)

    def main(self):
        self.setup()
        fds0, mi0, links0 = fd_count(), set(mountinfo()), links()
        cg0 = cgroup_dirs()
        mem0 = mem_available_kib()
        pidfile = os.path.join(self.work, "pid")
        times, fds_in = [], None
        t0 = time.monotonic()
        with open(os.path.join(self.work, "out"), "w+") as out, \
                open(os.path.join(self.work, "err"), "w+") as err:
            for i in range(self.cycles):
                c0 = time.monotonic()
                said = self.cycle(i, pidfile, out, err)
                times.append(time.monotonic() - c0)
                if fds_in is None:
                    fds_in = said
                elif said != fds_in:
                    raise RuntimeError(f"cycle {i}: the container said {said!r}, the first {fds_in!r}")
        elapsed = time.monotonic() - t0
        os.unlink(pidfile)
        return self.compare(fds0, mi0, links0, cg0, mem0, elapsed, times, fds_in)

    def compare(self, fds0, mi0, links0, cg0, mem0, elapsed, times, fds_in):
        leaks, notes = [], []
        veths = ([self.veth] if self.veth else
                 [host_ifname(f"{self.prefix}{i}") for i in range(len(times))])
        veths_left = wait_gone(veths)
        fds1 = fd_count()
        if fds1 != fds0:
            leaks.append(f"fds of the soak: {fds0} -> {fds1}")
        mi1 = set(mountinfo())
        mine = lambda l: self.work in l or self.prefix in l or self.fixture in l
        for l in sorted(mi1 - mi0):
            (leaks if mine(l) or self.strict else notes).append("mount added: " + l)
        for l in sorted(mi0 - mi1):
            if self.strict:
                leaks.append("mount gone: " + l)
        cg1 = cgroup_dirs()
        leaks += [f"cgroup left: {d}" for d in sorted(cg1) if self.prefix in d]
        other = sorted(d for d in cg1 ^ cg0 if self.prefix not in d)
        for d in other[:5]:
            (leaks if self.strict else notes).append(
                f"cgroup {'added' if d in cg1 else 'gone'}: {d}")
        if len(other) > 5:
            (leaks if self.strict else notes).append(f"... and {len(other) - 5} more cgroup changes")
        links1 = links()
        leaks += [f"link left: {n}" for n in veths_left]
        ports = os.listdir(f"/sys/class/net/{self.bridge}/brif")
        if ports:
            leaks.append(f"bridge {self.bridge} has ports left: {' '.join(ports)}")
        for n in sorted(links1 ^ links0):
            (leaks if self.strict else notes).append(
                f"link {'added' if n in links1 else 'gone'}: {n}")
        state = os.listdir(self.root) if os.path.isdir(self.root) else []
        leaks += [f"state entry left: {s}" for s in state]
        listed = self.hull_cmd("list", "-q").split()
        leaks += [f"hull list still shows {s}" for s in listed]
        procs = children_alive()
        leaks += [f"process left: {p}" for p in procs]
        mem1 = mem_available_kib()

        n = len(times)
        srt = sorted(times)
        pct = lambda q: srt[min(n - 1, int(q * n))] * 1000 if n else 0.0
        print(f"soak: cycles {n}, {elapsed:.1f} s, {elapsed / max(n, 1) * 1000:.1f} ms per cycle "
              f"(p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, max {pct(1.0):.1f} ms)")
        print(f"soak: fds {fds0} -> {fds1}, mounts {len(mi0)} -> {len(mi1)}, "
              f"cgroup dirs {len(cg0)} -> {len(cg1)}, links {len(links0)} -> {len(links1)}, "
              f"state entries {len(state)}, processes left {len(procs)}, "
              f"container's {fds_in.strip()}")
        print(f"soak: MemAvailable {mem0 // 1024} MiB -> {mem1 // 1024} MiB "
              f"(drift {(mem1 - mem0) / 1024:+.1f} MiB, {(mem1 - mem0) / max(n, 1):+.1f} KiB per cycle)")
        for s in notes:
            print("soak: note (not the soak's): " + s)
        for s in leaks:
            print("soak: LEAK: " + s)
        print(f"soak: leaks found = {len(leaks)}")
        return 1 if leaks else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cycles", "-n", type=int, default=int(os.environ.get("SOAK_N", "1000")))
    ap.add_argument("--hull", default=os.environ.get("HULL", "./hull"))
    ap.add_argument("--fixture", default=os.environ.get("HULL_FIXTURE", "tests/fixtures/busybox"))
    ap.add_argument("--host-ifname", metavar="NAME",
                    help="the host end of every cycle's veth (default: the name hull derives "
                    "from each ID); reusing one name exercises the take-over of a dying veth")
    ap.add_argument("--strict", action="store_true",
                    help="count changes to objects the soak did not name as leaks too")
    a = ap.parse_args()
    if os.geteuid() != 0:
        fail("needs root (containers with bridge networking)")
    if a.cycles < 1:
        fail("--cycles must be at least 1")
    s = Soak(a)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        rc = s.main()
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print(f"soak: FAILED after {len(s.ids) and s.ids[-1]}: {e}", file=sys.stderr)
        rc = 1
    finally:
        s.cleanup()
    sys.exit(rc)


if __name__ == "__main__":
    main()
