# hull version
VERSION = 0.1.0

# paths
PREFIX = /usr/local
MANPREFIX = $(PREFIX)/share/man
BUILDDIR = build

# Debian packages hull needs to build, test and demo (make deps installs the missing ones)
DEPS_PKGS = gcc make pkg-config libseccomp-dev libcap-dev libjansson-dev libmnl-dev check \
	busybox-static mandoc qemu-system-x86 cpio libcgroup-dev iperf3 containerd python3-grpcio

# libraries
PKGS = libseccomp libcap jansson libmnl
PKG_CFLAGS = `pkg-config --cflags $(PKGS) 2>/dev/null`
PKG_LIBS = `pkg-config --libs $(PKGS) 2>/dev/null`
CHECK_CFLAGS = `pkg-config --cflags check libcgroup 2>/dev/null`
CHECK_LIBS = `pkg-config --libs check libcgroup 2>/dev/null`

# flags
CPPFLAGS = -D_GNU_SOURCE -DHULL_VERSION=\"$(VERSION)\" -D_FORTIFY_SOURCE=2
CFLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Werror -fstack-protector-strong -fPIE \
	-Wno-missing-field-initializers
LDFLAGS = -pie -Wl,-z,relro,-z,now

# compiler and linker
CC = cc

# tests: the unprivileged and the root parts of the suite
CHECK_TIMEOUT = 60
# make check-cgroup2: the suites that run again on a cgroup v2-only kernel in
# qemu (TCG), the time the whole boot may take (s), where the kernel and the
# images are kept between runs
QEMU = qemu-system-x86_64
CGROUP2_TIMEOUT = 900
CGROUP2_CACHE = $(BUILDDIR)/cgroup2
CGROUP2_SUITES = cgroups_base cgroups_resources cgroups_events lifecycle rootfs_overlay
# the modules the guest loads (Debian's 6.1 has overlayfs as a module, and no
# lowerdir+: rootfs_overlay tests the one-string mount(2) path there)
CGROUP2_MODULES = virtio_pci virtio_blk loop overlay
