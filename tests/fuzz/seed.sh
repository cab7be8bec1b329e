#!/bin/sh
# Regenerates the seed corpora tests/fuzz/corpus/TARGET/ (root; a few
# minutes): the inputs the unit suites hand to the parsers (captured by
# capture.c), the configs `hull spec` writes, the busybox fixture's config,
# state.json of real containers (plain, with annotations and hooks, in bridge
# mode), then each set minimized with libFuzzer's -merge=1 together with the
# corpus already in the tree. Needs `make hull build/hull-tests` and the fuzz
# binaries (make fuzz builds them).
set -eu
cd "$(dirname "$0")/../.."
build=${BUILDDIR:-build}
hull=$PWD/hull
fixture=$PWD/tests/fixtures/busybox
seeds=$build/fuzz/seeds
tool=$build/fuzz/seed
targets="spec annotations state seccomp caps resources"
for t in $targets; do
	[ -x "$build/fuzz/fuzz-$t" ] || { echo "seed.sh: $build/fuzz/fuzz-$t missing (make fuzz)" >&2; exit 1; }
done
[ -x "$hull" ] && [ -x "$build/hull-tests" ] || { echo "seed.sh: make hull build/hull-tests first" >&2; exit 1; }
sh tests/fixture.sh "$fixture"
rm -rf "$seeds" "$tool"
mkdir -p "$seeds" "$tool"
export HULL_FUZZ_CAPTURE=$PWD/$seeds

# 1. The unit suites, with the parsers wrapped.
pkgs="libseccomp libcap jansson libmnl"
wrap=-Wl,--wrap=hull_spec_parse,--wrap=hull_state_file_parse,--wrap=hull_resources_parse,--wrap=hull_process_parse
cc -std=gnu11 -D_GNU_SOURCE -O1 -g $(pkg-config --cflags $pkgs) -c -o "$tool/capture.o" tests/fuzz/capture.c
cc -std=gnu11 -D_GNU_SOURCE -DHULL_CAPTURE_MAIN -O1 -g $(pkg-config --cflags $pkgs) -c \
	-o "$tool/capture-main.o" tests/fuzz/capture.c
cc $wrap -o "$tool/hull-tests" "$build"/tests/unit/*.o "$build"/tests/integration/*.o "$build"/tests/lib/*.o \
	"$tool/capture.o" "$build/libhull.a" $(pkg-config --libs $pkgs check libcgroup)
cc $wrap -o "$tool/capture" "$tool/capture-main.o" "$build/libhull.a" $(pkg-config --libs $pkgs)
CK_VERBOSITY=silent "$tool/hull-tests" unit >/dev/null

# 2. The configs hull writes, and the fixture's.
for opt in "" --rootless --seccomp "--rootless --seccomp"; do
	d=$tool/spec-$(echo "x$opt" | tr -d ' -')
	mkdir -p "$d"
	"$hull" spec --bundle "$d" $opt
	"$tool/capture" spec "$d/config.json"
done
"$tool/capture" spec "$fixture/config.json"

# 3. state.json of real containers.
id=hull-fuzz-seed-$$
br=hfzb$$ veth=hfzv$$
bundle=$tool/bundle
cleanup() {
	"$hull" delete --force "$id" >/dev/null 2>&1 || true
	ip link del "$veth" >/dev/null 2>&1 || true
	ip link del "$br" >/dev/null 2>&1 || true
}
trap cleanup EXIT
container() {	# container NAME ANNOTATIONS-JSON-MEMBERS HOOKS-JSON-MEMBER
	mkdir -p "$bundle"
	ln -sfn "$fixture/rootfs" "$bundle/rootfs"
	sed -e 's/^      "sh"$/      "sleep", "60"/' \
	    -e "s|^  \"ociVersion\": \"1.2.0\",\$|  \"ociVersion\": \"1.2.0\", \"annotations\": {$2}, $3|" \
		"$fixture/config.json" > "$bundle/config.json"
	"$hull" create --bundle "$bundle" "$id" </dev/null >/dev/null
	cp "/run/hull/$id/state.json" "$tool/state-$1.json"
	"$tool/capture" state "$tool/state-$1.json"
	"$hull" state "$id" >/dev/null
	"$hull" delete --force "$id"
}
container plain '' ''
container annotated '"com.example.a": "1", "org.opencontainers.image.title": "x"' \
	'"hooks": {"poststop": [{"path": "/bin/true"}]},'
net="\"org.hull.net.bridge\": \"$br\", \"org.hull.net.bridge.address\": \"198.18.250.1/24\","
net="$net \"org.hull.net.bridge.remove-empty\": \"true\", \"org.hull.net.address\": \"198.18.250.2/24\","
net="$net \"org.hull.net.gateway\": \"198.18.250.1\", \"org.hull.net.host-ifname\": \"$veth\","
net="$net \"org.hull.net.egress-rate\": \"10mbit-64kb\", \"org.hull.net.mac\": \"02:00:00:00:00:01\""
container bridge "$net" ''

# 4. `hull update --resources` files.
i=0
for r in '{}' '{"memory": {"limit": 104857600, "swap": -1}}' '{"cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0-1", "mems": "0"}}' \
	'{"pids": {"limit": 64}}' '{"blockIO": {"weight": 500, "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}]}}' \
	'{"unified": {"memory.high": "max"}, "hugepageLimits": [{"pageSize": "2MB", "limit": 0}]}' \
	'{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"}]}' \
	'{"network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]}, "rdma": {"mlx5_1": {"hcaHandles": 3}}}' \
	'{"memory": {"limit": 18446744073709551615}}'; do
	i=$((i + 1))
	printf '%s\n' "$r" > "$tool/res-$i.json"
done
"$tool/capture" resources "$tool"/res-*.json || true

# 5. Minimized with what the tree holds.
for t in $targets; do
	mkdir -p "$seeds/$t" "tests/fuzz/corpus/$t"
	rm -rf "$tool/merged"
	mkdir "$tool/merged"
	"$build/fuzz/fuzz-$t" -merge=1 "$tool/merged" "tests/fuzz/corpus/$t" "$seeds/$t" >"$tool/merge-$t.log" 2>&1 ||
		{ echo "seed.sh: merge of $t failed, see $tool/merge-$t.log" >&2; exit 1; }
	rm -rf "tests/fuzz/corpus/$t"
	mv "$tool/merged" "tests/fuzz/corpus/$t"
	echo "$t: $(ls "$seeds/$t" | wc -l) seeds, $(ls "tests/fuzz/corpus/$t" | wc -l) in tests/fuzz/corpus/$t"
done
