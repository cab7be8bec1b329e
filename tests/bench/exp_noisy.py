"""Experiment 6: noisy neighbour (hull only; runc and crun would need a
network the bench wires for them, and the point here is hull's cgroups).

A latency-sensitive pair of hull containers on a bridge (sockperf server
and a sockperf UDP ping-pong client) measured:
  alone      nothing else running
  hog        next to a container of two busy loops (both CPUs), no limits
  cpuset     the hog on cpus "0", server and client on cpus "1"
  shares     the hog at cpu.shares 2, server and client at 8192
Round-trip p50, p99, p99.9 in usec."""
from exp_net import (net_rootfs, parse_sockperf, server_script, sockperf_args, wait_servers, with_tmp)
from harness import sh
import report

SCENARIOS = (("alone", None, None), ("hog", {}, None),
             ("cpuset", {"cpus": "0"}, {"cpus": "1"}),
             ("shares", {"shares": 2}, {"shares": 8192}))
HOG = "while :; do :; done & while :; do :; done & wait"


def run(b, counts, res, outdir):
    secs = counts["noisy_secs"]
    root = net_rootfs(b)
    br = "hb-qb" + b.tag
    b.at_exit("bridge " + br, lambda: sh("ip", "link", "del", br, check=False))
    common = {"org.hull.net.bridge": br, "org.hull.net.bridge.address": "198.18.43.1/24",
              "org.hull.net.bridge.remove-empty": "true"}

    def cpu(c, res_):
        if res_:
            c["linux"].setdefault("resources", {})["cpu"] = dict(res_)
    lat = {}
    for k, (name, hog_cpu, lat_cpu) in enumerate(SCENARIOS):
        running = []
        try:
            if hog_cpu is not None:
                bd = b.bundle(["sh", "-c", HOG], "noisy-hog-" + name, edit=lambda c: cpu(c, hog_cpu))
                _, _, pid = b.create("hull", bd, "hog-" + name)
                running.append(("hog-" + name, pid))
                b.cmd("hull", "start", "hog-" + name)
            bd = b.bundle(["sh", "-c", server_script("198.18.43.2")], "noisy-srv-" + name,
                          dict(common, **{"org.hull.net.address": "198.18.43.2/24"}),
                          with_tmp(lambda c: cpu(c, lat_cpu)), rootfs=root)
            _, _, pid = b.create("hull", bd, "srv-" + name)
            running.append(("srv-" + name, pid))
            b.cmd("hull", "start", "srv-" + name)
            wait_servers(pid)
            bd = b.bundle(sockperf_args("198.18.43.2", "udp", secs), "noisy-cli-" + name,
                          dict(common, **{"org.hull.net.address": "198.18.43.3/24"}),
                          with_tmp(lambda c: cpu(c, lat_cpu)), rootfs=root)
            lat[name] = parse_sockperf(b.capture("hull", "run", "--bundle", bd, "cli-" + name))
        finally:
            for cid, pid in reversed(running):
                b.stop("hull", cid, pid)
        b.progress.step(name, k + 1, len(SCENARIOS))
    def show(r):
        return ", ".join("%s %s" % kv for kv in r.items()) if r else "none"
    rows = []
    alone = lat["alone"]
    for name, hog_cpu, lat_cpu in SCENARIOS:
        s = lat[name]
        rows.append([name, "no hog" if hog_cpu is None else show(hog_cpu), show(lat_cpu), s["median"], s["p99"], s["p99.9"], s["max"],
                     s["p99"] / alone["p99"]])
    res.table("UDP ping-pong round trip of the latency-sensitive pair, usec (%d s per scenario)" % secs,
              ["scenario", "hog cpu", "pair cpu", "p50", "p99", "p99.9", "max", "p99 / alone"], rows)
    res.notes.append("hull only: runc and crun have no networking of their own; the pair talks over "
                     "a bridge hull makes (198.18.43.0/24)")
    res.data["latency_usec"] = lat
    report.boxplot(res, outdir, "noisy", "UDP round trip next to a CPU hog (sockperf)", "usec (log)",
                   [(n, lat[n]) for n, _, _ in SCENARIOS], logscale=True)
