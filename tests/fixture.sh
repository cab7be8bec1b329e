#!/bin/sh
# Builds the busybox bundle DIR from Debian's busybox-static, with the
# runtime-spec default config that `hull spec` writes. Idempotent.
set -eu
hull=${HULL:-$(cd "$(dirname "$0")/.." && pwd)/hull}
dir=${1:-tests/fixtures/busybox}
bb=/bin/busybox
[ -x "$bb" ] || { echo "hull: fixture: $bb missing (make deps installs busybox-static)" >&2; exit 1; }
if [ -x "$dir/rootfs/bin/busybox" ] && [ -d "$dir/rootfs/mnt" ] && [ -f "$dir/config.json" ] && cmp -s "$bb" "$dir/rootfs/bin/busybox"; then
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
cd ..
"$hull" spec
