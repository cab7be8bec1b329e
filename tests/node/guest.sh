#!/bin/sh
# The payload of the make check-node guest, run by hull-node.service (the
# image's systemd) from the payload disk mounted at /opt/hull, with its
# output on the serial console. Checks the node (systemd's boot, cgroup v2,
# AppArmor, containerd with its config), runs the suites of
# HULL_NODE_SUITES with hull's cgroupfs driver and HULL_NODE_SYSTEMD_SUITES
# with its systemd driver, checks that they left no cgroup behind, and exits: the unit then powers the guest off.
#
# Every line the host reads starts with "hull-node: ". The Check output of a
# suite goes to a file first and is printed whole, so that kernel messages
# cannot split its lines.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
P=/opt/hull
. $P/env

say() {
	echo "hull-node: $*"
}
status=0
setup() {
	say "setup: $*"
	status=1
}
uptime() {
	cut -d' ' -f1 /proc/uptime
}

# OOM kills are logged at KERN_ERR; they belong in dmesg, not amid the output.
dmesg -n 1
t_start=$(uptime)

# The service's cgroup is delegated (Delegate=yes): this shell moves to a
# leaf of it, as the test runner will, so that hull may enable controllers
# in the service's cgroup.subtree_control (no process may sit there).
me=$(sed -n 's/^0:://p' /proc/self/cgroup)
cg=/sys/fs/cgroup$me
mkdir -p "$cg/payload" "$cg/runner" && echo $$ >"$cg/payload/cgroup.procs" ||
	setup "cannot move to $cg/payload"

# --- the boot -------------------------------------------------------------------
state=$(timeout 120 systemctl is-system-running --wait 2>&1)
say "boot: uptime ${t_start} s, system $state, $(systemd-analyze time 2>&1 | head -n 1)"
if [ "$state" != running ]; then
	say "boot: failed units: $(systemctl list-units --failed --plain --no-legend | awk '{ printf "%s ", $1 }')"
fi
say "boot: slowest units: $(systemd-analyze blame --no-pager 2>/dev/null | head -n 5 | awk '{ printf "%s %s, ", $2, $1 }')"
# Linux 6.1 leaves a process in its time namespace at execve (after
# unshare(CLONE_NEWTIME) only children enter the new one); later kernels
# move it. hull's init joins it with setns, so either way is fine: this line
# says which kernel the exec suite's time namespace test ran on.
[ "$(unshare --time readlink /proc/self/ns/time)" = "$(readlink /proc/self/ns/time)" ] && tns=no || tns=yes
say "kernel: $(uname -r), execve enters an unshared time namespace: $tns, command line: $(cat /proc/cmdline)"
fs=$(stat -f -c %T /sys/fs/cgroup)
say "cgroup: /sys/fs/cgroup is $fs, payload in $me, controllers: $(cat "$cg/cgroup.controllers")"
[ "$fs" = cgroup2fs ] || setup "/sys/fs/cgroup is $fs, not cgroup2fs"
grep -q '^cgroup ' /proc/mounts && setup "a cgroup v1 hierarchy is mounted"

# --- AppArmor -------------------------------------------------------------------
check_apparmor() {
	if [ -d /sys/kernel/security/apparmor ]; then
		say "apparmor: lsm $(cat /sys/kernel/security/lsm), enabled $(cat /sys/module/apparmor/parameters/enabled), apparmor.service $(systemctl is-active apparmor.service)"
		aa-status >/tmp/aa-status 2>&1
		rc=$?
		say "apparmor: aa-status exit $rc: $(head -n 4 /tmp/aa-status | tr '\n' ';')"
		n=$(sed -n 's/^\([0-9]*\) profiles are loaded\.$/\1/p' /tmp/aa-status)
		[ $rc = 0 ] && [ "${n:-0}" -gt 0 ] || setup "apparmor: aa-status reports no loaded profile"
	else
		setup "apparmor: /sys/kernel/security/apparmor missing (lsm: $(cat /sys/kernel/security/lsm 2>&1))"
	fi
}

# --- SELinux (the second boot: security=selinux, permissive) ----------------------
check_selinux() {
	if [ -f /sys/fs/selinux/enforce ]; then
		say "selinux: lsm $(cat /sys/kernel/security/lsm), enforce $(cat /sys/fs/selinux/enforce), policy version $(cat /sys/fs/selinux/policyvers), payload context $(tr -d '\000' </proc/self/attr/current)"
	else
		setup "selinux: no /sys/fs/selinux/enforce (lsm: $(cat /sys/kernel/security/lsm 2>&1))"
	fi
}

# hull where containerd's runtime entry names it, and where the suites run it
install -m 755 $P/hull /usr/local/bin/hull || setup "install hull to /usr/local/bin"

# --- containerd -----------------------------------------------------------------
check_containerd() {
	t0=$(uptime)
	if systemctl start containerd; then
		v=$(ctr version 2>&1) || setup "containerd: ctr version: $v"
		say "containerd: started in $(awk "BEGIN { printf \"%.1f\", $(uptime) - $t0 }") s, ctr version: $(echo "$v" | awk '/Version:/ { printf "%s ", $2 }')"
		cri=$(ctr plugins ls 2>&1 | awk '$2 == "cri" { print $NF }')
		[ "$cri" = ok ] || setup "containerd: the cri plugin is \"$cri\": $(journalctl -b -u containerd --no-pager | grep -i 'cri\|error' | tail -n 5)"
		sc=$(containerd config dump 2>/dev/null | grep -c 'SystemdCgroup = true')
		bn=$(containerd config dump 2>/dev/null | grep 'BinaryName = "/usr/local/bin/hull"')
		say "containerd: cri plugin $cri, runtimes with SystemdCgroup = true: $sc, hull's entry: ${bn:-missing}"
		[ -n "$bn" ] || setup "containerd: no runtime entry with BinaryName /usr/local/bin/hull"
		# The CRI client of the containerd suite needs python3-grpcio.
		ver=$(python3 - <<'PY' 2>&1
import grpc
chan = grpc.insecure_channel("unix:///run/containerd/containerd.sock")
r = chan.unary_unary("/runtime.v1.RuntimeService/Version")(b"", timeout=20)
f, i = {}, 0
while i < len(r):           # VersionResponse: four strings, short ones
    k, n = r[i] >> 3, r[i + 1]
    f[k], i = r[i + 2:i + 2 + n].decode(), i + 2 + n
print("CRI %s %s, API %s (python3-grpcio %s)" % (f.get(2), f.get(3), f.get(4), grpc.__version__))
PY
		)
		rc=$?
		say "containerd: $ver"
		[ $rc = 0 ] || setup "containerd: CRI Version call failed"
		systemctl stop containerd || setup "containerd: systemctl stop failed"
	else
		setup "containerd: systemctl start failed: $(journalctl -b -u containerd --no-pager | tail -n 10)"
	fi
}

# --- the start path -----------------------------------------------------------
# `hull run` of /bin/true, HULL_NODE_RUNS times in a row with each cgroup
# driver hull has (cgroupfs: a directory in the payload's delegated cgroup;
# systemd: a scope over D-Bus), in ms per run. One run ends before the next
# starts, so they can share the cgroups path.
start_path() {
	driver=$1 path=$2
	shift 2
	b=/tmp/bench-bundle
	rm -rf $b && mkdir -p $b && ln -s $P/fixture/rootfs $b/rootfs
	python3 - $P/fixture/config.json "$path" >$b/config.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
if sys.argv[2]:
    c["linux"]["cgroupsPath"] = sys.argv[2]
print(json.dumps(c))
PY
	t0=$(date +%s%N)
	i=0
	while [ $i -lt "$HULL_NODE_RUNS" ]; do
		hull "$@" run --bundle $b hull-bench >/dev/null 2>/tmp/bench.err </dev/null || {
			say "setup: start path, $driver driver: run $i failed: $(head -c 300 /tmp/bench.err)"
			status=1
			break
		}
		i=$((i + 1))
	done
	[ $i = "$HULL_NODE_RUNS" ] &&
		say "start: hull run /bin/true, $driver driver: $((($(date +%s%N) - t0) / 1000000 / i)) ms per run ($i runs)"
	rm -rf $b
}
time_start_path() {
	echo $$ >"$cg/runner/cgroup.procs"
	start_path cgroupfs ""
	if hull features | python3 -c 'import json, sys; sys.exit(not json.load(sys.stdin)["linux"]["cgroup"]["systemd"])'; then
		start_path systemd system.slice:hull-bench:run --systemd-cgroup
	else
		say "start: hull features: no systemd cgroup driver"
	fi
	echo $$ >"$cg/payload/cgroup.procs"
}

# The AppArmor boot checks the node and times the start path; the SELinux
# one only runs its suites.
if [ "$HULL_NODE_LSM" = selinux ]; then
	check_selinux
else
	check_apparmor
	check_containerd
	time_start_path
fi

# --- suites ---------------------------------------------------------------------
[ -n "$HULL_NODE_DISK" ] && export HULL_TEST_BLOCKDEV="$HULL_NODE_DISK"
find /sys/fs/cgroup -type d | sort >/tmp/cgroups.before
boot_lines=$(dmesg | wc -l)
# run_suite LABEL SUITE[:TCASE] DRIVER: one suite of hull-tests, its Check
# output between "begin LABEL" and "end LABEL" lines.
run_suite() {
	t0=$(uptime)
	say "begin $1"
	case $2 in *:*) export CK_RUN_CASE=${2#*:} ;; *) unset CK_RUN_CASE ;; esac
	HULL_TEST_CGROUP_DRIVER=$3 CK_RUN_SUITE=${2%%:*} CK_DEFAULT_TIMEOUT=$HULL_NODE_CK_TIMEOUT HULL=/usr/local/bin/hull HULL_FIXTURE=$P/fixture \
		sh -c 'echo $$ >"$1/runner/cgroup.procs" && exec /opt/hull/hull-tests integration' sh "$cg" \
		>/tmp/suite.out 2>&1 </dev/null
	rc=$?
	cat /tmp/suite.out
	say "end $1 rc=$rc seconds=$(awk "BEGIN { printf \"%.1f\", $(uptime) - $t0 }")"
	[ $rc = 0 ] || status=1
}
for s in $HULL_NODE_SUITES; do
	run_suite "$s" "$s" cgroupfs
done
# Again with hull's systemd driver (HULL_TEST_CGROUP_DRIVER=systemd: each
# container a scope in hulltest.slice), labelled SUITE@systemd; the slice
# goes afterwards (hull leaves slices alone, as runc).
for s in $HULL_NODE_SYSTEMD_SUITES; do
	run_suite "$s@systemd" "$s" systemd
done
if [ -n "$HULL_NODE_SYSTEMD_SUITES" ] && ! systemctl stop hulltest.slice; then
	setup "systemctl stop hulltest.slice failed"
fi

# Whatever cgroup is there now and was not before the suites was left
# behind by hull or a test.
find /sys/fs/cgroup -type d | sort >/tmp/cgroups.after
for d in $(comm -13 /tmp/cgroups.before /tmp/cgroups.after); do
	say "left behind: $d"
	status=1
done
say "cgroup: after the suites, subtree_control of / $(cat /sys/fs/cgroup/cgroup.subtree_control), of $me $(cat "$cg/cgroup.subtree_control")"
if [ $status != 0 ]; then
	say "dmesg (since the suites began, last 60 lines)"
	dmesg | tail -n +$((boot_lines + 1)) | tail -n 60
fi
say "done status=$status uptime=$(uptime)"
sync
exit 0
