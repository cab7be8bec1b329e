# Debian's kernel for the qemu guests (make check-cgroup2, make check-node):
# sourced by tests/cgroup2/run.sh and tests/node/run.sh, which define die().
# linux-image-amd64's package is downloaded once (apt-get download, not
# installed) and unpacked with dpkg-deb; only the kernel and the modules a
# guest asks for are kept (the package unpacks to 400 MB).

# kernel_closure MODDIR "MODULES": the files (relative to MODDIR) of MODULES
# and of the modules they need, from MODDIR/modules.dep; MISSING:name for
# unknown ones
kernel_closure() {
	awk -v want="$2" '
		{ key = $1; sub(/:$/, "", key); name = key; sub(/.*\//, "", name); sub(/\.ko$/, "", name)
		  gsub(/-/, "_", name); file[name] = key; line[key] = $0 }
		END {
			n = split(want, w, " ")
			for (i = 1; i <= n; i++) {
				if (!(w[i] in file)) { print "MISSING:" w[i]; continue }
				todo[file[w[i]]] = 1
			}
			do {
				more = 0
				for (k in todo) {
					if (k in done) continue
					done[k] = 1; more = 1
					m = split(line[k], d, " ")
					for (j = 2; j <= m; j++) todo[d[j]] = 1
				}
			} while (more)
			for (k in done) print k
		}' "$1/modules.dep"
}

# kernel_deb DEBDIR: the path of linux-image-*-amd64's .deb in DEBDIR,
# downloaded there first when DEBDIR has none
kernel_deb() {
	_deb=$(ls "$1"/linux-image-[0-9]*_amd64.deb 2>/dev/null | tail -n 1 || true)
	if [ -z "$_deb" ]; then
		_resolve() {
			apt-cache depends linux-image-amd64 2>/dev/null |
				sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
		}
		_pkg=$(_resolve)
		if [ -z "$_pkg" ]; then
			apt-get update -qq >/dev/null 2>&1 || true
			_pkg=$(_resolve)
		fi
		[ -n "$_pkg" ] || die "apt-cache: linux-image-amd64 names no linux-image-*-amd64 package"
		echo "hull: downloading $_pkg" >&2
		mkdir -p "$1"
		(cd "$1" && apt-get download -qq "$_pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
		_deb=$(ls "$1"/"$_pkg"_*_amd64.deb 2>/dev/null | tail -n 1 || true)
		[ -n "$_deb" ] || die "apt-get download $_pkg failed"
	fi
	echo "$_deb"
}

# kernel_fetch DEBDIR KDIR "MODULES": KDIR/boot/vmlinuz-V and config-V,
# KDIR/lib/modules/V/modules.dep (.order, .builtin) and the closure of MODULES, from the .deb
# in DEBDIR (downloaded when missing). Kept while the .deb and MODULES stay:
# KDIR/.modules records both.
kernel_fetch() {
	_kd=$2
	_deb=$(kernel_deb "$1") || exit 1
	_stamp="${_deb##*/} $3"
	if ls "$_kd"/boot/vmlinuz-* >/dev/null 2>&1 && [ "$(cat "$_kd/.modules" 2>/dev/null)" = "$_stamp" ]; then
		return 0
	fi
	rm -rf "$_kd" "$_kd.tmp" "$_kd.full"
	dpkg-deb -x "$_deb" "$_kd.full" || die "dpkg-deb -x $_deb failed"
	_v=$(ls "$_kd.full"/boot/vmlinuz-* | tail -n 1)
	_v=${_v##*/vmlinuz-}
	# The package leaves modules.dep to its postinst (depmod).
	busybox depmod -b "$_kd.full" "$_v" || die "depmod $_v failed"
	mkdir -p "$_kd.tmp/boot" "$_kd.tmp/lib/modules/$_v"
	cp "$_kd.full/boot/vmlinuz-$_v" "$_kd.full/boot/config-$_v" "$_kd.tmp/boot/"
	# modules.builtin*: modprobe of a built-in module succeeds
	for _f in modules.dep modules.order modules.builtin modules.builtin.modinfo; do
		[ ! -f "$_kd.full/lib/modules/$_v/$_f" ] || cp "$_kd.full/lib/modules/$_v/$_f" "$_kd.tmp/lib/modules/$_v/"
	done
	for _m in $(kernel_closure "$_kd.full/lib/modules/$_v" "$3"); do
		case $_m in MISSING:*) rm -rf "$_kd.full" "$_kd.tmp"; die "no module ${_m#MISSING:} in $_v" ;; esac
		mkdir -p "$_kd.tmp/lib/modules/$_v/${_m%/*}"
		cp "$_kd.full/lib/modules/$_v/$_m" "$_kd.tmp/lib/modules/$_v/$_m"
	done
	rm -rf "$_kd.full"
	echo "$_stamp" >"$_kd.tmp/.modules"
	mv "$_kd.tmp" "$_kd"
}
