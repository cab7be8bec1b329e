#!/bin/sh
# Writes the libFuzzer dictionaries tests/fuzz/dict/TARGET.dict from the
# string literals of the parsers (JSON keys, enum names), plus JSON syntax.
# Run again when a parser learns a key: sh tests/fuzz/mkdict.sh
set -eu
cd "$(dirname "$0")/../.."
mkdir -p tests/fuzz/dict
lits() {	# the identifier-like string literals of the files, one per line, quoted
	grep -ohE '"[A-Za-z_][A-Za-z0-9_.:+/-]{1,40}"' "$@" | grep -v '\.h"$' | sort -u
}
json() {
	printf '%s\n' '"{"' '"}"' '"["' '"]"' '":"' '","' '"\\\""' '"true"' '"false"' '"null"' \
		'"0"' '"-1"' '"1e3"' '"0.5"' '"4294967295"' '"4294967296"' '"9223372036854775807"' \
		'"9223372036854775808"' '"18446744073709551615"' '"18446744073709551616"' '"\\u0000"' '"\\ud800"'
}
quoted() {	# each literal as is and as a JSON string ("\"key\"")
	while read -r l; do
		printf '%s\n' "$l"
		printf '"\\"%s\\""\n' "$(printf '%s' "$l" | sed 's/^"//; s/"$//')"
	done
}
caps() {
	sed -n 's/^#define \(CAP_[A-Z_]*\)[[:space:]]\+[0-9]\+$/"\1"/p' /usr/include/linux/capability.h |
		grep -v 'CAP_LAST_CAP'
}
{ json; lits oci-spec/parse*.c oci-spec/json-util.c oci-spec/net-annotations.c oci-spec/rootfs-annotations.c | quoted; caps | quoted; } |
	sort -u > tests/fuzz/dict/spec.dict
{ json; lits oci-spec/parse-seccomp.c runtime/seccomp.c | quoted
  printf '"\\"%s\\""\n' SCMP_ARCH_X86_64 SCMP_ARCH_X86 SCMP_ARCH_X32 SCMP_ARCH_AARCH64 SCMP_ARCH_ARM \
	SCMP_ARCH_NATIVE SCMP_ARCH_PPC64LE SCMP_ARCH_S390X SCMP_ARCH_RISCV64 read write open openat sendmsg \
	clone clone3 socket ioctl personality mount kill; } | sort -u > tests/fuzz/dict/seccomp.dict
{ json; lits oci-spec/state.c | quoted; } | sort -u > tests/fuzz/dict/state.dict
{ json; lits oci-spec/parse-resources.c | quoted; } | sort -u > tests/fuzz/dict/resources.dict
{ caps; printf '%s\n' '"\x0A"' '"A"' '"B"' '"C"' '"D"' '"E"' '"cap_"' '"CAP_"'; } | sort -u > tests/fuzz/dict/caps.dict
{ lits oci-spec/net-annotations.c oci-spec/rootfs-annotations.c | sed 's/^"/"org.hull.net./' | grep -v 'org.hull.net.org'
  lits oci-spec/net-annotations.c oci-spec/rootfs-annotations.c
  printf '%s\n' '"org.hull.rootfs.layers"' '"org.hull.rootfs.upper"' '"org.hull.rootfs.upper-size"' \
	'"netdev:"' '"="' '"\x0A"' '":"' '","' '"/"' '"198.18.0.2/24"' '"fd00::2/64"' '"198.18.0.1"' '"fe80::1"' \
	'"02:00:00:00:00:01"' '"mbit"' '"kbit"' '"gbit"' '"bit"' '"kb"' '"mb"' '"-"' '"64m"' '"10%"' '"eth0"' '"lo"' \
	'"true"' '"false"' '"65535"' '"68"' '"\x00"' '"\x01"' '"\x02"' '"\x04"' '"\x08"'; } | sort -u > tests/fuzz/dict/annotations.dict
wc -l tests/fuzz/dict/*.dict
