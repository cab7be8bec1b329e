#!/bin/sh
# valgrind memcheck of hull spec, create, state, list, start, kill and delete
# (make check-valgrind): any invalid access, use of uninitialised memory or
# leak (definite, indirect, possible) in any hull process fails.
#   sh tests/fuzz/valgrind.sh HULL FIXTURE
# Root. The containers live in a state directory of their own (--root).
set -u
hull=$1 fixture=$2
command -v valgrind >/dev/null || { echo "hull: check-valgrind: valgrind missing (make deps)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/hull-valgrind.XXXXXX)
root=$tmp/root id=hull-vg-$$
logs=$tmp/logs
mkdir -p "$logs" "$tmp/bundle" "$tmp/spec1" "$tmp/spec2"
cleanup() {
	"$hull" --root "$root" delete --force "$id" >/dev/null 2>&1
	"$hull" --root "$root" delete --force "$id-2" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ln -s "$fixture/rootfs" "$tmp/bundle/rootfs"
sed 's/^      "sh"$/      "sleep", "60"/' "$fixture/config.json" > "$tmp/bundle/config.json"
grep -q '"sleep", "60"' "$tmp/bundle/config.json" ||
	{ echo "hull: check-valgrind: unexpected $fixture/config.json" >&2; exit 1; }

failed=0 n=0
vg() {	# vg NAME EXIT-STATUS|any HULL-ARGS...: one command under memcheck; sets rc
	name=$1 want=$2
	shift 2
	n=$((n + 1))
	start=$(date +%s)
	valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --track-origins=yes \
		--error-exitcode=99 --log-file="$logs/$name.%p" "$hull" --root "$root" "$@" \
		>"$logs/$name.out" 2>&1 </dev/null
	rc=$?
	errs=$(cat "$logs/$name".[0-9]* | sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }')
	procs=$(ls "$logs/$name".[0-9]* | wc -l)
	printf '%-22s exit=%-3s errors=%-3s processes=%-2s %ss\n' "$name" "$rc" "$errs" "$procs" \
		"$(( $(date +%s) - start ))"
	if [ "$rc" = 99 ] || [ "$errs" != 0 ]; then
		failed=$((failed + 1))
		for f in "$logs/$name".[0-9]*; do
			grep -q 'ERROR SUMMARY: 0 errors' "$f" || { echo "--- $f"; cat "$f"; }
		done
	elif [ "$want" != any ] && [ "$rc" != "$want" ]; then
		failed=$((failed + 1))
		echo "--- hull $*: exit $rc, want $want"
		cat "$logs/$name.out"
	fi
}
# valgrind 3.19 (Debian 12) knows neither openat2 (437), which the init needs
# for the mounts, nor pidfd_open (434), by which hull tells a live init. Then
# create runs under memcheck until the init fails at the mounts (the parent's
# error path included) and the container is made again without valgrind;
# state, list and delete see it as stopped, and start and kill, which need
# it running, run without valgrind.
lacks() {	# lacks SYSCALL-NR: this valgrind said it does not handle it
	grep -qs "unhandled amd64-linux syscall: $1\$" "$logs"/*.[0-9]*
}
native() {	# native HULL-ARGS...
	"$hull" --root "$root" "$@" </dev/null >"$logs/native.out" 2>&1 ||
		{ failed=$((failed + 1)); echo "--- hull $* (no valgrind) failed:"; cat "$logs/native.out"; }
}
create() {	# create NAME ID
	if lacks 437; then
		native create --bundle "$tmp/bundle" "$2"
		return
	fi
	vg "$1" any create --bundle "$tmp/bundle" "$2"
	[ "$rc" = 0 ] && return
	if lacks 437; then
		echo "  (valgrind lacks openat2: the init stopped at the mounts; created again without valgrind)"
		native create --bundle "$tmp/bundle" "$2"
	else
		failed=$((failed + 1))
		cat "$logs/$1.out"
	fi
}
maybe_vg() {	# maybe_vg NAME EXIT-STATUS HULL-ARGS...: under memcheck if it has pidfd_open
	if lacks 434; then
		shift 2
		native "$@"
	else
		vg "$@"
	fi
}
vg spec 0 spec --bundle "$tmp/spec1"
vg spec-rootless-seccomp 0 spec --rootless --seccomp --bundle "$tmp/spec2"
vg create-bad-bundle 1 create --bundle "$tmp/none" "$id"
create create "$id"
pid=$("$hull" --root "$root" state "$id" | sed -n 's/^ *"pid": \([0-9]*\),*$/\1/p')
vg state 0 state "$id"
vg list 0 list
vg list-json 0 list --format json
vg delete-force 0 delete --force "$id"
vg state-missing 1 state "$id"
i=0	# the init must be gone (or a zombie) within 5 s
while [ -n "$pid" ] && [ $i -lt 50 ] && [ -e "/proc/$pid" ] &&
	! sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | grep -q '^[ZX]'; do
	sleep 0.1
	i=$((i + 1))
done
if [ -z "$pid" ] || [ $i -ge 50 ]; then
	failed=$((failed + 1))
	echo "--- delete --force left the init ${pid:-(no pid)} running"
fi
create create-2 "$id-2"
maybe_vg start-2 0 start "$id-2"
vg state-running 0 state "$id-2"
maybe_vg kill-2 0 kill "$id-2" KILL
i=0	# until the init is gone (bounded: 10 s)
while [ $i -lt 100 ] && ! "$hull" --root "$root" state "$id-2" 2>/dev/null | grep -q '"stopped"'; do
	sleep 0.1
	i=$((i + 1))
done
vg state-stopped 0 state "$id-2"
vg delete-2 0 delete "$id-2"
vg list-empty 0 list
lacks 437 && echo "hull: check-valgrind: valgrind $(valgrind --version | sed 's/valgrind-//') lacks openat2: the init was checked up to its mounts"
lacks 434 && echo "hull: check-valgrind: valgrind lacks pidfd_open: start and kill ran without it, state/list/delete saw the init as stopped"
echo "hull: check-valgrind: $n commands, $failed failed"
[ "$failed" = 0 ]
