#!/bin/sh
# Builds the busybox bundle DIR from Debian's busybox-static, with the
# runtime-spec default config that `hull spec` writes. Idempotent. When the
# host has Debian's iperf3, the rootfs also holds it: /usr/bin/iperf3, the
# libraries ldd lists and the dynamic loader, at their host paths.
set -eu
hull=${HULL:-$(cd "$(dirname "$0")/.." && pwd)/hull}
dir=${1:-tests/fixtures/busybox}
bb=/bin/busybox
ip3=/usr/bin/iperf3
[ -x "$bb" ] || { echo "hull: fixture: $bb missing (make deps installs busybox-static)" >&2; exit 1; }
if [ -x "$dir/rootfs/bin/busybox" ] && [ -d "$dir/rootfs/mnt" ] && [ -f "$dir/config.json" ] && cmp -s "$bb" "$dir/rootfs/bin/busybox" &&
	{ [ ! -x "$ip3" ] || cmp -s "$ip3" "$dir/rootfs$ip3"; }; then
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir/rootfs"
cd "$dir/rootfs"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp root mnt var/tmp
chmod 1777 tmp var/tmp
cp "$bb" bin/busybox
for a in $(bin/busybox --list-full); do
	[ -e "$a" ] || ln -s /bin/busybox "$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' > etc/passwd
echo 'nobody:x:65534:65534:nobody:/:/bin/false' >> etc/passwd
echo 'root:x:0:' > etc/group
echo 'nogroup:x:65534:' >> etc/group
if [ -x "$ip3" ]; then
	libs=$(ldd "$ip3") || { echo "hull: fixture: ldd $ip3 failed" >&2; exit 1; }
	case $libs in
	*"not found"*) echo "hull: fixture: $ip3: a library is missing: $libs" >&2; exit 1 ;;
	esac
	for f in "$ip3" $(printf '%s\n' "$libs" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
		mkdir -p ".$(dirname "$f")"
		cp -L "$f" ".$f"
	done
else
	echo "hull: fixture: $ip3 missing, the net_iperf tests will fail (make deps installs iperf3)" >&2
fi
cd ..
"$hull" spec
