"""Experiment 7: the latency experiment again, on cgroup v2 alone.

This host's layout is hybrid (v1 controllers, a v2 tree holding hugetlb);
tests/cgroup2/run.sh boots Debian's own kernel in qemu with
cgroup_no_v1=all, as `make check-cgroup2` does, here in its bench mode:
CGROUP2_BENCH is a directory that becomes /bench in the guest, whose
/bench/run the guest's init runs. It holds runc and crun (Debian's, with
their libraries), util-linux's unshare and chroot (the floor), the bundles
(the same config as on the host, root /fixture/rootfs) and alternate.c,
which runs per round: `run` /bin/true with hull, runc, crun, the floor,
hull's `run` with --debug (its steps) and `hull --version`, wall clock.
Round 0 is a warm-up, not counted.

qemu runs under TCG (no KVM here): absolute times are many times the
host's; the ratios between runtimes are the figures."""
import json
import os
import shutil
import subprocess

from benchlib import FIXTURE, TOP
from harness import ORDER, OCI_VERSION, RUNTIME_PATHS, BenchError, parse_timing, ratio, summary
import report
import steps

GUEST_BINS = {"runc": RUNTIME_PATHS["runc"], "crun": RUNTIME_PATHS["crun"],
              "unshare": "/usr/bin/unshare", "chroot": "/usr/sbin/chroot"}
PREFIX = "hull-cgroup2: bench: "

RUN_SH = """#!/bin/sh
# The bench's guest mode (tests/bench/exp_guest.py): runs in the cgroup v2
# guest of tests/cgroup2/run.sh, from its /init.
cd /
for rt in hull runc crun; do mkdir -p /tmp/st/$rt; done
echo "uname $(uname -r)"
echo "cgroupfs $(awk '$2 == "/sys/fs/cgroup" {{ print $3 }}' /proc/mounts)"
/bench/alternate {rounds} /tmp/alternate.err \\
	:: hull /hull --root /tmp/st/hull run --bundle /bench/b/hull r%d \\
	:: runc /bench/bin/runc --root /tmp/st/runc run --bundle /bench/b/runc r%d \\
	:: crun /bench/bin/crun --root /tmp/st/crun run --bundle /bench/b/crun r%d \\
	:: floor /bench/bin/unshare -fmpiun /bench/bin/chroot /fixture/rootfs /bin/true \\
	:: hull-debug /hull --debug --log /tmp/trace.log --root /tmp/st/hull run --bundle /bench/b/hull t%d \\
	:: hull-version /hull --version
rc=$?
[ $rc = 0 ] || tail -n 20 /tmp/alternate.err
grep -h 'timing run' /tmp/trace.log
# runc and crun leave the parent cgroup they made
[ ! -d /sys/fs/cgroup/hullbench ] || find /sys/fs/cgroup/hullbench -depth -type d -exec rmdir {{}} \\;
exit $rc
"""


def make_dir(b, d, rounds):
    """The directory run.sh copies to /bench."""
    os.makedirs(os.path.join(d, "bin"))
    shutil.copy(b.helper("alternate"), os.path.join(d, "alternate"))
    for name, path in GUEST_BINS.items():
        shutil.copy(path, os.path.join(d, "bin", name))
    with open(os.path.join(FIXTURE, "config.json")) as f:
        base = json.load(f)
    for rt in ORDER:
        cfg = json.loads(json.dumps(base))
        cfg["ociVersion"] = OCI_VERSION
        cfg["root"]["path"] = "/fixture/rootfs"
        cfg["process"]["args"] = ["/bin/true"]
        cfg["process"]["terminal"] = False
        cfg["linux"]["cgroupsPath"] = "/hullbench/lat-" + rt
        os.makedirs(os.path.join(d, "b", rt))
        with open(os.path.join(d, "b", rt, "config.json"), "w") as f:
            json.dump(cfg, f)
    with open(os.path.join(d, "run"), "w") as f:
        f.write(RUN_SH.format(rounds=rounds))
    os.chmod(os.path.join(d, "run"), 0o755)


def kernel_cache():
    """run.sh's cache for the bench: its own (its console log and images
    must not collide with a `make check-cgroup2`), seeded with the kernel
    package check-cgroup2 downloaded, when there is one."""
    build = os.path.join(TOP, os.environ.get("BUILDDIR", "build"))
    cache = os.path.join(build, "cgroup2-bench")
    os.makedirs(cache, exist_ok=True)
    src = os.path.join(build, "cgroup2")
    if os.path.isdir(src) and not any(f.endswith(".deb") for f in os.listdir(cache)):
        for f in os.listdir(src):
            if f.startswith("linux-image-") and f.endswith(".deb"):
                shutil.copy(os.path.join(src, f), cache)
    return cache


def run(b, counts, res, outdir):
    rounds = counts["guest_rounds"]
    d = os.path.join(b.tmp, "guest")
    make_dir(b, d, rounds + 1)
    cache = kernel_cache()
    env = dict(os.environ, CGROUP2_SUITES="", CGROUP2_BENCH=d, CGROUP2_CACHE=cache, CGROUP2_DISK_MB="0",
               CGROUP2_MODULES="virtio_pci", CGROUP2_TIMEOUT=str(counts["guest_timeout"]),
               HULL=b.paths["hull"], FIXTURE=FIXTURE)
    b.progress.step("booting the cgroup v2 guest (qemu, TCG), %d rounds" % rounds, 0, 1)
    r = subprocess.run(["sh", os.path.join(TOP, "tests/cgroup2/run.sh")], env=env, cwd=TOP,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    log = os.path.join(cache, "console.log")
    lines = []
    if os.path.exists(log):
        with open(log, errors="replace") as f:
            lines = [l.rstrip("\r\n")[len(PREFIX):] for l in f if l.startswith(PREFIX)]
    if r.returncode != 0:
        raise BenchError("tests/cgroup2/run.sh: exit %d: %s" % (r.returncode,
                                                               (r.stderr + r.stdout).strip()[-600:]))
    b.progress.step("guest done", 1, 1)
    t = {}
    traces = []
    info = {}
    for l in lines:
        f = l.split()
        if len(f) == 3 and f[1].isdigit():
            if int(f[1]) > 0:  # round 0: warm-up
                t.setdefault(f[0], []).append(float(f[2]))
        elif "timing run" in l:
            traces.append(parse_timing(l, "run"))
        elif len(f) == 2:
            info[f[0]] = f[1]
    traces = traces[1:]
    want = ORDER + ("floor", "hull-debug", "hull-version")
    if any(len(t.get(k, [])) != rounds for k in want) or len(traces) != rounds:
        raise BenchError("guest: %d rounds wanted; got %s, %d traces"
                         % (rounds, {k: len(t.get(k, [])) for k in want}, len(traces)))
    med = {k: summary(v)["median"] for k, v in t.items()}
    rows = []
    for k in want:
        s = summary(t[k])
        rows.append([k, s["median"], s["q1"], s["q3"], s["min"], s["max"], s["n"]])
    res.table("`run` of /bin/true in the cgroup v2 guest (kernel %s, %s on /sys/fs/cgroup, qemu TCG), "
              "ms, %d alternating rounds" % (info.get("uname", "?"), info.get("cgroupfs", "?"), rounds),
              ["runtime", "median", "q1", "q3", "min", "max", "runs"], rows)
    host = b.shared.get("latency", {}).get("median_ms")
    rrows = []
    if host:
        rrows.append(["this host (hybrid v1 + v2, a VM)", host["hull"], host["crun"], host["runc"], host["floor"],
                      ratio(host["hull"], host["crun"]), ratio(host["hull"], host["runc"]),
                      ratio(host["hull"], host["floor"])])
    rrows.append(["cgroup v2 guest (qemu TCG)", med["hull"], med["crun"], med["runc"], med["floor"],
                  ratio(med["hull"], med["crun"]), ratio(med["hull"], med["runc"]),
                  ratio(med["hull"], med["floor"])])
    res.table("`run` /bin/true, medians (ms) and their ratios, on both layouts",
              ["where", "hull", "crun", "runc", "floor", "hull/crun", "hull/runc", "hull/floor"], rrows,
              under=["The guest's absolute times are TCG's (an emulated CPU, many times slower); its "
                     "ratios are the comparison." + ("" if host else " (The host row needs experiment 1 "
                                                         "in the same run.)")])
    res.target("cgroup v2 guest: run, hull/crun (median)", ratio(med["hull"], med["crun"]), "<=", 0.8)
    steps.breakdown(res, "cgroup v2 guest: hull's run of /bin/true step by step (hull --debug, median "
                    "over %d rounds), beside the floor" % rounds, traces, t["hull-debug"], med["hull"],
                    med["floor"], med["hull-version"])
    res.notes.append("tests/cgroup2/run.sh's guest (Debian's kernel, cgroup_no_v1=all, 2 vCPUs under "
                     "TCG) with CGROUP2_BENCH: alternate.c runs hull, runc, crun, the floor, a traced "
                     "hull run and hull --version in turn; round 0 is a warm-up")
    res.data["ms"] = t
    res.data["steps_ms"] = traces
    res.data["guest"] = info
    report.boxplot(res, outdir, "guest-run", "run /bin/true in the cgroup v2 guest (qemu TCG)", "ms",
                   [(k, summary(t[k])) for k in ORDER + ("floor",)])
