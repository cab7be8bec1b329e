# hull version
VERSION = 0.1.0

# paths
PREFIX = /usr/local
MANPREFIX = $(PREFIX)/share/man
BUILDDIR = build
# where root's hull marks the parent cgroups it made, for the whole machine
CGROUP_MARKS = /run/hull/.cgroup-marks
# how long delete, a failed create and a failed start wait for a SIGKILLed
# init to be gone before they report it (ms)
KILL_WAIT_MS = 10000

# Debian packages hull needs to build, test and demo (make deps installs the missing ones)
DEPS_PKGS = gcc make pkg-config libseccomp-dev libcap-dev libjansson-dev libmnl-dev check \
	libsystemd-dev busybox-static mandoc qemu-system-x86 cpio libcgroup-dev iperf3 containerd python3-grpcio \
	runc crun gnuplot-nox sockperf clang libclang-rt-14-dev valgrind strace clang-format \
	python3-dbus python3-gi dbus-daemon protobuf-c-compiler libprotobuf-c-dev \
	mmdebstrap e2fsprogs docker.io podman

# libraries
PKGS = libseccomp libcap jansson libmnl
PKG_CFLAGS = `pkg-config --cflags $(PKGS) 2>/dev/null`
PKG_LIBS = `pkg-config --libs $(PKGS) 2>/dev/null` -lm
# The hull binary links these statically: every exec of hull (two per
# `run`: see SECURITY in hull(8)) then skips loading them, 0.25 ms each on
# the development VM. Debian ships no libmnl.a, so libmnl stays shared.
STATIC_PKGS = libseccomp libcap jansson
HULL_LIBS = -Wl,-Bstatic `pkg-config --libs --static $(STATIC_PKGS) 2>/dev/null` -Wl,-Bdynamic \
	`pkg-config --libs libmnl 2>/dev/null` -lm
# containerd-shim-hull-v2: protobuf-c, linked statically as hull's libraries are
SHIM_LIBS = -Wl,-Bstatic `pkg-config --libs --static libprotobuf-c 2>/dev/null` -Wl,-Bdynamic $(HULL_LIBS)
PROTOC_C = protoc-c
# where the shim keeps hull's state (one directory per containerd namespace;
# the runc options' Root replaces it) and its sockets (as runc's shim does)
SHIM_ROOT = /run/containerd/hull
SHIM_SOCKET_DIR = /run/containerd/s
CHECK_CFLAGS = `pkg-config --cflags check libcgroup 2>/dev/null`
CHECK_LIBS = `pkg-config --libs check libcgroup 2>/dev/null`

# flags
CPPFLAGS = -D_GNU_SOURCE -DHULL_VERSION=\"$(VERSION)\" -DHULL_CGROUP_MARKS=\"$(CGROUP_MARKS)\" \
	-DHULL_KILL_WAIT_MS=$(KILL_WAIT_MS) \
	-D_FORTIFY_SOURCE=2
CFLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Werror -fstack-protector-strong -fPIE \
	-Wno-missing-field-initializers
LDFLAGS = -pie -Wl,-z,relro,-z,now

# compiler and linker
CC = cc
# make check-format, make format: clang-format 14 (Debian 12's), as .clang-format wants
CLANG_FORMAT = clang-format
# make fuzz, fuzz-smoke: clang with libFuzzer; seconds per target
FUZZ_CC = clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS = 20
# make check-asan: the compiler of the ASan/UBSan build (gcc or clang)
ASAN_CC = $(CC)
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# make check-clients: where the side-by-side table (client | operation |
# runc | hull) of the docker, podman and ctr runs is written
CLIENTS_TABLE = $(BUILDDIR)/clients-table.md
# tests: the unprivileged and the root parts of the suite
CHECK_TIMEOUT = 60
# make check-fast leaves out the test cases with these tags (tcase_set_tags):
# daemon (containerd, iperf3 servers), slow (seconds each)
CHECK_FAST_EXCLUDE_TAGS = daemon slow
# make soak: create/start/wait/delete cycles (make soak N=200 overrides)
SOAK_N = 1000
# make check runs the soak this many cycles
CHECK_SOAK_N = 200
# make check-cgroup2: the suites that run again on a cgroup v2-only kernel in
# qemu (TCG), the time the whole boot may take (s), where the kernel and the
# images are kept between runs
QEMU = qemu-system-x86_64
CGROUP2_TIMEOUT = 900
CGROUP2_CACHE = $(BUILDDIR)/cgroup2
CGROUP2_SUITES = cgroups_base cgroups_resources cgroups_events lifecycle rootfs_overlay exec
# the modules the guest loads (Debian's 6.1 has overlayfs as a module, and no
# lowerdir+: rootfs_overlay tests the one-string mount(2) path there)
CGROUP2_MODULES = virtio_pci virtio_blk loop overlay
# make check-node: a systemd guest like a Kubernetes node (tests/node/run.sh):
# Debian 12 built with mmdebstrap into an ext4 image, booted on Debian's
# kernel in qemu (TCG) with cgroup v2 and AppArmor; a oneshot unit runs the
# suites (lsm: AppArmor profiles for real; containerd: the CRI with both
# cgroup drivers and containerd's AppArmor profile). The image is rebuilt
# only when its recipe changes (NODE_PACKAGES, NODE_MODULES, NODE_IMAGE_MB,
# the kernel, tests/node/); the kernel's .deb is shared with check-cgroup2;
# the console is kept in $(NODE_CACHE)/console.log.
NODE_CACHE = $(BUILDDIR)/node
NODE_TIMEOUT = 900
# (SUITE:TCASE runs one test case of a suite)
NODE_SUITES = lifecycle cgroups_base cgroups_resources exec systemd_driver lsm containerd:cri
# run in a second boot with SELinux (permissive) instead of AppArmor; empty: no such boot
NODE_SELINUX_SUITES = lsm
# run a second time in the AppArmor boot with hull's systemd driver
# (HULL_TEST_CGROUP_DRIVER=systemd: --systemd-cgroup, a scope per test in
# hulltest.slice); cgroups_base tests the library's cgroupfs driver in
# process, not hull: it is not among them
NODE_SYSTEMD_SUITES = lifecycle cgroups_resources
NODE_SELINUX_TIMEOUT = 300
# hull run /bin/true this many times per cgroup driver in the guest (timed)
NODE_RUNS = 10
NODE_KERNEL_DEBS = $(CGROUP2_CACHE)
NODE_PACKAGES = systemd systemd-sysv udev dbus kmod procps apparmor apparmor-utils containerd \
	selinux-policy-default \
	iproute2 busybox-static python3 python3-grpcio \
	libmnl0 libseccomp2 libcap2 libjansson4 libcgroup2 libsubunit0
# modules in the image (with their dependencies); the initramfs loads the
# virtio disk and ext4 ones to mount the root
NODE_MODULES = virtio_pci virtio_blk ext4 crc32c_generic autofs4 binfmt_misc loop overlay bridge veth br_netfilter
# the image's size (sparse), the apt sources mmdebstrap reads (the host's)
NODE_IMAGE_MB = 2048
NODE_APT_SOURCES = /etc/apt/sources.list.d/debian.sources
