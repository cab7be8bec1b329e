"""Experiment 4: networking between two hull containers (hull only: runc
and crun wire no network of their own, so there is nothing to compare).

Modes, each a server container (sockperf UDP and TCP servers, iperf3 -s)
and client containers (one per measurement) on a rootfs copy of the
fixture with sockperf and its libraries added:
  bridge       org.hull.net.bridge: both on a bridge hull makes
               (org.hull.net.bridge.address, remove-empty)
  passthrough  linux.netDevices: one end of a veth pair the bench makes
               into the server, the other end into the client
  macvlan      org.hull.net.macvlan on an ifb the bench makes (bridge mode
               macvlans talk to each other through their parent)
  loopback     the client joins the server's netns (linux.namespaces path)
               and talks to 127.0.0.1: the kernel path of host loopback,
               without touching the host's own lo
Measures: sockperf ping-pong round trip (UDP and TCP), iperf3 TCP
throughput (per-interval samples), and netsetup.py's `hull run` /bin/true
time per mode. Only links named hb-*TAG, addresses in 198.18.40-42.0/24."""
import json
import os
import re
import shutil
import subprocess
import time

from benchlib import FIXTURE
from harness import summary, sh
import netsetup
import report

MODES = ("bridge", "passthrough", "macvlan", "loopback")
PORT_UDP, PORT_TCP, PORT_IPERF = 11111, 11112, 5201


def net_rootfs(b):
    """The fixture's rootfs (iperf3 in it) plus sockperf and what ldd lists."""
    root = os.path.join(b.tmp, "netroot")
    if os.path.isdir(root):
        return root
    shutil.copytree(os.path.join(FIXTURE, "rootfs"), root, symlinks=True)
    exe = shutil.which("sockperf")
    if not exe:
        raise RuntimeError("sockperf missing (Debian package sockperf)")
    libs = subprocess.run(["ldd", exe], capture_output=True, text=True, check=True).stdout
    if "not found" in libs:
        raise RuntimeError("sockperf: a library is missing: " + libs)
    for f in [exe] + re.findall(r"(/\S+)", libs):
        dst = root + f
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy(f, dst)  # follows links: the file itself
    if not os.path.exists(os.path.join(root, "usr/bin/iperf3")):
        raise RuntimeError("the fixture has no iperf3 (Debian package iperf3, then tests/fixture.sh)")
    return root


def listening(pid, proto, port):
    """Whether pid's netns has a socket bound to port (TCP: listening)."""
    try:
        with open("/proc/%d/net/%s" % (pid, proto)) as f:
            next(f)
            for line in f:
                x = line.split()
                if int(x[1].split(":")[1], 16) == port and (proto == "udp" or x[3] == "0A"):
                    return True
    except OSError:
        pass
    return False


def wait_servers(pid):
    for _ in range(250):  # 5 s
        if (listening(pid, "udp", PORT_UDP) and listening(pid, "tcp", PORT_TCP)
                and listening(pid, "tcp", PORT_IPERF)):
            return
        time.sleep(0.02)
    raise RuntimeError("servers in pid %d not listening after 5 s" % pid)


def parse_sockperf(out):
    """The percentiles sockperf prints (round trip, usec)."""
    p = {}
    for m in re.finditer(r"---> (?:percentile (\d+\.\d+)|<(MAX|MIN)> observation) =\s*([\d.]+)", out):
        p[m.group(1) or m.group(2)] = float(m.group(3))
    need = ("MIN", "25.000", "50.000", "75.000", "99.000", "99.900", "MAX")
    if not all(k in p for k in need):
        raise RuntimeError("sockperf: no percentiles in: " + out[-400:])
    return {"min": p["MIN"], "q1": p["25.000"], "median": p["50.000"], "q3": p["75.000"],
            "p99": p["99.000"], "p99.9": p["99.900"], "max": p["MAX"]}


def sockperf_args(addr, proto, secs):
    a = ["sockperf", "ping-pong", "-i", addr, "--full-rtt", "-t", str(secs)]
    return a + (["--tcp", "-p", str(PORT_TCP)] if proto == "tcp" else ["-p", str(PORT_UDP)])


def server_script(addr):
    return ("sockperf sr -i {a} -p {u} >/dev/null 2>&1 & sockperf sr --tcp -i {a} -p {t} >/dev/null 2>&1 & "
            "iperf3 -s -B {a} -p {i} >/dev/null 2>&1 & wait").format(a=addr, u=PORT_UDP, t=PORT_TCP, i=PORT_IPERF)


def with_tmp(edit):
    """edit, plus a tmpfs on /tmp: iperf3 makes its stream buffers there."""
    def e(c):
        c["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
                            "options": ["nosuid", "nodev", "size=64m"]})
        if edit:
            edit(c)
    return e


class Pair:
    """A mode's server container (running) and how to make client bundles."""

    def __init__(self, b, mode, root, n):
        self.b, self.mode, self.root, self.n = b, mode, root, n
        t = b.tag
        self.cid = "srv-%s" % mode
        self.links = []
        self.server_addr, self.client_edit, self.client_ann = self.wire(mode, t)
        ann, edit = self.server_net
        bd = b.bundle(["sh", "-c", server_script(self.server_addr)], "net-srv-" + mode, ann, with_tmp(edit),
                      rootfs=root)
        _, _, self.pid = b.create("hull", bd, self.cid)
        b.cmd("hull", "start", self.cid)
        wait_servers(self.pid)

    def wire(self, mode, t):
        """(server address, client edit, client annotations); sets server_net."""
        if mode == "bridge":
            br = "hb-nb" + t
            self.links.append(br)  # hull removes it (remove-empty); this is for a failure
            self.b.at_exit("bridge " + br, lambda: sh("ip", "link", "del", br, check=False))
            common = {"org.hull.net.bridge": br, "org.hull.net.bridge.address": "198.18.40.1/24",
                      "org.hull.net.bridge.remove-empty": "true"}
            self.server_net = (dict(common, **{"org.hull.net.address": "198.18.40.2/24"}), None)
            return "198.18.40.2", None, dict(common, **{"org.hull.net.address": "198.18.40.3/24"})
        if mode == "passthrough":
            a, z = "hb-pa" + t, "hb-pb" + t
            self.b.at_exit("veth " + a, lambda: sh("ip", "link", "del", a, check=False))
            sh("ip", "link", "add", a, "type", "veth", "peer", "name", z)
            self.links.append(a)
            sh("ip", "addr", "add", "198.18.41.1/24", "dev", a)
            sh("ip", "addr", "add", "198.18.41.2/24", "dev", z)
            sh("ip", "link", "set", a, "up")
            sh("ip", "link", "set", z, "up")
            # Back to the host at delete: the next run moves them in again.
            back = {"org.hull.net.netdevices.give-back": "true"}
            self.server_net = (back, lambda c: c["linux"].update(netDevices={a: {"name": "eth0"}}))
            return "198.18.41.1", lambda c: c["linux"].update(netDevices={z: {"name": "eth0"}}), back
        if mode == "macvlan":
            ifb = "hb-mi" + t
            self.b.at_exit("ifb " + ifb, lambda: sh("ip", "link", "del", ifb, check=False))
            sh("ip", "link", "add", ifb, "type", "ifb")
            self.links.append(ifb)
            sh("ip", "link", "set", ifb, "up")
            self.server_net = ({"org.hull.net.macvlan": ifb, "org.hull.net.address": "198.18.42.2/24"}, None)
            return "198.18.42.2", None, {"org.hull.net.macvlan": ifb, "org.hull.net.address": "198.18.42.3/24"}
        # loopback: the client joins the server's netns
        self.server_net = (None, None)

        def join(c):
            for ns in c["linux"]["namespaces"]:
                if ns["type"] == "network":
                    ns["path"] = "/proc/%d/ns/net" % self.pid
        return "127.0.0.1", join, None

    def client(self, args):
        """Runs a client container of args; its stdout."""
        self.n[0] += 1
        bd = self.b.bundle(args, "net-cli-%d" % self.n[0], self.client_ann, with_tmp(self.client_edit),
                           rootfs=self.root)
        return self.b.capture("hull", "run", "--bundle", bd, "cli-%d" % self.n[0])

    def close(self):
        self.b.stop("hull", self.cid, self.pid)
        for link in self.links:
            sh("ip", "link", "del", link, check=False)


def run(b, counts, res, outdir):
    secs = counts["net_secs"]
    root = net_rootfs(b)
    lat = {}
    thr = {}
    n = [0]
    steps = len(MODES) * 3 + 1
    done = 0
    for mode in MODES:
        p = Pair(b, mode, root, n)
        try:
            if counts["net_parallel"]:
                # smoke: sockperf spends 2 s of its own beyond -t, so the UDP
                # and TCP clients share one container and run at once.
                u, t = (" ".join(sockperf_args(p.server_addr, proto, secs)) for proto in ("udp", "tcp"))
                out = p.client(["sh", "-c", "%s >/tmp/u 2>&1 & %s >/tmp/t 2>&1; wait; cat /tmp/u; "
                                "echo @@; cat /tmp/t" % (u, t)]).split("@@")
                for proto, o in zip(("udp", "tcp"), out):
                    lat[(mode, proto)] = parse_sockperf(o)
                done += 2
            for proto in ("udp", "tcp") if not counts["net_parallel"] else ():
                out = p.client(sockperf_args(p.server_addr, proto, secs))
                lat[(mode, proto)] = parse_sockperf(out)
                done += 1
                b.progress.step("%s %s ping-pong" % (mode, proto), done, steps)
            out = p.client(["iperf3", "-c", p.server_addr, "-p", str(PORT_IPERF), "-t", str(secs),
                            "-i", "0.25", "-J"])
            j = json.loads(out)
            if "error" in j or "sum_received" not in j.get("end", {}):
                raise RuntimeError("iperf3 %s: %s" % (mode, j.get("error", "no result")))
            samples = [iv["sum"]["bits_per_second"] / 1e9 for iv in j["intervals"]
                       if iv["sum"]["seconds"] > 0.1]
            thr[mode] = {"samples_gbit": samples, "total_gbit": j["end"]["sum_received"]["bits_per_second"] / 1e9}
            done += 1
            b.progress.step("%s iperf3" % mode, done, steps)
        finally:
            p.close()
    rows = []
    for proto in ("udp", "tcp"):
        for mode in MODES:
            s = lat[(mode, proto)]
            rows.append([proto.upper(), mode, s["median"], s["q1"], s["q3"], s["p99"], s["p99.9"], s["min"], s["max"]])
    res.table("sockperf ping-pong round trip, usec (%d s per run, 400 ms warm-up%s)"
              % (secs, "; UDP and TCP at once" if counts["net_parallel"] else ""),
              ["proto", "mode", "median", "q1", "q3", "p99", "p99.9", "min", "max"], rows)
    rows = []
    for mode in MODES:
        s = summary(thr[mode]["samples_gbit"])
        rows.append([mode, thr[mode]["total_gbit"], s["median"], s["min"], s["max"], s["n"]])
    res.table("iperf3 TCP throughput, Gbit/s (%d s, 0.25 s intervals)" % secs,
              ["mode", "received", "interval median", "min", "max", "intervals"], rows)

    # netsetup time: netsetup.py's modes, `hull run` of /bin/true, alternating.
    runs = counts["netsetup_runs"]
    ns_modes = ("bare", "bridge", "macvlan", "passthrough")
    times = {m: [] for m in ns_modes}
    nsroot = os.path.join(b.bundles, "netsetup")
    os.makedirs(nsroot)
    with netsetup.Links(b.tag) as links:
        bds = links.bundles(nsroot, ns_modes, lambda c, m: b.base_edit("ns-" + m)(c))
        for i in range(runs):
            for m in ns_modes:
                ms, _ = b.cmd("hull", "run", "--bundle", bds[m], "ns-%s-%d" % (m, i))
                times[m].append(ms)
    done += 1
    b.progress.step("netsetup", done, steps)
    bare = summary(times["bare"])["median"]
    rows = []
    for m in ns_modes:
        s = summary(times[m])
        rows.append([m, s["median"], s["min"], s["max"], s["median"] - bare])
    res.table("netsetup: `hull run` /bin/true per mode, ms (tests/bench/netsetup.py's modes, %d runs, "
              "alternating)" % runs, ["mode", "median", "min", "max", "added over bare"], rows)
    res.notes.append("hull only: runc and crun have no networking of their own (a CNI plugin or "
                     "the engine wires their containers), so this experiment has no columns for them")
    res.notes.append("loopback: the client container joins the server container's netns and uses "
                     "127.0.0.1 (the host loopback's kernel path; the host's own lo is not used)")
    res.data["latency_usec"] = {"%s/%s" % k: v for k, v in lat.items()}
    res.data["throughput"] = thr
    res.data["netsetup_ms"] = times
    for proto in ("udp", "tcp"):
        report.boxplot(res, outdir, "net-%s-rtt" % proto, "%s ping-pong round trip (sockperf)" % proto.upper(),
                       "usec (log)", [(m, lat[(m, proto)]) for m in MODES], logscale=True)
    report.boxplot(res, outdir, "net-tcp-throughput", "TCP throughput (iperf3, 0.25 s intervals)", "Gbit/s",
                   [(m, summary(thr[m]["samples_gbit"])) for m in MODES])
    report.boxplot(res, outdir, "net-setup", "hull run /bin/true per network mode", "ms",
                   [(m, summary(times[m])) for m in ns_modes])
