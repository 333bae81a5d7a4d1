#!/usr/bin/env bash
# cleanops under measurement: ratios against the runbook's own commands, on the same Docker test
# stack (tests/stack/compose.yml), whose image is built from the simulator's multi-call binary
# `cleanops-sim` (no image is pulled).
#
#   bench/run.sh            # about 10 minutes; writes docs/benchmarks.md (between its markers)
#
# Run by hand, never from .ci/run. Needs a Docker engine and docker-compose (or `docker compose`);
# installs hyperfine, jq, curl, GNU time and python3 with apt-get when they are missing. It
# builds `cargo build --profile dist` (the shipped binary: fat LTO; and cleanops-sim, so that the
# stack answers as fast as before) once.
#
# What it measures (each as a ratio, the manual way over cleanops):
#   a. the quick diagnosis: `cleanops diagnose --json` against the runbook's "Quick diagnosis"
#      commands run as written, healthy and with the jobs container stopped (heartbeat stale);
#   b. log search on a container with BENCH_LOG_LINES (200 000) lines: `cleanops logs jobs
#      --grep` against `docker-compose logs | grep`, wall time and peak memory;
#   c. start-up: `cleanops --version` and `cleanops status --api-only` against a local simulator
#      (curl on /readyz for reference);
#   d. under faults: `cleanops diagnose --deadline 3s` with the API black-holed and with the
#      engine black-holed, as wall time minus the deadline.
#
# Knobs, for trying the script out (the numbers in docs/ come from a plain run):
#   BENCH_RUNS=10  BENCH_LOG_LINES=200000  BENCH_OUT=docs/benchmarks.md
#   BENCH_BIN=path/to/cleanops BENCH_SIM_BIN=path/to/cleanops-sim (both: skips the dist build)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RUNS=${BENCH_RUNS:-10}
LOG_LINES=${BENCH_LOG_LINES:-200000}
OUT=${BENCH_OUT:-docs/benchmarks.md}
DEADLINE_S=3
PASSWORD=bench-admin-pw-$RANDOM$RANDOM
BEGIN_MARK='<!-- bench/run.sh: results begin -->'
END_MARK='<!-- bench/run.sh: results end -->'

say() { printf '\n== %s\n' "$*" >&2; }
die() {
	printf 'bench/run.sh: %s\n' "$*" >&2
	exit 1
}

# ------------------------------------------------------------------------------------- tools

APT_UPDATED=
apt_install() {
	command -v apt-get >/dev/null || die "$1 is missing and there is no apt-get: install $1"
	local sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	if [ -z "$APT_UPDATED" ]; then
		$sudo apt-get update -qq
		APT_UPDATED=1
	fi
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
command -v hyperfine >/dev/null || apt_install hyperfine
command -v jq >/dev/null || apt_install jq
command -v curl >/dev/null || apt_install curl
[ -x /usr/bin/time ] || apt_install time
command -v python3 >/dev/null || apt_install python3
command -v docker >/dev/null || die "docker is not installed"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "no Docker engine answers"
if docker compose version >/dev/null 2>&1; then
	COMPOSE="docker compose"
elif command -v docker-compose >/dev/null; then
	COMPOSE="docker-compose"
else
	die "neither docker compose nor docker-compose is installed"
fi

# ------------------------------------------------------------------------------------- build

if [ -n "${BENCH_BIN:-}" ] && [ -n "${BENCH_SIM_BIN:-}" ]; then
	BIN=$(readlink -f "$BENCH_BIN")
	SIM_BIN=$(readlink -f "$BENCH_SIM_BIN")
	PROFILE="given: $BENCH_BIN"
else
	say "cargo build --profile dist --bin cleanops --bin cleanops-sim"
	cargo build --profile dist --bin cleanops --bin cleanops-sim
	BIN=$ROOT/target/dist/cleanops
	SIM_BIN=$ROOT/target/dist/cleanops-sim
	PROFILE=dist
fi

WORK=$(mktemp -d)
PROJECT=cleanopsbench$$
LOGPROJECT=cleanopsbenchlogs$$
BG_PIDS=()
cleanup() {
	set +e
	for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	$COMPOSE -p "$PROJECT" -f "$ROOT/tests/stack/compose.yml" down -v -t 1 >/dev/null 2>&1
	$COMPOSE -p "$LOGPROJECT" -f "$ROOT/bench/logs-compose.yml" down -v -t 1 >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

# The image: the multi-call binary, the libraries ldd names, the multi-call names the stack runs
# (python, pg_isready, postgres), and the host's sh, awk and sleep for the log generator. As
# tests/it/stack.rs builds it, plus those three programs.
build_image() {
	local tag root prog lib
	tag="cleanops-bench:$(sha256sum "$SIM_BIN" | cut -c1-16)"
	if docker image inspect "$tag" >/dev/null 2>&1; then
		echo "$tag"
		return
	fi
	root=$WORK/rootfs
	mkdir -p "$root"/{usr/local/bin,usr/bin,bin,etc,tmp,app,root}
	cp "$SIM_BIN" "$root/usr/local/bin/cleanops-sim"
	strip --strip-debug "$root/usr/local/bin/cleanops-sim" 2>/dev/null || true
	for prog in python python3 pg_isready postgres; do
		ln -s cleanops-sim "$root/usr/local/bin/$prog"
	done
	cp "$(readlink -f "$(command -v dash || command -v sh)")" "$root/bin/sh"
	cp "$(readlink -f "$(command -v awk)")" "$root/usr/bin/awk"
	cp "$(readlink -f "$(command -v sleep)")" "$root/bin/sleep"
	for prog in "$SIM_BIN" "$root/bin/sh" "$root/usr/bin/awk" "$root/bin/sleep"; do
		ldd "$prog" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
	done | sort -u | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
	printf 'root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1000:app:/app:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' >"$root/etc/passwd"
	printf 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n' >"$root/etc/group"
	echo cleanops-bench >"$root/etc/hostname"
	chmod 1777 "$root/tmp"
	tar --numeric-owner --owner=0 --group=0 -C "$root" -cf - . |
		docker import \
			--change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
			--change 'WORKDIR /app' \
			--change 'LABEL org.opencontainers.image.title=cleanops-bench-image' \
			- "$tag" >/dev/null
	rm -rf "$root"
	echo "$tag"
}

say "the image"
IMAGE=$(build_image)
echo "$IMAGE" >&2

# ------------------------------------------------------------------------------------- helpers

# hyperfine's JSON → one value: jqv FILE INDEX FIELD
jqv() { jq -r ".results[$2].$3" "$1"; }
# seconds → "123.4 ms" or "1.234 s"
fmt_s() { awk -v s="$1" 'BEGIN { if (s < 1) printf "%.1f ms", s * 1000; else printf "%.3f s", s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
# peak RSS in KiB of a command (GNU time), its output thrown away
peak_kib() {
	/usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>&1 || true
	awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt"
}
# A table row per command of a hyperfine export: name, mean ± σ, min, max, runs
rows() {
	jq -r '.results[] | "| `\(.command | gsub("\\|"; "\\|"))` | \(.mean * 1000 | . * 10 | round / 10) ± \(.stddev // 0 | . * 1000 | . * 10 | round / 10) | \(.min * 1000 | . * 10 | round / 10) | \(.max * 1000 | . * 10 | round / 10) | \(.times | length) |"' "$1"
}
raw() {
	jq -r '.results[] | "- `\(.command)`: \(.times | map(. * 1000 | . * 10 | round / 10 | tostring) | join(", ")) ms"' "$1"
}
# A TCP listener on 127.0.0.1 that accepts every connection and never reads or answers; prints
# its port.
blackhole() {
	local out=$WORK/blackhole.$RANDOM
	python3 -u -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(1024)
print(s.getsockname()[1])
held = []
while True:
    c, _ = s.accept()
    held.append(c)  # kept open, never read, never answered
' >"$out" &
	BG_PIDS+=($!)
	for _ in $(seq 50); do
		[ -s "$out" ] && break
		sleep 0.1
	done
	head -1 "$out"
}
pass() { awk -v ok="$1" 'BEGIN { print (ok ? "**met**" : "**missed**") }'; }

# ------------------------------------------------------------------------------------- the stack

say "the test stack ($PROJECT)"
mkdir -p "$WORK/cleaning" "$WORK/state" "$WORK/config"
cat >"$WORK/cleaning/.env" <<'EOF'
APP_ENV=ci
DATABASE_URL=postgresql+psycopg://cleaning:cleaning-db-pw@db:5432/cleaning
JOBS_ENABLED=true
JOB_HEARTBEAT_REQUIRED=true
JOB_HEARTBEAT_TTL_SECONDS=180
EOF
export CLEANOPS_TEST_IMAGE=$IMAGE CLEANOPS_TEST_ENV_FILE=$WORK/cleaning/.env
export CLEANOPS_SIM_ADMIN_PASSWORD=$PASSWORD BENCH_LOG_LINES=$LOG_LINES
# As on the host in /opt/cleaning: the runbook's `docker-compose ...` find the project.
export COMPOSE_FILE=$ROOT/tests/stack/compose.yml COMPOSE_PROJECT_NAME=$PROJECT
$COMPOSE up -d >/dev/null 2>&1 || $COMPOSE up -d
API_ID=$($COMPOSE ps -q api)
API=http://$(docker port "$API_ID" 8000/tcp | head -1)
for i in $(seq 600); do
	if curl -fsS "$API/healthz" >/dev/null 2>&1 &&
		curl -fsS "$API/_sim/state" 2>/dev/null | jq -e '.heartbeat != null' >/dev/null; then
		break
	fi
	[ "$i" = 600 ] && die "the stack did not serve a heartbeat within 60 s"
	sleep 0.1
done
export CLEANOPS_API_URL=$API ADMIN_BASIC_USERNAME=admin ADMIN_BASIC_PASSWORD=$PASSWORD
export CLEANOPS_PROJECT_NAME=$PROJECT CLEANOPS_PROJECT_DIR=$WORK/cleaning
export CLEANOPS_ENV_FILE=$WORK/cleaning/.env
export XDG_STATE_HOME=$WORK/state XDG_CONFIG_HOME=$WORK/config NO_COLOR=1
"$BIN" diagnose >&2 || true

# The runbook's "Quick diagnosis", as written, one command after the other.
cat >"$WORK/manual.sh" <<EOF
curl -fsS "$API/readyz" | jq '.checks[] | select(.name=="jobs")'
curl -fsS "$API/readyz" | jq '.checks[] | select(.name=="jobs") | .detail.age_seconds'
$COMPOSE logs --tail=500 api | grep -i "job\|heartbeat\|scheduler"
$COMPOSE ps jobs
curl -fsS -u "admin:\$ADMIN_BASIC_PASSWORD" "$API/v1/admin/queue/dlq?kind=all&limit=1"
EOF

diagnosis_bench() {
	hyperfine --shell=bash -i --warmup 2 --runs "$RUNS" --export-json "$1" \
		-n "cleanops diagnose --json" "$BIN diagnose --json" \
		-n "runbook quick diagnosis, as written" "bash $WORK/manual.sh" >&2
}

say "a. the quick diagnosis, healthy"
diagnosis_bench "$WORK/a-healthy.json"
say "a. the quick diagnosis, jobs container stopped"
$COMPOSE stop -t 10 jobs >/dev/null 2>&1
curl -fsS -X POST "$API/_sim/control" -d '{"heartbeat_age_seconds": 840}' >/dev/null
"$BIN" diagnose >&2 || true
diagnosis_bench "$WORK/a-stopped.json"
$COMPOSE start jobs >/dev/null 2>&1

# ------------------------------------------------------------------------------------- logs

say "b. log search: a jobs container with $LOG_LINES lines ($LOGPROJECT)"
LOGCOMPOSE="$COMPOSE -p $LOGPROJECT -f $ROOT/bench/logs-compose.yml"
$LOGCOMPOSE up -d >/dev/null 2>&1 || $LOGCOMPOSE up -d
LOG_ID=$($LOGCOMPOSE ps -q jobs)
for i in $(seq 1200); do
	docker logs --tail 1 "$LOG_ID" 2>&1 | grep -q runner_idle && break
	[ "$i" = 1200 ] && die "the log container did not write its lines within 120 s"
	sleep 0.1
done
GOT=$(docker logs "$LOG_ID" 2>&1 | wc -l)
[ "$GOT" = "$LOG_LINES" ] || die "the log container holds $GOT lines, not $LOG_LINES"
LOGENV="env CLEANOPS_PROJECT_NAME=$LOGPROJECT"
CMP_LOGS="$COMPOSE -p $LOGPROJECT -f $ROOT/bench/logs-compose.yml logs --tail=$LOG_LINES jobs | grep -iE 'job|heartbeat'"
OPS_LOGS="$LOGENV $BIN logs jobs --tail $LOG_LINES --grep 'job|heartbeat'"
MATCHED_OPS=$(bash -c "$OPS_LOGS" | wc -l)
MATCHED_CMP=$(bash -c "$CMP_LOGS" | wc -l)
# For reference, what any client pays: the docker CLI, and the engine's API alone (the same
# query cleanops makes, read by curl and thrown away).
REFS=(-n "docker logs --tail $LOG_LINES (reference)" "docker logs --tail $LOG_LINES $LOG_ID")
SOCK=/var/run/docker.sock
case "${DOCKER_HOST:-}" in unix://*) SOCK=${DOCKER_HOST#unix://} ;; esac
if [ -S "$SOCK" ]; then
	REFS+=(-n "the engine's API alone: curl on the socket (reference)"
		"curl -fsS --unix-socket $SOCK 'http://localhost/containers/$LOG_ID/logs?stdout=1&stderr=1&timestamps=1&tail=$LOG_LINES'")
fi
hyperfine --shell=bash --warmup 1 --runs "$RUNS" --export-json "$WORK/b.json" \
	-n "cleanops logs jobs --tail $LOG_LINES --grep 'job|heartbeat'" "$OPS_LOGS" \
	-n "$COMPOSE logs --tail=$LOG_LINES jobs | grep -iE 'job|heartbeat'" "$CMP_LOGS" \
	"${REFS[@]}" >&2
MEM_OPS=$(peak_kib bash -c "exec $OPS_LOGS")
MEM_CMP=$(peak_kib bash -c "$CMP_LOGS")
# cleanops' memory whatever the size: fewer lines, and every line without a filter.
MEM_ROWS=""
for tail in 2000 20000 "$LOG_LINES"; do
	k=$(peak_kib bash -c "exec $LOGENV $BIN logs jobs --tail $tail --grep 'job|heartbeat'")
	a=$(peak_kib bash -c "exec $LOGENV $BIN logs jobs --tail $tail")
	j=$(peak_kib bash -c "exec $LOGENV $BIN logs jobs --tail $tail --json")
	MEM_ROWS+="| $tail | $k | $a | $j |"$'\n'
done
MEM_OPS_MAX=$(printf '%s' "$MEM_ROWS" | tr '|' ' ' | awk '{ for (i = 2; i <= 4; i++) if ($i > m) m = $i } END { print m }')
$LOGCOMPOSE down -v -t 1 >/dev/null 2>&1

# ------------------------------------------------------------------------------------- start-up

say "c. start-up, against a local simulator"
"$BIN" sim serve --listen 127.0.0.1:0 --global-limit 1000000 >"$WORK/sim.out" 2>&1 &
BG_PIDS+=($!)
for _ in $(seq 100); do
	grep -q 'listening on' "$WORK/sim.out" && break
	sleep 0.1
done
SIM_URL=$(grep -o 'http://[0-9.:]*' "$WORK/sim.out" | head -1)
[ -n "$SIM_URL" ] || die "the simulator did not start: $(cat "$WORK/sim.out")"
hyperfine -N --warmup 5 --runs $((RUNS * 5)) --export-json "$WORK/c.json" \
	-n "cleanops --version" "$BIN --version" \
	-n "cleanops status --api-only" "env CLEANOPS_API_URL=$SIM_URL $BIN status --api-only" \
	-n "curl -fsS .../readyz" "curl -fsS $SIM_URL/readyz" >&2

# ------------------------------------------------------------------------------------- faults

say "d. under faults: diagnose --deadline ${DEADLINE_S}s"
BH_API=$(blackhole)
BH_ENGINE=$(blackhole)
[ -n "$BH_API" ] && [ -n "$BH_ENGINE" ] || die "the black-hole listeners did not start"
hyperfine --shell=bash -i --runs 5 --export-json "$WORK/d.json" \
	-n "API black-holed" "env CLEANOPS_API_URL=http://127.0.0.1:$BH_API $BIN diagnose --deadline ${DEADLINE_S}s" \
	-n "engine black-holed" "env DOCKER_HOST=tcp://127.0.0.1:$BH_ENGINE $BIN diagnose --deadline ${DEADLINE_S}s" \
	-n "both black-holed" "env CLEANOPS_API_URL=http://127.0.0.1:$BH_API DOCKER_HOST=tcp://127.0.0.1:$BH_ENGINE $BIN diagnose --deadline ${DEADLINE_S}s" >&2
env CLEANOPS_API_URL="http://127.0.0.1:$BH_API" "$BIN" diagnose --deadline "${DEADLINE_S}s" >"$WORK/d-api.txt" 2>&1 || true
env DOCKER_HOST="tcp://127.0.0.1:$BH_ENGINE" "$BIN" diagnose --deadline "${DEADLINE_S}s" >"$WORK/d-engine.txt" 2>&1 || true

# ------------------------------------------------------------------------------------- report

A_H_OPS=$(jqv "$WORK/a-healthy.json" 0 mean)
A_H_MAN=$(jqv "$WORK/a-healthy.json" 1 mean)
A_S_OPS=$(jqv "$WORK/a-stopped.json" 0 mean)
A_S_MAN=$(jqv "$WORK/a-stopped.json" 1 mean)
B_OPS=$(jqv "$WORK/b.json" 0 mean)
B_CMP=$(jqv "$WORK/b.json" 1 mean)
R_AH=$(ratio "$A_H_MAN" "$A_H_OPS")
R_AS=$(ratio "$A_S_MAN" "$A_S_OPS")
R_B=$(ratio "$B_CMP" "$B_OPS")
D_OVER=$(jq -r --argjson d "$DEADLINE_S" '[.results[].max] | max - $d' "$WORK/d.json")
D_ROWS=$(jq -r --argjson d "$DEADLINE_S" '.results[] | "| \(.command) | \(.mean * 1000 | round) | \(.max * 1000 | round) | \((.max - $d) * 1000 | round) |"' "$WORK/d.json")

REPORT=$WORK/report.md
{
	echo "$BEGIN_MARK"
	echo
	echo "### The run"
	echo
	echo "| | |"
	echo "| --- | --- |"
	echo "| date | $(date -u +%Y-%m-%dT%H:%M:%SZ) |"
	echo "| commit | $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src Cargo.toml 2>/dev/null || echo ' (with uncommitted changes)') |"
	echo "| binary | $PROFILE, $(du -h "$BIN" | cut -f1), \`$("$BIN" --version)\` |"
	echo "| rustc | $(rustc --version 2>/dev/null || echo unknown) |"
	echo "| CPU | $(nproc) × $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo) |"
	echo "| memory | $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
	echo "| kernel | $(uname -sr) |"
	echo "| Docker engine | $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') |"
	echo "| compose | \`$COMPOSE\` $($COMPOSE version --short 2>/dev/null || $COMPOSE version | head -1) |"
	echo "| hyperfine | $(hyperfine --version) |"
	echo
	echo "### Summary"
	echo
	echo "| target | measured | |"
	echo "| --- | --- | --- |"
	echo "| diagnosis ≥ 10× faster than the manual pass, healthy | ${R_AH}× ($(fmt_s "$A_H_MAN") / $(fmt_s "$A_H_OPS")) | $(pass "$(awk -v r="$R_AH" 'BEGIN { print (r >= 10) }')") |"
	echo "| diagnosis ≥ 10× faster than the manual pass, jobs stopped | ${R_AS}× ($(fmt_s "$A_S_MAN") / $(fmt_s "$A_S_OPS")) | $(pass "$(awk -v r="$R_AS" 'BEGIN { print (r >= 10) }')") |"
	echo "| log search ≥ 2× faster than compose + grep ($LOG_LINES lines) | ${R_B}× ($(fmt_s "$B_CMP") / $(fmt_s "$B_OPS")) | $(pass "$(awk -v r="$R_B" 'BEGIN { print (r >= 2) }')") |"
	echo "| log search peak memory < 32 MiB whatever the size | $(awk -v k="$MEM_OPS_MAX" 'BEGIN { printf "%.1f MiB", k / 1024 }') at most (compose + grep: $(awk -v k="$MEM_CMP" 'BEGIN { printf "%.1f MiB", k / 1024 }')) | $(pass "$(awk -v k="$MEM_OPS_MAX" 'BEGIN { print (k < 32768) }')") |"
	echo "| under faults, never later than deadline + 0.5 s | $(awk -v s="$D_OVER" 'BEGIN { printf "%+.3f s", s }') at worst | $(pass "$(awk -v s="$D_OVER" 'BEGIN { print (s <= 0.5) }')") |"
	echo
	echo "### a. The quick diagnosis"
	echo
	echo "The manual pass is the runbook's five commands as written (\`$WORK/manual.sh\` during the run):"
	echo
	echo '```sh'
	sed -e "s|$API|\$API|g" "$WORK/manual.sh"
	echo '```'
	echo
	echo "Healthy (ms):"
	echo
	echo "| command | mean ± σ | min | max | runs |"
	echo "| --- | --- | --- | --- | --- |"
	rows "$WORK/a-healthy.json"
	echo
	echo "Jobs container stopped, heartbeat 14 min stale (ms):"
	echo
	echo "| command | mean ± σ | min | max | runs |"
	echo "| --- | --- | --- | --- | --- |"
	rows "$WORK/a-stopped.json"
	echo
	echo "### b. Log search, $LOG_LINES lines"
	echo
	echo "Lines printed, of $LOG_LINES: cleanops $MATCHED_OPS (those that match), compose + grep $MATCHED_CMP (compose prefixes every line with the container's name, which contains \`jobs\`: the runbook's grep keeps them all)."
	echo
	echo "| command | mean ± σ (ms) | min | max | runs |"
	echo "| --- | --- | --- | --- | --- |"
	rows "$WORK/b.json" | sed -e "s|$LOG_ID|\$ID|g" -e "s|$BIN|cleanops|g"
	echo
	echo "Peak memory (maximum resident set size, GNU time): cleanops $MEM_OPS KiB, compose + grep $MEM_CMP KiB (the largest process of the pipeline)."
	echo
	echo "cleanops' peak memory by log size (KiB):"
	echo
	echo "| --tail | --grep 'job\|heartbeat' | every line | every line, --json |"
	echo "| --- | --- | --- | --- |"
	printf '%s' "$MEM_ROWS"
	echo
	echo "### c. Start-up, against a local simulator (ms)"
	echo
	echo "| command | mean ± σ | min | max | runs |"
	echo "| --- | --- | --- | --- | --- |"
	rows "$WORK/c.json" | sed -e "s|$BIN|cleanops|g" -e "s|$SIM_URL|http://127.0.0.1:PORT|g"
	echo
	echo "### d. Under faults: diagnose --deadline ${DEADLINE_S}s (ms)"
	echo
	echo "A black hole is a listener that accepts every connection and never reads or answers."
	echo
	echo "| \`cleanops diagnose --deadline ${DEADLINE_S}s\`, with | mean | max | max − deadline |"
	echo "| --- | --- | --- | --- |"
	echo "$D_ROWS"
	echo
	echo "What diagnose printed with the API black-holed:"
	echo
	echo '```'
	sed -e "s|$BH_API|PORT|g" -e "s|$API|\$API|g" "$WORK/d-api.txt"
	echo '```'
	echo
	echo "With the engine black-holed:"
	echo
	echo '```'
	sed -e "s|$BH_ENGINE|PORT|g" -e "s|$API|\$API|g" "$WORK/d-engine.txt"
	echo '```'
	echo
	echo "### Raw times (ms, each run)"
	echo
	for f in a-healthy a-stopped b c d; do
		echo "$f:"
		echo
		raw "$WORK/$f.json" | sed -e "s|$BIN|cleanops|g" -e "s|$WORK|\$WORK|g" -e "s|$SIM_URL|http://127.0.0.1:PORT|g" -e "s|$LOG_ID|\$ID|g"
		echo
	done
	echo "$END_MARK"
} >"$REPORT"
# Keep the project name and work directory out of the document.
sed -i -e "s|$WORK|\$WORK|g" -e "s|$PROJECT|\$PROJECT|g" -e "s|$LOGPROJECT|\$LOGPROJECT|g" "$REPORT"

if [ -f "$OUT" ] && grep -qF "$BEGIN_MARK" "$OUT"; then
	awk -v begin="$BEGIN_MARK" -v end="$END_MARK" -v report="$REPORT" '
		$0 == begin { while ((getline line < report) > 0) print line; skip = 1; next }
		$0 == end { skip = 0; next }
		!skip { print }
	' "$OUT" >"$WORK/out.md"
	cp "$WORK/out.md" "$OUT"
else
	{
		echo "# Benchmarks"
		echo
		echo "Written by \`bench/run.sh\`."
		echo
		cat "$REPORT"
	} >"$OUT"
fi
say "results in $OUT"
sed -n '/^### Summary/,/^### a\./p' "$REPORT" >&2
