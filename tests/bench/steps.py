"""hull's `run` step by step, from `hull --debug` (its "timing run" line),
beside the floor: what each step does, what the floor
(`unshare -fmpiun chroot ROOTFS /bin/true`) does in its place, and the
table both the host's latency experiment and the cgroup v2 guest show."""
from harness import summary

# (step, what hull does there, what the floor does instead; None: nothing,
# the step is hull's alone). The init's steps (init:...) run inside "init".
STEPS = [
    ("outside", "not traced: exec of hull, its re-exec from the read-only copy, exit, the caller's wait4",
     "exec of unshare, then of chroot; exit; wait4"),
    ("parse", "options, the command", None),
    ("config", "config.json read and parsed", None),
    ("validate", "checks, namespace plan, seccomp filter compiled", None),
    ("state-dir", "state dir claimed", None),
    ("cgroup", "the container's cgroup made (each v1 hierarchy on this host; one directory on v2)", None),
    ("state", "state.json and config.json written", None),
    ("start-socket", "the start socket, the socketpair to the init, id-mapped mount fds", None),
    ("clone", "clone3 of the init, into new namespaces and its cgroup", "unshare(2), fork"),
    ("network", "id maps, network (none here)", None),
    ("hooks", "hooks (none here), GO to the init", None),
    ("init", "the parent waits for the init's ready report: the init's steps below, and the wake-ups",
     "chroot(2)"),
    ("init:namespaces", "  init: not dumpable, namespaces joined, loopback up, session keyring", None),
    ("init:root", "  init: root bound onto itself", None),
    ("init:mounts", "  init: the spec's mounts (proc, sysfs, /dev tmpfs, devpts, shm, mqueue, cgroup)", None),
    ("init:devices", "  init: device nodes", None),
    ("init:masks", "  init: cwd, sysctl, read-only and masked paths", None),
    ("init:hooks", "  init: hooks before pivot_root (none here)", None),
    ("init:pivot", "  init: pivot_root, the old root detached", "(chroot above)"),
    ("init:enter", "  init: read-only root, hostname, rlimits, capabilities, no_new_privs, seccomp", None),
    ("state#2", "state.json saved with the init's pid", None),
    ("create", "pid file, pidfd", None),
    ("start", "GO on the start socket; the init execs /bin/true (the socket closes on exec)", "exec of /bin/true"),
    ("wait", "/bin/true runs and exits, reaped", "the same"),
    ("delete", "the cgroup and the state dir removed", None),
]


def step_medians(traces, walls):
    """{step: [ms per round]} from the timing dicts of the traced runs, with
    "outside" = the traced run's wall time - the sum of the parent's steps."""
    per = {}
    for t, w in zip(traces, walls):
        parent = sum(v for k, v in t.items() if not k.startswith("init:"))
        per.setdefault("outside", []).append(w - parent)
        for k, v in t.items():
            per.setdefault(k, []).append(v)
    return per


def breakdown(res, caption, traces, walls, run_ms, floor_ms, version_ms=None):
    """The step table (median, q1, q3 of each step over the rounds) and the
    gap to the floor, in res; returns {step: median}."""
    per = step_medians(traces, walls)
    med = {k: summary(v)["median"] for k, v in per.items()}
    known = {s for s, _, _ in STEPS}
    rows = []
    for step, what, floor in STEPS + [(k, "(a step this table does not know)", None)
                                      for k in per if k not in known]:
        if step not in per:
            continue
        s = summary(per[step])
        rows.append([step, what, s["median"], s["q1"], s["q3"], floor or "-"])
    parent = sum(v for k, v in med.items() if not k.startswith("init:"))
    wall = summary(walls)["median"]
    rows.append(["all steps", "sum of the parent's step medians (outside included)", parent, "", "", ""])
    rows.append(["traced run", "`hull --debug --log FILE run`, wall clock", wall,
                 summary(walls)["q1"], summary(walls)["q3"], ""])
    rows.append(["run", "`hull run`, wall clock (not traced)", run_ms, "", "", "the floor: %.2f" % floor_ms])
    if version_ms is not None:
        rows.append(["hull --version", "one exec of hull, for scale (the run above has two)", version_ms,
                     "", "", ""])
    res.table(caption, ["step", "what hull does", "median ms", "q1", "q3", "the floor, instead"], rows)
    only = [s for s, _, f in STEPS if f is None and not s.startswith("init:")]
    init_only = [s for s, _, f in STEPS if f is None and s.startswith("init:")]
    gap = run_ms - floor_ms
    res.notes.append(
        "%s: run − floor = %.2f ms; the steps the floor has nothing for add up to %.2f ms (parent: %s) "
        "+ %.2f ms in the init (%s); the rest of the gap is in the steps both do (exec, clone, start, wait)"
        % (caption.split(" (")[0], gap, sum(med.get(s, 0) for s in only),
           ", ".join("%s %.2f" % (s, med[s]) for s in only if med.get(s, 0) >= 0.1),
           sum(med.get(s, 0) for s in init_only),
           ", ".join("%s %.2f" % (s[5:], med[s]) for s in init_only if med.get(s, 0) >= 0.1)))
    return med
