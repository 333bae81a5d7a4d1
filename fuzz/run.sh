#!/usr/bin/env bash
# Fuzz each target for a fixed time with AFL++ (afl.rs, stable Rust), then report crashes.
#
#   fuzz/run.sh [SECONDS]        # default 60 s a target; 0 when none crashed
#
# Needs cargo-afl (`cargo install cargo-afl`; it builds AFL++ on first use). Findings land in
# fuzz/out/TARGET/default/crashes/ (ignored by git); replay one with
# `fuzz/target/debug/TARGET < fuzz/out/TARGET/default/crashes/id:...`.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${1:-60}
TARGETS=(answers log_stream log_format env_file flags)

command -v cargo-afl >/dev/null || cargo install cargo-afl --locked
cargo afl build

# No core dumps to wait for, no CPU pinning (other work shares the machine), no screen.
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
mkdir -p out
status=0
summary=()
for t in "${TARGETS[@]}"; do
	rm -rf "out/$t"
	echo "== $t: ${SECONDS_EACH}s" >&2
	cargo afl fuzz -i "seeds/$t" -o "out/$t" -V "$SECONDS_EACH" "target/debug/$t" >"out-$t.log" 2>&1 || {
		echo "afl-fuzz failed for $t:" >&2
		tail -20 "out-$t.log" >&2
		status=1
	}
	stats=out/$t/default/fuzzer_stats
	execs=$(awk -F' *: *' '$1 == "execs_done" { print $2 }' "$stats" 2>/dev/null || echo '?')
	paths=$(awk -F' *: *' '$1 == "corpus_count" { print $2 }' "$stats" 2>/dev/null || echo '?')
	crashes=$( (find "out/$t/default/crashes" -type f -name 'id:*' 2>/dev/null || true) | wc -l)
	hangs=$( (find "out/$t/default/hangs" -type f -name 'id:*' 2>/dev/null || true) | wc -l)
	summary+=("$t: $execs execs, corpus $paths, $crashes crashes, $hangs hangs")
	[ "$crashes" = 0 ] || status=1
	rm -f "out-$t.log"
done
printf '%s\n' "${summary[@]}"
exit $status
