#!/bin/sh
# make check-node: a systemd guest like a Kubernetes node. Boots Debian's
# kernel (linux-image-amd64's package, unpacked, not installed; the .deb is
# shared with check-cgroup2) in qemu under TCG, with a Debian 12 image made by
# mmdebstrap (tests/node/image.sh) as its virtio root disk: systemd as PID 1,
# cgroup v2 alone, AppArmor; then, when NODE_SELINUX_SUITES is set, boots
# it again with SELinux (permissive) for those. The image is cached in NODE_CACHE and rebuilt
# only when its recipe changes; the guest writes to a throwaway snapshot of
# it (qemu's snapshot=on). hull, build/hull-tests, the busybox bundle and
# tests/node/guest.sh go on a small payload disk made for each run;
# hull-node.service runs guest.sh, which reports on the serial console. This
# script fails unless the node checks and every suite passed and nothing was
# left in the cgroup tree.
#
# Knobs (config.mk passes them): QEMU, NODE_TIMEOUT and NODE_SELINUX_TIMEOUT
# (s, each boot as a whole),
# NODE_CACHE, NODE_SUITES, NODE_SELINUX_SUITES, NODE_SYSTEMD_SUITES, NODE_PACKAGES, NODE_MODULES, NODE_IMAGE_MB,
# NODE_APT_SOURCES, NODE_KERNEL_DEBS (where the kernel's .deb is kept),
# BUILDDIR, FIXTURE, HULL (binary), NODE_MEM, NODE_SMP, NODE_DISK_MB (raw
# virtio disk for io.max; 0: none), NODE_CK_TIMEOUT, NODE_RUNS (hull run
# /bin/true per cgroup driver, timed).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BUILDDIR=${BUILDDIR:-build}
QEMU=${QEMU:-qemu-system-x86_64}
NODE_TIMEOUT=${NODE_TIMEOUT:-900}
NODE_CACHE=${NODE_CACHE:-$BUILDDIR/node}
NODE_SUITES=${NODE_SUITES:-lifecycle cgroups_base cgroups_resources exec systemd_driver lsm containerd:cri}
NODE_SELINUX_SUITES=${NODE_SELINUX_SUITES-lsm}
NODE_SYSTEMD_SUITES=${NODE_SYSTEMD_SUITES-lifecycle cgroups_resources}
NODE_SELINUX_TIMEOUT=${NODE_SELINUX_TIMEOUT:-300}
NODE_KERNEL_DEBS=${NODE_KERNEL_DEBS:-$BUILDDIR/cgroup2}
NODE_PACKAGES=${NODE_PACKAGES:-systemd systemd-sysv udev dbus kmod apparmor containerd busybox-static}
NODE_MODULES=${NODE_MODULES:-virtio_pci virtio_blk ext4 crc32c_generic loop overlay}
NODE_IMAGE_MB=${NODE_IMAGE_MB:-2048}
NODE_APT_SOURCES=${NODE_APT_SOURCES:-/etc/apt/sources.list.d/debian.sources}
NODE_MEM=${NODE_MEM:-2048}
NODE_SMP=${NODE_SMP:-2}
NODE_DISK_MB=${NODE_DISK_MB:-64}
# per-test limit inside the guest: TCG runs about ten times slower than KVM
NODE_CK_TIMEOUT=${NODE_CK_TIMEOUT:-120}
NODE_RUNS=${NODE_RUNS:-10}
FIXTURE=${FIXTURE:-tests/fixtures/busybox}
hull=${HULL:-$top/hull}
tests=$BUILDDIR/hull-tests

die() {
	echo "hull: check-node: $*" >&2
	exit 1
}

sh tests/deps.sh qemu-system-x86 cpio busybox-static mmdebstrap e2fsprogs || die "missing packages"
command -v "$QEMU" >/dev/null || die "$QEMU not found (make deps installs qemu-system-x86)"
[ -x "$hull" ] || die "$hull: not built (make hull)"
[ -x "$tests" ] || die "$tests: not built (make $tests)"
[ -f "$FIXTURE/config.json" ] || die "$FIXTURE: no bundle (make fixture)"
# A suite that is not in the binary would run no check at all.
# An entry is a suite or SUITE:TCASE (one test case of it).
for s in $NODE_SUITES $NODE_SELINUX_SUITES $NODE_SYSTEMD_SUITES; do
	grep -q "^HULL_SUITE(${s%%:*}, *integration)" "$BUILDDIR/tests/suites.inc" ||
		die "NODE_SUITES: no integration suite \"${s%%:*}\" in $tests"
done
if [ ! -f "$NODE_APT_SOURCES" ]; then
	[ -f /etc/apt/sources.list ] || die "NODE_APT_SOURCES: $NODE_APT_SOURCES: no such file"
	NODE_APT_SOURCES=/etc/apt/sources.list
fi

mkdir -p "$NODE_CACHE"
cache=$(cd "$NODE_CACHE" && pwd)
mkdir -p "$NODE_KERNEL_DEBS"
debs=$(cd "$NODE_KERNEL_DEBS" && pwd)
T0=$(date +%s)

# --- Debian's kernel, downloaded once (shared with check-cgroup2) ----------------
. tests/kernel.sh
kdir=$cache/kernel
kernel_fetch "$debs" "$kdir" "$NODE_MODULES"
vmlinuz=$(ls "$kdir"/boot/vmlinuz-* | tail -n 1)
kver=${vmlinuz##*/vmlinuz-}

# --- the image, rebuilt when its recipe changes ---------------------------------
recipe=$( {
	echo "packages: $NODE_PACKAGES"
	echo "modules: $NODE_MODULES"
	echo "size: $NODE_IMAGE_MB"
	echo "kernel: $(cat "$kdir/.modules")"
	for f in tests/kernel.sh tests/node/image.sh tests/node/initrd-init $(find tests/node/rootfs -type f | sort); do
		echo "$f $(sha256sum <"$f" | cut -d' ' -f1)"
	done
} | sha256sum | cut -d' ' -f1)
image_secs=cached
if [ ! -f "$cache/base.img" ] || [ ! -f "$cache/initramfs.gz" ] || [ "$(cat "$cache/recipe" 2>/dev/null)" != "$recipe" ]; then
	echo "hull: check-node: building the image (mmdebstrap; $cache/image.log)" >&2
	rm -f "$cache/recipe"
	t0=$(date +%s)
	CACHE=$cache KDIR=$kdir KVER=$kver NODE_PACKAGES=$NODE_PACKAGES NODE_IMAGE_MB=$NODE_IMAGE_MB \
		NODE_APT_SOURCES=$NODE_APT_SOURCES sh tests/node/image.sh >"$cache/image.log" 2>&1 || {
		tail -n 30 "$cache/image.log" >&2
		die "the image build failed; see $cache/image.log"
	}
	image_secs="built in $(($(date +%s) - t0)) s"
	echo "$recipe" >"$cache/recipe"
fi
image_mb=$(du -m "$cache/base.img" | cut -f1)

# --- the payload disk -------------------------------------------------------------
disk=""
drive=""
if [ "$NODE_DISK_MB" -gt 0 ]; then
	img=$cache/disk.img
	rm -f "$img"
	truncate -s "${NODE_DISK_MB}M" "$img"
	disk=/dev/vdc
	drive="-drive file=$img,if=virtio,format=raw"
fi

# payload LSM SUITES [SYSTEMD-SUITES]: hull, the tests, the bundle and guest.sh's settings.
payload() {
	pd=$cache/payload.d
	rm -rf "$pd" "$cache/payload.img"
	mkdir -p "$pd"
	cp "$hull" "$pd"/hull
	cp "$tests" "$pd"/hull-tests
	cp tests/node/guest.sh "$pd"/guest.sh
	cp -a "$FIXTURE" "$pd"/fixture
	{
		echo "HULL_NODE_LSM=$1"
		echo "HULL_NODE_SUITES=\"$2\""
		echo "HULL_NODE_SYSTEMD_SUITES=\"${3-}\""
		echo "HULL_NODE_CK_TIMEOUT=$NODE_CK_TIMEOUT"
		echo "HULL_NODE_RUNS=$NODE_RUNS"
		echo "HULL_NODE_DISK=\"$disk\""
	} >"$pd"/env
	mb=$(($(du -sm "$pd" | cut -f1) + 32))
	mkfs.ext4 -q -F -L hull-payload -d "$pd" "$cache/payload.img" "${mb}M" >/dev/null ||
		die "mkfs.ext4 of the payload failed"
	rm -rf "$pd"
}

# --- boot ---------------------------------------------------------------------
# boot LOG TIMEOUT KERNEL-ARGS: the root is vda (the image; writes go to a
# temporary file in the cache), the payload vdb, the scratch disk vdc. No
# network. The kernel's messages reach the console until guest.sh lowers
# the console loglevel (a boot that hangs says where); systemd's status
# lines do not. Sets wall (s).
boot() {
	log=$1 limit=$2
	rm -f "$log"
	t0=$(date +%s)
	rc=0
	# shellcheck disable=SC2086 # $drive is empty or whole words
	TMPDIR=$cache timeout -k 10 "$limit" "$QEMU" -accel tcg -cpu max -m "$NODE_MEM" -smp "$NODE_SMP" \
		-nodefaults -no-user-config -display none -no-reboot -serial "file:$log" \
		-kernel "$vmlinuz" -initrd "$cache"/initramfs.gz \
		-drive file="$cache/base.img",if=virtio,format=raw,snapshot=on \
		-drive file="$cache/payload.img",if=virtio,format=raw $drive \
		-append "console=ttyS0 root=/dev/vda rw $3 systemd.unified_cgroup_hierarchy=1 systemd.show_status=error panic=-1" \
		</dev/null >"$cache"/qemu.out 2>&1 || rc=$?
	wall=$(($(date +%s) - t0))
	[ -f "$log" ] || die "$QEMU wrote no console log; see $cache/qemu.out"
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		tail -n 40 "$log" | tr -d '\r' >&2
		die "the guest did not finish within $limit s; console: $log"
	fi
	[ $rc = 0 ] || { cat "$cache"/qemu.out >&2; tail -n 40 "$log" | tr -d '\r' >&2; die "$QEMU exited with $rc"; }
}

# --- verdict ------------------------------------------------------------------
# verdict LOG SUITES TITLE: what the guest said; fails unless its checks and
# every suite passed and it left nothing behind.
verdict() {
	tr -d '\r' <"$1" | awk -v suites="$2" -v title="$3" -v wall="$wall" '
	/^hull-node: (boot|kernel|cgroup|apparmor|selinux|containerd|start): / { sub(/^hull-node: /, ""); info = info "  " $0 "\n"; next }
	/^hull-node: begin / { cur = $3; out[cur] = ""; next }
	/^hull-node: end / {
		rc[$3] = substr($4, 4); secs[$3] = substr($5, 9); cur = ""; next
	}
	/^hull-node: left behind: / { left = left $0 "\n"; next }
	/^hull-node: (setup|initramfs): / { setup = setup $0 "\n"; next }
	/^hull-node: done / { done = 1; up = substr($4, 8); next }
	/^hull-node: dmesg/ { cur = ""; indmesg = 1; next }
	indmesg { dmesg = dmesg $0 "\n"; next }
	cur != "" {
		if ($0 ~ /^[0-9]+%: Checks: /) sum[cur] = $0
		else if ($0 !~ /^Running suite\(s\):/) out[cur] = out[cur] $0 "\n"
	}
	END {
		printf "%s: qemu %d s\n%s", title, wall, info
		n = split(suites, s, " "); bad = 0
		for (i = 1; i <= n; i++) {
			x = s[i]
			if (!(x in rc)) { printf "%s: did not run\n", x; bad = 1; continue }
			ok = rc[x] == 0 && sum[x] ~ /^100%: Checks: [1-9][0-9]*, Failures: 0, Errors: 0$/
			if (!ok) { printf "%s", out[x]; bad = 1 }
		}
		if (setup != "") { printf "%s", setup; bad = 1 }
		if (left != "") { printf "%s", left; bad = 1 }
		if (!done) { print "hull-node: the guest stopped before the end"; bad = 1 }
		if (bad && dmesg != "") printf "guest dmesg:\n%s", dmesg
		for (i = 1; i <= n; i++) {
			x = s[i]
			if (!(x in rc)) continue
			printf "Running suite(s): %s (%s, %s s)\n", x, title, secs[x]
			print (x in sum) ? sum[x] : "(no summary; exit " rc[x] ")"
		}
		if (done) printf "guest uptime at power-off: %s s\n", up
		exit bad
	}' && return 0
	if ! grep -aq '^hull-node: done ' "$1"; then
		echo "console (last 30 lines):" >&2
		tail -n 30 "$1" | tr -d '\r' >&2
	fi
	echo "hull: check-node: failed (console: $1)" >&2
	return 1
}

# The AppArmor boot runs NODE_SUITES; a second boot with SELinux
# (permissive: the image's files carry no labels) runs NODE_SELINUX_SUITES.
echo "node guest: image $image_mb MB ($image_secs)"
status=0
# NODE_SYSTEMD_SUITES run again in the AppArmor boot with hull's systemd
# driver (HULL_TEST_CGROUP_DRIVER=systemd), reported as SUITE@systemd.
payload apparmor "$NODE_SUITES" "$NODE_SYSTEMD_SUITES"
boot "$cache/console.log" "$NODE_TIMEOUT" "apparmor=1 security=apparmor"
verdict "$cache/console.log" "$NODE_SUITES $(for s in $NODE_SYSTEMD_SUITES; do printf '%s@systemd ' "$s"; done)" "node guest" || status=1
if [ -n "$NODE_SELINUX_SUITES" ]; then
	payload selinux "$NODE_SELINUX_SUITES"
	boot "$cache/console-selinux.log" "$NODE_SELINUX_TIMEOUT" "selinux=1 security=selinux enforcing=0"
	verdict "$cache/console-selinux.log" "$NODE_SELINUX_SUITES" "node guest, SELinux" || status=1
fi
echo "make check-node: $(($(date +%s) - T0)) s"
[ $status = 0 ] || die "failed"
