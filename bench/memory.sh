#!/usr/bin/env bash
# Coffer's peak memory where a per-byte or per-file cost would show: one 5 GiB file against one
# of 1 GiB, and a folder of 100,000 files against one of 1,000, each uploaded by `coffer put` to
# one Garage node on loopback. Prints a markdown table; `--save` also (over)writes bench/memory.md.
#
#   bash bench/memory.sh [--save]
#
# Uses bench/lib.sh (so COFFER_BIN, COFFER_GARAGE_FIXTURE, COFFER_BENCH_TMP and COFFER_BENCH_KEEP
# work the same way). Needs about 13 GiB of free disk.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SAVE=
case ${1:-} in --save) SAVE=1 ;; "") ;; *) die "unknown argument '$1'" ;; esac

set_scale
set_tuned
install_tools
build_coffer
make_workdir
start_garage
configure_tools

log "generating test files in $WORK/data"
head -c $((1024 * MIB)) /dev/urandom >"$WORK/data/1g.bin"
head -c $((5120 * MIB)) /dev/urandom >"$WORK/data/5g.bin"
mkdir -p "$WORK/data/files-1000" "$WORK/data/files-100000"
head -c $((1000 * 1024)) /dev/urandom | (cd "$WORK/data/files-1000" && split -b 1K -d -a 6 - f)
head -c $((100000 * 1024)) /dev/urandom | (cd "$WORK/data/files-100000" && split -b 1K -d -a 6 - f)

ROWS=()
# measure LABEL COUNT BYTES PATH PREFIX
measure() {
  log "coffer put: $1"
  timed /dev/null "$COFFER" -c bench put "$4" --to "$5/"
  local n s status=ok
  read -r n s < <(count_objects "$5")
  if [ "$T_RC" != 0 ]; then status="failed (exit $T_RC)"
  elif [ "$n" != "$2" ] || [ "$s" != "$3" ]; then status="failed ($n objects, $s bytes stored)"; fi
  log "  ${T_SECS}s, $((T_RSS_KIB / 1024)) MiB peak RSS, $status"
  ROWS+=("| $1 | $(awk -v s="$T_SECS" 'BEGIN { printf "%.1f", s }') | $(awk -v k="$T_RSS_KIB" 'BEGIN { printf "%.1f", k / 1024 }') | $status |")
}
measure "one 1 GiB file" 1 $((1024 * MIB)) "$WORK/data/1g.bin" mem/1g
measure "one 5 GiB file" 1 $((5120 * MIB)) "$WORK/data/5g.bin" mem/5g
measure "1,000 files of 1 KiB" 1000 $((1000 * 1024)) "$WORK/data/files-1000" mem/1k
measure "100,000 files of 1 KiB" 100000 $((100000 * 1024)) "$WORK/data/files-100000" mem/100k

{
  echo "# Coffer's peak memory by file size and file count"
  echo
  machine_facts
  printf -- '- coffer: %s, default settings (64 MiB budget for file contents in flight)\n' "$("$COFFER" --version)"
  printf -- '- Garage: %s, single node on loopback\n' "$("$GARAGE" --version 2>&1 | head -1)"
  echo
  echo "| upload | time (s) | peak RSS (MiB) | check |"
  echo "|---|---:|---:|---|"
  printf '%s\n' "${ROWS[@]}"
} >"$WORK/memory.md"
cat "$WORK/memory.md"
if [ -n "$SAVE" ]; then
  cp "$WORK/memory.md" "$BENCH_DIR/memory.md"
  log "saved bench/memory.md"
fi
