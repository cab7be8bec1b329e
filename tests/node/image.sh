#!/bin/sh
# The make check-node guest's disk image and initramfs (run by
# tests/node/run.sh when the recipe's hash changed):
# - mmdebstrap builds Debian 12 (variant minbase plus NODE_PACKAGES) into a
#   directory, in its unshare mode (its own mount, pid, uts and ipc
#   namespaces; maintainer scripts start no service: mmdebstrap's own
#   policy-rc.d), from the apt sources NODE_APT_SOURCES;
# - tests/node/rootfs/ is copied over it (fstab, the payload unit,
#   containerd's config), the modules of NODE_MODULES go to /lib/modules
#   (depmod in the image), containerd, gettys and apt's timers are kept from
#   starting at boot, and the payload unit is enabled;
# - mkfs.ext4 -d makes the directory a NODE_IMAGE_MB image, CACHE/base.img;
# - CACHE/initramfs.gz: busybox, the disk's modules and initrd-init.
# Environment: CACHE KDIR KVER NODE_PACKAGES NODE_IMAGE_MB NODE_APT_SOURCES.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
die() {
	echo "hull: check-node: image: $*" >&2
	exit 1
}
. "$top/tests/kernel.sh"

root=$CACHE/rootfs.d
moddir=$KDIR/lib/modules/$KVER
rm -rf "$root" "$CACHE/base.img" "$CACHE/base.img.tmp"

include=$(echo $NODE_PACKAGES | tr ' ' ',')
# The hooks run as root outside the image, in mmdebstrap's namespaces; $1
# is the image's root.
mmdebstrap --mode=unshare --variant=minbase --include="$include" \
	--aptopt='APT::Install-Recommends "false"' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-include=/usr/share/locale/locale.alias' \
	--customize-hook="cp -a '$top/tests/node/rootfs/.' \"\$1/\"" \
	--customize-hook="mkdir -p \"\$1/opt/hull\" \"\$1/usr/local/bin\" \"\$1/usr/lib/modules\"" \
	--customize-hook="cp -a '$KDIR/lib/modules/$KVER' \"\$1/usr/lib/modules/\"" \
	--customize-hook="chroot \"\$1\" depmod '$KVER'" \
	--customize-hook="od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >\"\$1/etc/machine-id\"; echo >>\"\$1/etc/machine-id\"" \
	--customize-hook="chroot \"\$1\" systemctl enable hull-node.service" \
	--customize-hook="chroot \"\$1\" systemctl disable containerd.service" \
	--customize-hook="chroot \"\$1\" systemctl mask getty.target serial-getty@ttyS0.service systemd-firstboot.service apt-daily.timer apt-daily-upgrade.timer" \
	bookworm "$root" "$NODE_APT_SOURCES" || die "mmdebstrap failed"

used=$(du -sm "$root" | cut -f1)
[ "$used" -lt $((NODE_IMAGE_MB - 256)) ] ||
	die "the root takes $used MB: NODE_IMAGE_MB ($NODE_IMAGE_MB) leaves under 256 MB free"
mkfs.ext4 -q -F -L hull-node -d "$root" "$CACHE/base.img.tmp" "${NODE_IMAGE_MB}M" ||
	die "mkfs.ext4 -d failed"
mv "$CACHE/base.img.tmp" "$CACHE/base.img"
rm -rf "$root"

# --- initramfs ----------------------------------------------------------------
st=$CACHE/initramfs.d
rm -rf "$st"
mkdir -p "$st"/bin "$st"/sbin "$st"/dev "$st"/proc "$st"/sys "$st"/root "$st"/etc \
	"$st"/lib/modules/"$KVER"
cp /bin/busybox "$st"/bin/busybox
for a in $("$st"/bin/busybox --list); do
	[ -e "$st/bin/$a" ] || ln -s busybox "$st/bin/$a"
done
ln -s ../bin/busybox "$st"/sbin/modprobe
if [ "$(id -u)" = 0 ]; then
	mknod -m 600 "$st"/dev/console c 5 1
	mknod -m 666 "$st"/dev/null c 1 3
fi
mods="virtio_pci virtio_blk crc32c_generic ext4"
echo "$mods" >"$st"/etc/modules
: >"$st/lib/modules/$KVER/modules.dep"
for m in $(kernel_closure "$moddir" "$mods"); do
	case $m in MISSING:*) die "no module ${m#MISSING:} in $KVER" ;; esac
	[ -f "$moddir/$m" ] || die "$m: not in NODE_MODULES or what they need"
	mkdir -p "$st/lib/modules/$KVER/${m%/*}"
	cp "$moddir/$m" "$st/lib/modules/$KVER/$m"
	grep "^$m:" "$moddir/modules.dep" >>"$st/lib/modules/$KVER/modules.dep"
done
cp "$top"/tests/node/initrd-init "$st"/init
chmod 755 "$st"/init
(cd "$st" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$CACHE"/initramfs.gz.tmp
mv "$CACHE"/initramfs.gz.tmp "$CACHE"/initramfs.gz
rm -rf "$st"
