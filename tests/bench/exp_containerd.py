"""Experiment 8: containerd. A private containerd (its own config, root,
state and sockets; no CRI, no networking) drives three configurations
with ctr, in one run:

  hull-shim       hull's own shim, containerd-shim-hull-v2 (--runtime
                  io.containerd.hull.v2; the shim on containerd's PATH)
  hull/runc-shim  containerd-shim-runc-v2 running hull (--runc-binary)
  runc/runc-shim  containerd-shim-runc-v2 running Debian's runc

Resident memory: N `ctr run -d` containers of `sleep` per configuration;
RSS, PSS and private dirty memory (smaps_rollup) of each shim process of
this containerd, per container. Latency: `ctr run --rm /bin/true`, the
configurations alternating round by round. Scale: N containers started by
`ctr run -d` at concurrency 1 and 8 (wall time of all the starts), then
removed. After each part no shim of this containerd may be left."""
import os
import shutil
import subprocess
import threading
import time

from benchlib import FIXTURE, TOP
from harness import BenchError, summary, ratio
import report

SHIM = os.environ.get("HULL_SHIM", os.path.join(TOP, "containerd-shim-hull-v2"))
CONFIGS = ("hull-shim", "hull/runc-shim", "runc/runc-shim")
NS = "hullbench"


class Containerd:
    """The private containerd and ctr against it."""

    def __init__(self, b):
        self.b = b
        self.dir = os.path.join(b.tmp, "ctd")
        os.makedirs(os.path.join(self.dir, "bin"))
        for d in ("fifo", "runc-hull", "runc-runc"):
            os.makedirs(os.path.join(self.dir, d))
        # a copy, as hull's: the tree may be rebuilt meanwhile
        shutil.copy2(SHIM, os.path.join(self.dir, "bin", "containerd-shim-hull-v2"))
        self.sock = os.path.join(self.dir, "containerd.sock")
        self.rootfs = os.path.join(self.dir, "rootfs")
        shutil.copytree(os.path.join(FIXTURE, "rootfs"), self.rootfs, symlinks=True)
        conf = os.path.join(self.dir, "config.toml")
        with open(conf, "w") as f:
            f.write('version = 2\nroot = "%(d)s/root"\nstate = "%(d)s/state"\n'
                    'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", '
                    '"io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", '
                    '"io.containerd.snapshotter.v1.devmapper"]\n[grpc]\n  address = "%(s)s"\n'
                    '[ttrpc]\n  address = "%(s)s.ttrpc"\n[plugins."io.containerd.internal.v1.opt"]\n'
                    '  path = "%(d)s/opt"\n' % {"d": self.dir, "s": self.sock})
        env = dict(os.environ, PATH=os.path.join(self.dir, "bin") + ":" + os.environ.get("PATH", "/usr/bin:/bin"))
        self.log = open(os.path.join(self.dir, "containerd.log"), "w")
        self.proc = subprocess.Popen(["/usr/bin/containerd", "--config", conf], env=env, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log, start_new_session=True)
        b.at_exit("containerd", self.stop)
        end = time.monotonic() + 20
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.monotonic() > end:
                raise BenchError("containerd did not start (see %s/containerd.log)" % self.dir)
            time.sleep(0.02)

    def runtime(self, cfg):
        if cfg == "hull-shim":
            return ["--runtime", "io.containerd.hull.v2"]
        rt = "hull" if cfg.startswith("hull") else "runc"
        return ["--runc-binary", self.b.paths[rt], "--runc-root", os.path.join(self.dir, "runc-" + rt)]

    def ctr(self, *args, check=True):
        rc, ms, _, err = self.b.spawn(["/usr/bin/ctr", "--address", self.sock, "-n", NS] + list(args))
        if check and rc != 0:
            raise BenchError("ctr %s: exit %d: %s" % (" ".join(args[:3]), rc, err[-300:]))
        return rc, ms

    def run(self, cfg, cid, *cmd, detach=False):
        """ms of `ctr run`."""
        return self.ctr("run", "--rm" if not detach else "--detach", "--fifo-dir", os.path.join(self.dir, "fifo"),
                        "--cgroup", "/%s/%s" % (self.b.cg_parent, cid), *self.runtime(cfg),
                        "--rootfs", self.rootfs, cid, *cmd)[1]

    def remove(self, cid):
        self.ctr("task", "kill", "--signal", "KILL", cid, check=False)
        end = time.monotonic() + 10
        while self.ctr("task", "delete", cid, check=False)[0] and time.monotonic() < end:
            time.sleep(0.02)
        self.ctr("container", "delete", cid, check=False)

    def shims(self):
        """The pids of this containerd's shims (both kinds)."""
        out = []
        for p in os.listdir("/proc"):
            try:
                with open("/proc/%s/cmdline" % p, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if argv and b"containerd-shim" in argv[0] and self.sock.encode() in argv:
                out.append(int(p))
        return out

    def no_shims_left(self, what):
        end = time.monotonic() + 10
        while self.shims() and time.monotonic() < end:
            time.sleep(0.05)
        if self.shims():
            raise BenchError("%s: shims left: %s" % (what, self.shims()))

    def stop(self):
        for pid in self.shims():
            os.kill(pid, 9)
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()
        # the shims' sockets live in /run/containerd/s: named in the bundles
        tasks = os.path.join(self.dir, "state", "io.containerd.runtime.v2.task", NS)
        for cid in os.listdir(tasks) if os.path.isdir(tasks) else []:
            try:
                with open(os.path.join(tasks, cid, "address")) as f:
                    os.unlink(f.read().strip()[len("unix://"):])
            except OSError:
                pass
        # hull's state root of the namespace, and its parents when empty
        for d in ("/run/containerd/hull/" + NS, "/run/containerd/hull", "/run/containerd/s", "/run/containerd"):
            try:
                os.rmdir(d)
            except OSError:
                pass
        subprocess.run(["/bin/sh", "-c", "grep ' %s/' /proc/self/mountinfo | cut -d' ' -f5 | sort -r | "
                        "xargs -r -n1 umount -l" % self.dir])


def smaps(pid):
    v = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            k = line.split(":")[0]
            if k in ("Rss", "Pss", "Private_Dirty"):
                v[k] = int(line.split()[1]) / 1024.0
    return v


def memory(c, counts, res):
    n = counts["ctd_detached"]
    rows, mem = [], {}
    for cfg in CONFIGS:
        ids = ["m%d-%s" % (i, cfg.split("/")[0]) for i in range(n)]
        for cid in ids:
            c.run(cfg, cid, "/bin/sleep", "1000", detach=True)
        per = [smaps(p) for p in c.shims()]
        mem[cfg] = {k: sum(x[k] for x in per) / n for k in ("Rss", "Pss", "Private_Dirty")}
        rows.append([cfg, len(per), mem[cfg]["Rss"], mem[cfg]["Pss"], mem[cfg]["Private_Dirty"]])
        for cid in ids:
            c.remove(cid)
        c.no_shims_left("memory, " + cfg)
        c.b.progress.step("memory", CONFIGS.index(cfg) + 1, len(CONFIGS))
    res.table("Shim memory per container, MiB (%d `ctr run -d` containers of sleep)" % n,
              ["configuration", "shims", "RSS", "PSS", "private dirty"], rows)
    res.target("hull-shim: PSS per container", mem["hull-shim"]["Pss"], "<=", 0.5, " MiB")
    res.data["memory_mib"] = mem


def latency(c, counts, res, outdir):
    rounds = counts["ctd_rounds"]
    t = {cfg: [] for cfg in CONFIGS}
    for i in range(rounds):
        for cfg in CONFIGS:
            t[cfg].append(c.run(cfg, "r%d-%s" % (i, cfg.split("/")[0]), "/bin/true"))
        c.b.progress.step("ctr run --rm", i + 1, rounds)
    c.no_shims_left("latency")
    s = {cfg: summary(v) for cfg, v in t.items()}
    res.table("`ctr run --rm /bin/true`, ms (%d alternating rounds)" % rounds,
              ["configuration", "median", "q1", "q3", "min", "max"],
              [[cfg, s[cfg]["median"], s[cfg]["q1"], s[cfg]["q3"], s[cfg]["min"], s[cfg]["max"]] for cfg in CONFIGS])
    res.target("ctr run --rm: hull-shim / hull under the runc shim (median)",
               ratio(s["hull-shim"]["median"], s["hull/runc-shim"]["median"]), "<=", 0.7)
    res.data["run_rm_ms"] = t
    report.boxplot(res, outdir, "containerd-run-rm", "ctr run --rm /bin/true", "ms", [(k, s[k]) for k in CONFIGS])


def scale(c, counts, res):
    n = counts["ctd_scale"]
    rows = []
    for conc in counts["concurrency"]:
        for cfg in CONFIGS:
            ids = ["s%d-%d-%s" % (conc, i, cfg.split("/")[0]) for i in range(n)]
            errors = []

            def worker(part):
                try:
                    for cid in part:
                        c.run(cfg, cid, "/bin/sleep", "1000", detach=True)
                except Exception as e:
                    errors.append(e)
            threads = [threading.Thread(target=worker, args=(ids[k::conc],)) for k in range(conc)]
            t0 = time.monotonic()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            secs = time.monotonic() - t0
            for cid in ids:
                c.remove(cid)
            c.no_shims_left("scale, " + cfg)
            if errors:
                raise errors[0]
            rows.append([conc, cfg, secs, secs * 1000 / n])
            c.b.progress.step("scale, concurrency %d" % conc, CONFIGS.index(cfg) + 1, len(CONFIGS))
    res.table("%d containers started with `ctr run -d` (then removed)" % n,
              ["concurrency", "configuration", "total s", "ms per container"], rows)
    res.data["scale"] = rows


def run(b, counts, res, outdir):
    if not os.access(SHIM, os.X_OK):
        raise BenchError("%s: not built (make containerd-shim-hull-v2)" % SHIM)
    c = Containerd(b)
    version = subprocess.run(["/usr/bin/containerd", "--version"], capture_output=True, text=True).stdout.split()
    res.notes.append("containerd %s, private (own config, root, state, sockets; CRI off); ctr's --cgroup "
                     "puts every container under the bench's parent cgroup" % (version[2] if len(version) > 2 else "?"))
    memory(c, counts, res)
    latency(c, counts, res, outdir)
    scale(c, counts, res)
