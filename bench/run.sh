#!/usr/bin/env bash
# Coffer's CLI against s5cmd, rclone and the AWS CLI, on one Garage node on loopback.
#
#   bash bench/run.sh            # the markdown table on stdout, progress on stderr
#   bash bench/run.sh --save     # also (over)writes bench/results.md
#
# This script installs and configures the tools, starts Garage and writes the test files;
# bench/measure.py runs every row (each tool COFFER_BENCH_RUNS times, interleaved) and prints the
# table of medians.
#
# Environment (all optional):
#   COFFER_BIN=path            use this coffer binary instead of building target/release/coffer
#   COFFER_TUNED_ARGS="..."    extra put/get/rm arguments for a "coffer (tuned)" line (e.g. "--jobs 16");
#                              COFFER_TUNED_{PUT,GET,RM,LS}_ARGS, if set, replace it for one operation
#                              (RM also for the trash row); COFFER_TUNED_{MV,FIND}_ARGS for mv and find
#   COFFER_TUNED_BIN=path      run this coffer binary for the "coffer (tuned)" line (with or without
#                              COFFER_TUNED_ARGS): two builds compared on one Garage, runs taking turns
#   COFFER_BENCH_SCALE=small   shrink every row (64 MiB file, 100×16 KiB, 1,000×16 KiB, 10×10 MiB, 2,000 list,
#                              500 delete and trash, 100 moved, 2,000 searched)
#   COFFER_BENCH_TOOLS="..."   which tools, from: coffer coffer+ s5cmd s5cmd+ rclone rclone+ aws aws+
#                              (NAME+ = tuned; default all, but coffer+ only with COFFER_TUNED_ARGS
#                              and s5cmd+ only with S5_TUNED_GLOBAL/S5_TUNED_CP: see lib.sh set_tuned)
#   COFFER_BENCH_ROWS="..."    which rows, from: up_big down_big down_foreign up_small up_many up_med list delete
#                              move trash find (default all of them; see bench/README.md)
#   COFFER_BENCH_RUNS=n        runs per tool and row, summarised by their median (default 3)
#   COFFER_BENCH_VENV=dir      the virtualenv for s5cmd and awscli (default ~/.cache/coffer-bench/venv)
#   COFFER_GARAGE_FIXTURE=path a prebuilt garage-fixture binary (default: build it in release)
#   COFFER_BENCH_TMP=dir       where test files and Garage's data go (default $TMPDIR or /tmp)
#   COFFER_BENCH_KEEP=1        keep the work folder (logs of each run) afterwards
#   COFFER_BENCH_RUN_TIMEOUT=s stop (and fail) a run after this many seconds (default 1800)
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SAVE=
for arg in "$@"; do
  case $arg in
    --save) SAVE=1 ;;
    -h | --help) sed -n '2,/^[^#]/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$arg' (see --help)" ;;
  esac
done

set_scale
set_tuned
# A "tuned" line only where tuned differs from the defaults.
DEFAULT_TOOLS=coffer
[ -n "$COFFER_TUNED_ARGS${COFFER_TUNED_BIN:-}" ] && DEFAULT_TOOLS+=" coffer+"
DEFAULT_TOOLS+=" s5cmd"
[ -n "$S5_TUNED_GLOBAL$S5_TUNED_CP" ] && DEFAULT_TOOLS+=" s5cmd+"
DEFAULT_TOOLS+=" rclone rclone+ aws aws+"
read -ra TOOLS <<<"${COFFER_BENCH_TOOLS:-$DEFAULT_TOOLS}"
read -ra ROWS <<<"${COFFER_BENCH_ROWS:-up_big down_big down_foreign up_small up_many up_med list delete move trash find}"
for t in "${TOOLS[@]}"; do
  case $t in coffer | coffer+ | s5cmd | s5cmd+ | rclone | rclone+ | aws | aws+) ;; *) die "unknown tool '$t'" ;; esac
  [ "$t" = coffer+ ] && [ -z "$COFFER_TUNED_ARGS${COFFER_TUNED_BIN:-}" ] && die "coffer+ needs COFFER_TUNED_ARGS or COFFER_TUNED_BIN"
done
for r in "${ROWS[@]}"; do
  case $r in up_big | down_big | down_foreign | up_small | up_many | up_med | list | delete | move | trash | find) ;;
    *) die "unknown row '$r'" ;;
  esac
done
uses_coffer() { [[ " ${TOOLS[*]} " == *" coffer "* || " ${TOOLS[*]} " == *" coffer+ "* ]]; }

install_tools
if uses_coffer; then build_coffer; else build_coffer --fixture-only; fi
make_workdir
start_garage
configure_tools
generate_data

# ---------------------------------------------------------------------------------------------
# The plan for bench/measure.py: every tool's command per operation it has (@1@, @2@ and @3@ where
# tool_cmd's arguments go), the scale, and the facts for the table's header. Measuring and the
# table are Python's.
# ---------------------------------------------------------------------------------------------
plan_json() {
  local t op
  printf '{"work": "%s", "endpoint": "%s", "bucket": "%s", "s5cmd": "%s", "find_prefix": "%s", "server_pid": %d,\n' \
    "$WORK" "$ENDPOINT" "$BUCKET" "$S5CMD" "$FIND_PREFIX" "$FIXTURE_PID"
  printf ' "scale": {"big_mib": %d, "small_n": %d, "many_n": %d, "small_kib": %d, "med_n": %d, "med_mib": %d, "list_n": %d, "del_n": %d, "move_n": %d, "find_n": %d},\n' \
    "$BIG_MIB" "$SMALL_N" "$MANY_N" "$SMALL_KIB" "$MED_N" "$MED_MIB" "$LIST_N" "$DEL_N" "$MOVE_N" "$FIND_N"
  printf ' "rows": %s,\n' "$(printf '%s\n' "${ROWS[@]}" | "$VENV/bin/python" -c 'import json,sys; print(json.dumps(sys.stdin.read().split()))')"
  printf ' "tool_ids": %s,\n' "$(printf '%s\n' "${TOOLS[@]}" | "$VENV/bin/python" -c 'import json,sys; print(json.dumps(sys.stdin.read().split()))')"
  printf ' "facts": %s,\n' "$({ machine_facts; printf -- '- scale: %s; Garage (single node, sqlite) and the tools on the same machine, over loopback\n' "$SCALE"; tool_versions; tuned_line; } | "$VENV/bin/python" -c 'import json,sys; print(json.dumps(sys.stdin.read().splitlines()))')"
  printf ' "tools": {'
  local first=1
  for t in "${TOOLS[@]}"; do
    [ -n "$first" ] || printf ','
    first=
    printf '"%s": {' "$t"
    local opfirst=1
    for op in put_file put_dir get ls rm mv trash empty_trash find; do
      tool_has "$t" "$op" || continue
      tool_cmd "$t" "$op" @1@ @2@ @3@
      [ -n "$opfirst" ] || printf ','
      opfirst=
      printf '"%s": %s' "$op" "$(printf '%s\0' "${CMD[@]}" | "$VENV/bin/python" -c 'import json,sys; print(json.dumps(sys.stdin.read().split("\0")[:-1]))')"
    done
    printf '}'
  done
  printf '}}\n'
}

# shellcheck disable=SC2016 # the backquotes are markdown
tuned_line() {
  printf -- '- tuned (best of a concurrency sweep on this kind of machine, see bench/README.md):'
  if [ -n "$S5_TUNED_GLOBAL$S5_TUNED_CP" ]; then
    printf ' s5cmd `%s`, cp `%s`;' "$S5_TUNED_GLOBAL" "$S5_TUNED_CP"
  else
    printf ' s5cmd = its defaults (nothing beat them);'
  fi
  printf ' rclone `%s`; aws cli `max_concurrent_requests = %s`, `multipart_chunksize = %s`' \
    "$RCLONE_TUNED" "$AWS_TUNED_REQUESTS" "$AWS_TUNED_CHUNKSIZE"
  [ -z "$COFFER_TUNED_ARGS" ] || printf '; coffer `%s`' "$COFFER_TUNED_ARGS"
  echo
}

plan_json >"$WORK/plan.json"
measure=("$VENV/bin/python" "$BENCH_DIR/measure.py" --plan "$WORK/plan.json")
[ -n "$SAVE" ] && measure+=(--save "$BENCH_DIR/results.md")
"${measure[@]}"
