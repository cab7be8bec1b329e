"""The side-by-side bench's machinery (tests/bench/bench.py): the three
runtimes, the private mount namespace they all run in, their state dirs on
a tmpfs, the cgroup parent every container's cgroupsPath lies under, timed
commands with their rusage, bundles, statistics, and the progress line.

Everything here runs inside the namespace bench.py re-execs itself into
(`unshare -m --propagation private`), as root, as a child subreaper: the
init of a container that its runtime's create left behind is then this
process's child, and is waited for with waitpid like any other."""
import ctypes
import errno
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

from benchlib import HULL, bundle

CGROUP_ROOT = "/sys/fs/cgroup"
UNIFIED = "/sys/fs/cgroup/unified"
# runc's and crun's Debian builds; hull is the tree's ./hull, copied (see Bench).
RUNTIME_PATHS = {"runc": "/usr/sbin/runc", "crun": "/usr/bin/crun"}
ORDER = ("hull", "runc", "crun")
# crun 1.8.1 refuses the ociVersion 1.2.0 that `hull spec` writes ("unknown
# version specified"): every runtime gets the same config with this one.
OCI_VERSION = "1.0.2"
PR_SET_CHILD_SUBREAPER = 36


class BenchError(Exception):
    """A command of the bench failed: the experiment stops, the others go on."""


def sh(*args, check=True):
    """A setup command (ip, losetup, mount): output dropped, errors raised."""
    r = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if check and r.returncode != 0:
        raise BenchError("%s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr.decode().strip()))
    return r.returncode


def v1_hierarchies():
    """The v1 cgroup mount points under /sys/fs/cgroup (cpu, memory, ...)."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            fstype = fields[fields.index("-") + 1]
            if fstype == "cgroup" and fields[4].startswith(CGROUP_ROOT + "/"):
                out.append(fields[4])
    return out


def mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def fs_of(path):
    """(fstype, options) of the mount holding path, from /proc/self/mounts."""
    best = ("", "", "")
    with open("/proc/self/mounts") as f:
        for line in f:
            dev, mnt, fstype, opts = line.split()[:4]
            if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best[0]):
                best = (mnt, fstype, opts)
    return best[1], best[2]


# --- statistics -------------------------------------------------------------

def quantile(v, q):
    """Linear-interpolated quantile q (0..1) of the values v."""
    s = sorted(v)
    if not s:
        return float("nan")
    x = q * (len(s) - 1)
    i = int(x)
    return s[i] if i + 1 >= len(s) else s[i] + (s[i + 1] - s[i]) * (x - i)


def summary(v):
    """median, min, max, quartiles of v: the numbers of a table row and a box."""
    return {"n": len(v), "median": statistics.median(v), "min": min(v), "max": max(v),
            "q1": quantile(v, 0.25), "q3": quantile(v, 0.75)}


def ratio(a, b):
    return a / b if b else float("nan")


# --- the progress line --------------------------------------------------------

class Progress:
    """One line on stderr: experiment k of n, what runs, runs done of total."""

    def __init__(self, n):
        self.n, self.k, self.name = n, 0, ""
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.lock = threading.Lock()

    def experiment(self, k, name):
        self.k, self.name = k, name
        self.step("starting", 0, 0)

    def step(self, what, done, total):
        with self.lock:
            now = time.monotonic()
            if not self.tty and done not in (0, total) and now - self.last < 5:
                return  # a log, not a terminal: one line every 5 s at most
            self.last = now
            line = "bench: experiment %d of %d (%s): %s" % (self.k, self.n, self.name, what)
            if total:
                line += ": %d of %d runs done" % (done, total)
            if self.tty:
                print("\r\033[K" + line, end="", file=sys.stderr, flush=True)
            else:
                print(line, file=sys.stderr, flush=True)

    def done(self):
        if self.tty:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


# --- the environment ----------------------------------------------------------

class Bench:
    """The runtimes, the tmpfs, the cgroup parent; timed commands."""

    def __init__(self, smoke, progress):
        self.smoke = smoke
        self.progress = progress
        self.pid = os.getpid()
        self.tag = str(self.pid % 100000)
        self.notes = []
        self.cleanups = []  # (what, callable), run in reverse by close()
        self.tmp = "/tmp/hull-bench-%d" % self.pid
        self.nbundle = 0
        self.versions = {}
        self.cg_parent = "hullbench-%d" % self.pid
        self.cg_made = []  # the parent in each hierarchy, once made
        self.shared = {}  # what one experiment hands to a later one

    def setup(self):
        """Makes everything close() removes: called inside the try whose
        finally calls close()."""
        os.makedirs(self.tmp)
        self.cleanups.append(("tmpfs", self._rm_tmp))
        self.run_fs = fs_of("/run")
        # The namespace the runtimes share: unified (cgroup2 holding only
        # hugetlb here) out of it, or crun refuses this hybrid layout.
        if mounted(UNIFIED):
            sh("umount", UNIFIED)
            self.notes.append("%s (cgroup2, hugetlb only) unmounted in the bench's private mount "
                              "namespace: crun refuses the hybrid layout with it; every runtime, "
                              "hull included, runs there" % UNIFIED)
        sh("mount", "-t", "tmpfs", "-o", "mode=0700,size=2g", "hull-bench", self.tmp)
        self.notes.append("state dirs (--root) of all runtimes and the bundles on a tmpfs mounted "
                          "in that namespace; this machine's /run is %s (%s)"
                          % self.run_fs)
        self.state = {}
        self.paths = {}
        # hull is copied: other people may rebuild ./hull while the bench runs.
        hull_copy = os.path.join(self.tmp, "hull")
        shutil.copy2(HULL, hull_copy)
        self.paths["hull"] = hull_copy
        self.notes.append("hull runs from a copy of %s on that tmpfs (the tree may be rebuilt "
                          "meanwhile); runc and crun from Debian's packages" % HULL)
        self.paths.update(RUNTIME_PATHS)
        for rt in ORDER:
            self.state[rt] = os.path.join(self.tmp, "state", rt)
            os.makedirs(self.state[rt])
        self.bundles = os.path.join(self.tmp, "bundles")
        os.makedirs(self.bundles)
        self.errdir = os.path.join(self.tmp, "err")
        os.makedirs(self.errdir)
        self.versions = {rt: self.version(rt) for rt in ORDER}
        # The peak-RSS launcher (see maxrss.c), built static on the tmpfs.
        self.maxrss_bin = self.helper("maxrss")
        # The cgroup parent: made here, in every v1 hierarchy, removed at the end.
        self.hier = v1_hierarchies()
        self.cleanups.append(("cgroups", self._rm_cgroups))
        for h in self.hier:
            d = os.path.join(h, self.cg_parent)
            os.mkdir(d)
            self.cg_made.append(d)
            if os.path.basename(h) == "cpuset":
                for f in ("cpuset.cpus", "cpuset.mems"):
                    with open(os.path.join(h, f)) as src, open(os.path.join(d, f), "w") as dst:
                        dst.write(src.read())
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise BenchError("prctl PR_SET_CHILD_SUBREAPER: %s" % os.strerror(ctypes.get_errno()))
        self.cleanups.append(("containers", self._rm_containers))

    def helper(self, name):
        """tests/bench/NAME.c built static on the tmpfs (once): its path."""
        exe = os.path.join(self.tmp, name)
        if not os.path.exists(exe):
            sh("cc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-static", "-o", exe,
               os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".c"))
        return exe

    def version(self, rt):
        r = subprocess.run([self.paths[rt], "--version"], capture_output=True, text=True)
        return r.stdout.splitlines()[0].strip() if r.stdout else "?"

    # -- cleanup --

    def at_exit(self, what, fn):
        self.cleanups.append((what, fn))

    def close(self):
        errs = []
        # Containers first (they hold links, devices, cgroups), then the rest
        # in the reverse order of making.
        steps = sorted(reversed(self.cleanups), key=lambda c: c[0] != "containers")
        for what, fn in steps:
            try:
                fn()
            except Exception as e:  # every step is tried
                errs.append("%s: %s" % (what, e))
        self.cleanups = []
        return errs

    def _rm_containers(self):
        """delete --force of whatever a failed experiment left in a state dir."""
        for rt in ORDER:
            d = self.state[rt]
            for cid in sorted(os.listdir(d)) if os.path.isdir(d) else []:
                self.cmd(rt, "delete", "--force", cid, check=False)
        self.reap()

    def _rm_cgroups(self):
        """Removes the parent cgroup and what is left below it, deepest first;
        a cgroup whose processes are still dying is retried (bounded)."""
        left = []
        for top in self.cg_made:
            dirs = [r for r, _, _ in os.walk(top)]
            for d in sorted(dirs, key=len, reverse=True):
                for _ in range(100):
                    try:
                        os.rmdir(d)
                        break
                    except OSError as e:
                        if e.errno == errno.ENOENT:
                            break
                        if e.errno != errno.EBUSY:
                            raise
                        time.sleep(0.02)
                else:
                    left.append(d)
        if left:
            raise BenchError("cgroups left (busy): %s" % " ".join(left))

    def _rm_tmp(self):
        if mounted(self.tmp):
            sh("umount", "-l", self.tmp)
        os.rmdir(self.tmp)

    # -- processes --

    def reap(self):
        """Waits for every exited child (container inits this subreaper
        inherited). Only called while no command of the bench is running."""
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    def spawn(self, argv, stdout=None):
        """Runs argv, stdin /dev/null, stdout to the fd stdout or /dev/null,
        stderr to a file (a container left running by create keeps it, so
        not a pipe). Returns (exit status, wall ms, ru_maxrss KiB, stderr)."""
        errpath = os.path.join(self.errdir, "%d" % threading.get_ident())
        errfd = os.open(errpath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        fa = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
              (os.POSIX_SPAWN_DUP2, stdout, 1) if stdout is not None else
              (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
              (os.POSIX_SPAWN_DUP2, errfd, 2)]
        try:
            t0 = time.perf_counter_ns()
            pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=fa)
            _, status, ru = os.wait4(pid, 0)
            t1 = time.perf_counter_ns()
        finally:
            os.close(errfd)
        with open(errpath, errors="replace") as f:
            err = f.read().strip()
        return os.waitstatus_to_exitcode(status), (t1 - t0) / 1e6, ru.ru_maxrss, err

    def cmd(self, rt, *args, check=True, stdout=None):
        """`RUNTIME --root STATE args...`: (wall ms, ru_maxrss KiB)."""
        argv = [self.paths[rt], "--root", self.state[rt]] + list(args)
        rc, ms, rss, err = self.spawn(argv, stdout)
        if check and rc != 0:
            raise BenchError("%s %s: exit %d: %s" % (rt, " ".join(args), rc, err.splitlines()[-1:] or ""))
        return ms, rss

    def maxrss(self, rt, *args, check=True):
        """`RUNTIME --root STATE args...` through maxrss: its ru_maxrss, KiB,
        the runtime and the children it waited for."""
        out = os.path.join(self.tmp, "maxrss-%d" % threading.get_ident())
        argv = [self.maxrss_bin, out, self.paths[rt], "--root", self.state[rt]] + list(args)
        rc, _, _, err = self.spawn(argv)
        if check and rc != 0:
            raise BenchError("%s %s: exit %d: %s" % (rt, " ".join(args), rc, err.splitlines()[-1:] or ""))
        with open(out) as f:
            return int(f.read())

    def maxrss_floor(self):
        """What the launcher itself shows: maxrss running maxrss (a usage
        error, nothing else), KiB."""
        out = os.path.join(self.tmp, "maxrss-floor")
        self.spawn([self.maxrss_bin, out, self.maxrss_bin])
        with open(out) as f:
            return int(f.read())

    def traced(self, *args):
        """`hull --debug --log FILE --root STATE args...`: (wall ms, {step:
        ms}) with the steps of the command's timing line (parse_timing)."""
        log = os.path.join(self.tmp, "trace-%d.log" % threading.get_ident())
        argv = [self.paths["hull"], "--debug", "--log", log, "--root", self.state["hull"]] + list(args)
        try:
            rc, ms, _, err = self.spawn(argv)
            if rc != 0:
                raise BenchError("hull --debug %s: exit %d: %s" % (" ".join(args), rc, err.splitlines()[-1:] or ""))
            with open(log) as f:
                steps = parse_timing(f.read(), args[0])
        finally:
            if os.path.exists(log):
                os.unlink(log)
        if steps is None:
            raise BenchError("hull --debug %s: no timing line in its log" % args[0])
        return ms, steps

    def capture(self, rt, *args, timeout=120):
        """`RUNTIME --root STATE args...` with stdout read (for `run`, whose
        container is gone when it returns): the output."""
        argv = [self.paths[rt], "--root", self.state[rt]] + list(args)
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout)
        if r.returncode != 0:
            raise BenchError("%s %s: exit %d: %s" % (rt, " ".join(args[:3]), r.returncode,
                                                     r.stderr.strip()[-300:]))
        return r.stdout

    def create(self, rt, bundle_dir, cid):
        """create, with --pid-file: (ms, maxrss, the init's pid)."""
        pidfile = os.path.join(self.tmp, "pid-%s-%s" % (rt, cid))
        ms, rss = self.cmd(rt, "create", "--bundle", bundle_dir, "--pid-file", pidfile, cid)
        with open(pidfile) as f:
            pid = int(f.read())
        os.unlink(pidfile)
        return ms, rss, pid

    def wait_exit(self, pid, timeout=60):
        """Waits for a container's init: this subreaper's child once its
        runtime's create returned."""
        try:
            os.waitpid(pid, 0)
            return
        except ChildProcessError:
            pass
        # Not ours (a runtime that keeps it as its child): a pidfd then.
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            return
        try:
            import select
            p = select.poll()
            p.register(fd, select.POLLIN)
            if not p.poll(timeout * 1000):
                raise BenchError("pid %d: still running after %d s" % (pid, timeout))
        finally:
            os.close(fd)

    def stop(self, rt, cid, pid):
        """kill KILL, wait, delete."""
        self.cmd(rt, "kill", cid, "KILL", check=False)
        self.wait_exit(pid)
        self.cmd(rt, "delete", cid)

    # -- bundles and cgroups --

    def bundle(self, args, cgroup, annotations=None, edit=None, rootfs=None):
        """A bundle on the tmpfs: the fixture's `hull spec` config with
        process.args, ociVersion OCI_VERSION, linux.cgroupsPath
        /PARENT/cgroup, then edit(cfg)."""
        self.nbundle += 1
        base = self.base_edit(cgroup)

        def e(cfg):
            base(cfg)
            if rootfs:
                cfg["root"]["path"] = rootfs
            if edit:
                edit(cfg)
        return bundle(self.bundles, "b%d-%s" % (self.nbundle, cgroup), args, annotations, e)

    def base_edit(self, cgroup):
        """What every bench config gets: ociVersion, cgroupsPath /PARENT/cgroup."""
        def e(cfg):
            cfg["ociVersion"] = OCI_VERSION
            cfg["linux"]["cgroupsPath"] = "/%s/%s" % (self.cg_parent, cgroup)
        return e

    def cg_dir(self, controller, cgroup):
        return os.path.join(CGROUP_ROOT, controller, self.cg_parent, cgroup)

    def cg_read(self, controller, cgroup, f):
        with open(os.path.join(self.cg_dir(controller, cgroup), f)) as fh:
            return fh.read().strip()

    def in_container_cgroup(self, pid):
        """Whether pid is in a cgroup below the bench's parent (pids tree)."""
        try:
            with open("/proc/%d/cgroup" % pid) as f:
                for line in f:
                    _, ctrl, path = line.rstrip("\n").split(":", 2)
                    if ctrl == "pids":
                        return path.startswith("/%s/" % self.cg_parent)
        except OSError:
            pass
        return False


# --- hull --debug's step timings ------------------------------------------------

def parse_timing(text, cmd):
    """The step times of `hull --debug CMD` from its log text: {step: ms} in
    the order logged; a step logged twice (run's "state") gets "#2"; the
    init's own steps (after "| container init:") get "init:" in front.
    None when the log has no timing line for CMD."""
    for line in text.splitlines():
        i = line.find("timing %s (ms): " % cmd)
        if i < 0:
            continue
        body = line[i + len("timing %s (ms): " % cmd):]
        body = body.split('"')[0] if '"' in body else body  # text format: msg="..."
        steps = {}
        for part in body.split(" | "):
            prefix = ""
            if part.startswith("container init: "):
                prefix, part = "init:", part[len("container init: "):]
            for kv in part.split():
                k, _, v = kv.partition("=")
                key = prefix + k
                n = 2
                while key in steps:
                    key = "%s%s#%d" % (prefix, k, n)
                    n += 1
                steps[key] = float(v)
        return steps
    return None


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
