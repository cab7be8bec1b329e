#!/bin/sh
# Runs each libFuzzer target SECONDS seconds (make fuzz, make fuzz-smoke):
#   sh tests/fuzz/run.sh BUILDDIR SECONDS TARGET...
# Each target reads its seeds from tests/fuzz/corpus/TARGET (never written)
# and keeps what it finds in BUILDDIR/fuzz/corpus/TARGET; crash inputs go to
# BUILDDIR/fuzz/crashes/, logs to BUILDDIR/fuzz/logs/. Prints execs and
# execs/s per target ("found": the inputs BUILDDIR/fuzz/corpus/TARGET holds);
# exits 1 when a target found a crash, a leak, a UBSan report or a timeout.
set -u
build=$1 secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build/fuzz/crashes" "$build/fuzz/logs"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}"
failed=""
printf '%-12s %8s %12s %10s %8s %8s  %s\n' target seconds execs execs/s found rss_mb result
for t in "$@"; do
	bin=$build/fuzz/fuzz-$t
	work=$build/fuzz/corpus/$t
	log=$build/fuzz/logs/$t.log
	mkdir -p "$work"
	dict=""
	[ -f "$here/dict/$t.dict" ] && dict="-dict=$here/dict/$t.dict"
	start=$(date +%s)
	# -timeout: one input may take 10 s; -rss_limit_mb: the VM has room.
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz/crashes/$t-" $dict "$work" "$here/corpus/$t" >"$log" 2>&1
	rc=$?
	took=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	units=$(ls "$work" | wc -l)
	if [ $rc -eq 0 ]; then
		res=ok
	else
		res="FAILED (exit $rc): $(grep -m1 -o 'Test unit written to .*' "$log" || echo "see $log")"
		failed="$failed $t"
	fi
	printf '%-12s %8s %12s %10s %8s %8s  %s\n' "$t" "$took" "${execs:-?}" "${rate:-?}" "$units" \
		"${rss:-?}" "$res"
done
if [ -n "$failed" ]; then
	echo "hull: fuzz: failed:$failed (logs in $build/fuzz/logs, inputs in $build/fuzz/crashes)" >&2
	exit 1
fi
