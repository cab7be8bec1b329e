#!/bin/sh
# make check-cgroup2: runs the cgroup suites on a cgroup v2-only host.
# Boots Debian's own kernel (linux-image-amd64's package, unpacked, not
# installed) in qemu under TCG with cgroup_no_v1=all, from an initramfs
# holding busybox, hull, build/hull-tests, their shared libraries and the
# busybox bundle. The guest's /init (tests/cgroup2/init) runs each suite and
# reports on the serial console; this script fails unless every suite passed
# and nothing was left in the cgroup tree.
#
# Knobs (config.mk passes them): QEMU, CGROUP2_TIMEOUT (s, whole boot),
# CGROUP2_CACHE (kernel and images), CGROUP2_SUITES, BUILDDIR, FIXTURE,
# HULL (binary), CGROUP2_DISK_MB (raw virtio disk for io.max; 0: none),
# CGROUP2_BENCH (a directory copied to /bench in the guest, whose /bench/run
# the guest runs after the suites: the bench's guest mode, see
# tests/bench/exp_guest.py; the libraries of its bin/* are copied too;
# CGROUP2_SUITES may then be empty, and build/hull-tests is not needed).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BUILDDIR=${BUILDDIR:-build}
QEMU=${QEMU:-qemu-system-x86_64}
CGROUP2_TIMEOUT=${CGROUP2_TIMEOUT:-900}
CGROUP2_CACHE=${CGROUP2_CACHE:-$BUILDDIR/cgroup2}
CGROUP2_SUITES=${CGROUP2_SUITES-cgroups_base cgroups_resources lifecycle}
CGROUP2_MEM=${CGROUP2_MEM:-1024}
CGROUP2_SMP=${CGROUP2_SMP:-2}
CGROUP2_DISK_MB=${CGROUP2_DISK_MB:-64}
CGROUP2_BENCH=${CGROUP2_BENCH:-}
# per-test limit inside the guest: TCG runs about ten times slower than KVM
CGROUP2_CK_TIMEOUT=${CGROUP2_CK_TIMEOUT:-120}
# modules the guest loads (modprobe, with their dependencies); the rest of
# what the suites need (cgroup2, namespaces, seccomp, BPF) is built in
CGROUP2_MODULES=${CGROUP2_MODULES:-virtio_pci virtio_blk loop}
FIXTURE=${FIXTURE:-tests/fixtures/busybox}
hull=${HULL:-$top/hull}
tests=$BUILDDIR/hull-tests

die() {
	echo "hull: check-cgroup2: $*" >&2
	exit 1
}

sh tests/deps.sh qemu-system-x86 cpio busybox-static || die "missing packages"
command -v "$QEMU" >/dev/null || die "$QEMU not found (make deps installs qemu-system-x86)"
[ -x "$hull" ] || die "$hull: not built (make hull)"
[ -f "$FIXTURE/config.json" ] || die "$FIXTURE: no bundle (make fixture)"
[ -z "$CGROUP2_BENCH" ] || [ -x "$CGROUP2_BENCH/run" ] || die "CGROUP2_BENCH: $CGROUP2_BENCH/run: not an executable"
[ -n "$CGROUP2_SUITES$CGROUP2_BENCH" ] || die "CGROUP2_SUITES is empty and there is no CGROUP2_BENCH: nothing to run"
if [ -n "$CGROUP2_SUITES" ]; then
	[ -x "$tests" ] || die "$tests: not built (make $tests)"
	# A suite that is not in the binary would run no check at all.
	for s in $CGROUP2_SUITES; do
		grep -q "^HULL_SUITE($s, *integration)" "$BUILDDIR/tests/suites.inc" ||
			die "CGROUP2_SUITES: no integration suite \"$s\" in $tests"
	done
	for s in $(sed -n 's/^HULL_SUITE(\(cgroups_[a-z0-9_]*\), *integration)$/\1/p' "$BUILDDIR/tests/suites.inc"); do
		case " $CGROUP2_SUITES " in
		*" $s "*) ;;
		*) echo "hull: check-cgroup2: warning: suite $s is not in CGROUP2_SUITES (config.mk): not run on cgroup v2" >&2 ;;
		esac
	done
else
	tests=""
fi

mkdir -p "$CGROUP2_CACHE"
cache=$(cd "$CGROUP2_CACHE" && pwd)

# Debian's kernel, downloaded once: kernel_fetch and kernel_closure
. tests/kernel.sh
kdir=$cache/kernel
# Only the kernel and the modules the guest loads are kept; another
# CGROUP2_MODULES unpacks the .deb again.
kernel_fetch "$cache" "$kdir" "$CGROUP2_MODULES"
vmlinuz=$(ls "$kdir"/boot/vmlinuz-* | tail -n 1)
kver=${vmlinuz##*/vmlinuz-}
moddir=$kdir/lib/modules/$kver

# --- initramfs ----------------------------------------------------------------
st=$cache/initramfs.d
rm -rf "$st"
mkdir -p "$st"/bin "$st"/sbin "$st"/usr/bin "$st"/usr/sbin "$st"/dev "$st"/proc "$st"/sys \
	"$st"/tmp "$st"/run "$st"/etc "$st"/root "$st"/lib/modules/"$kver"
cp /bin/busybox "$st"/bin/busybox
for a in $("$st"/bin/busybox --list-full); do
	[ -e "$st/$a" ] || [ -L "$st/$a" ] || ln -s /bin/busybox "$st/$a"
done
# The kernel opens /dev/console for /init when the initramfs has it; without
# root (no mknod) stage 1 runs silent and stage 2 opens the devtmpfs one.
if [ "$(id -u)" = 0 ]; then
	mknod -m 600 "$st"/dev/console c 5 1
	mknod -m 666 "$st"/dev/null c 1 3
fi
cp "$hull" "$st"/hull
[ -z "$tests" ] || cp "$tests" "$st"/hull-tests
bench_bins=""
if [ -n "$CGROUP2_BENCH" ]; then
	cp -a "$CGROUP2_BENCH" "$st"/bench
	bench_bins=$(find "$st"/bench/bin -type f 2>/dev/null || true)
fi
# shellcheck disable=SC2086 # $tests and $bench_bins are empty or whole words
libs=$(ldd "$hull" $tests $bench_bins 2>/dev/null | awk '
	/not found/ { print "MISSING:" $1; next }
	{ for (i = 1; i <= NF; i++) if ($i ~ /^\// && $i !~ /:$/) print $i }' | sort -u)
for l in $libs; do
	case $l in MISSING:*) die "ldd: ${l#MISSING:} not found" ;; esac
	mkdir -p "$st${l%/*}"
	cp -L "$l" "$st$l"
done
cp -a "$FIXTURE" "$st"/fixture
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/:/bin/false' >"$st"/etc/passwd
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$st"/etc/group

# the modules asked for and what they depend on, with their modules.dep lines
mods=$(kernel_closure "$moddir" "$CGROUP2_MODULES")
: >"$st/lib/modules/$kver/modules.dep"
for m in $mods; do
	case $m in MISSING:*) die "CGROUP2_MODULES: no module ${m#MISSING:} in $kver" ;; esac
	mkdir -p "$st/lib/modules/$kver/${m%/*}"
	cp "$moddir/$m" "$st/lib/modules/$kver/$m"
	grep "^$m:" "$moddir/modules.dep" >>"$st/lib/modules/$kver/modules.dep"
done

disk=""
drive=""
if [ "$CGROUP2_DISK_MB" -gt 0 ]; then
	img=$cache/disk.img
	rm -f "$img"
	truncate -s "${CGROUP2_DISK_MB}M" "$img"
	disk=/dev/vda
	drive="-drive file=$img,if=virtio,format=raw"
	case " $CGROUP2_MODULES " in *" virtio_blk "*) ;; *) die "CGROUP2_DISK_MB needs virtio_blk in CGROUP2_MODULES" ;; esac
fi
cat >"$st"/etc/hull-cgroup2.env <<EOF
HULL_CG2_SUITES="$CGROUP2_SUITES"
HULL_CG2_MODULES="$CGROUP2_MODULES"
HULL_CG2_CK_TIMEOUT=$CGROUP2_CK_TIMEOUT
HULL_CG2_DISK="$disk"
EOF
cp tests/cgroup2/init "$st"/init
chmod 755 "$st"/init
(cd "$st" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$cache"/initramfs.gz.tmp
mv "$cache"/initramfs.gz.tmp "$cache"/initramfs.gz

# --- boot ---------------------------------------------------------------------
log=$cache/console.log
rm -f "$log"
t0=$(date +%s)
rc=0
# shellcheck disable=SC2086 # $drive is empty or whole words
timeout -k 10 "$CGROUP2_TIMEOUT" "$QEMU" -accel tcg -cpu max -m "$CGROUP2_MEM" -smp "$CGROUP2_SMP" \
	-nodefaults -no-user-config -display none -no-reboot -serial "file:$log" \
	-kernel "$vmlinuz" -initrd "$cache"/initramfs.gz $drive \
	-append "console=ttyS0 cgroup_no_v1=all quiet panic=-1" </dev/null >"$cache"/qemu.out 2>&1 || rc=$?
t1=$(date +%s)
[ -f "$log" ] || die "$QEMU wrote no console log; see $cache/qemu.out"
if [ $rc = 124 ] || [ $rc = 137 ]; then
	tail -n 30 "$log" | tr -d '\r' >&2
	die "the guest did not finish within $CGROUP2_TIMEOUT s (CGROUP2_TIMEOUT); console: $log"
fi
[ $rc = 0 ] || { cat "$cache"/qemu.out >&2; die "$QEMU exited with $rc"; }

# --- verdict ------------------------------------------------------------------
tr -d '\r' <"$log" | awk -v suites="$CGROUP2_SUITES" -v wall=$((t1 - t0)) '
	/^hull-cgroup2: kernel / { sub(/^hull-cgroup2: /, ""); head = $0; next }
	/^hull-cgroup2: begin / { cur = $3; out[cur] = ""; next }
	/^hull-cgroup2: end / {
		rc[$3] = substr($4, 4); secs[$3] = substr($5, 9); cur = ""; next
	}
	/^hull-cgroup2: left behind: / { left = left $0 "\n"; next }
	/^hull-cgroup2: setup: / { setup = setup $0 "\n"; next }
	/^hull-cgroup2: done / { done = 1; next }
	/^hull-cgroup2: begin bench$/ { inbench = 1; next }
	/^hull-cgroup2: bench: / { if (inbench) bench = bench substr($0, 22) "\n"; next }
	/^hull-cgroup2: end bench / { inbench = 0; benchrc = substr($4, 4); next }
	/^hull-cgroup2: dmesg/ { cur = ""; indmesg = 1; next }
	indmesg { dmesg = dmesg $0 "\n"; next }
	cur != "" {
		if ($0 ~ /^[0-9]+%: Checks: /) sum[cur] = $0
		else if ($0 !~ /^Running suite\(s\):/) out[cur] = out[cur] $0 "\n"
	}
	END {
		if (head != "") printf "cgroup v2 guest: %s, %d s in all\n", head, wall
		n = split(suites, s, " "); bad = 0
		for (i = 1; i <= n; i++) {
			x = s[i]
			if (!(x in rc)) { printf "%s: did not run\n", x; bad = 1; continue }
			ok = rc[x] == 0 && sum[x] ~ /^100%: Checks: [1-9][0-9]*, Failures: 0, Errors: 0$/
			if (!ok) { printf "%s", out[x]; bad = 1 }
		}
		if (benchrc != "" && benchrc != 0) { printf "bench in the guest: exit %s\n%s", benchrc, bench; bad = 1 }
		if (setup != "") { printf "%s", setup; bad = 1 }
		if (left != "") { printf "%s", left; bad = 1 }
		if (!done) { print "hull-cgroup2: the guest stopped before the end"; bad = 1 }
		if (bad && dmesg != "") printf "guest dmesg:\n%s", dmesg
		for (i = 1; i <= n; i++) {
			x = s[i]
			if (!(x in rc)) continue
			printf "Running suite(s): %s (cgroup v2, %s s)\n", x, secs[x]
			print (x in sum) ? sum[x] : "(no summary; exit " rc[x] ")"
		}
		exit bad
	}' || die "failed on cgroup v2 (console: $log)"
