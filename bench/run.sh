#!/usr/bin/env bash
# Coffer's CLI against s5cmd, rclone and the AWS CLI, on one Garage node on loopback.
#
#   bash bench/run.sh            # the markdown table on stdout, progress on stderr
#   bash bench/run.sh --save     # also (over)writes bench/results.md
#
# Environment (all optional):
#   COFFER_BIN=path            use this coffer binary instead of building target/release/coffer
#   COFFER_TUNED_ARGS="..."    extra put/get/rm arguments for a "coffer (tuned)" line (e.g. "--jobs 16");
#                              COFFER_TUNED_{PUT,GET,RM,LS}_ARGS, if set, replace it for one operation
#   COFFER_BENCH_SCALE=small   shrink every row (64 MiB file, 100×16 KiB, 10×10 MiB, 2,000 list, 500 delete)
#   COFFER_BENCH_TOOLS="..."   which tools, from: coffer coffer+ s5cmd s5cmd+ rclone rclone+ aws aws+
#                              (NAME+ = tuned; default all, but coffer+ only with COFFER_TUNED_ARGS
#                              and s5cmd+ only with S5_TUNED_GLOBAL/S5_TUNED_CP: see lib.sh set_tuned)
#   COFFER_BENCH_ROWS="..."    which rows, from: up_big down_big up_small up_med list delete
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
[ -n "$COFFER_TUNED_ARGS" ] && DEFAULT_TOOLS+=" coffer+"
DEFAULT_TOOLS+=" s5cmd"
[ -n "$S5_TUNED_GLOBAL$S5_TUNED_CP" ] && DEFAULT_TOOLS+=" s5cmd+"
DEFAULT_TOOLS+=" rclone rclone+ aws aws+"
read -ra TOOLS <<<"${COFFER_BENCH_TOOLS:-$DEFAULT_TOOLS}"
read -ra ROWS <<<"${COFFER_BENCH_ROWS:-up_big down_big up_small up_med list delete}"
for t in "${TOOLS[@]}"; do
  case $t in coffer | coffer+ | s5cmd | s5cmd+ | rclone | rclone+ | aws | aws+) ;; *) die "unknown tool '$t'" ;; esac
  [ "$t" = coffer+ ] && [ -z "$COFFER_TUNED_ARGS" ] && die "coffer+ needs COFFER_TUNED_ARGS"
done
for r in "${ROWS[@]}"; do
  case $r in up_big | down_big | up_small | up_med | list | delete) ;; *) die "unknown row '$r'" ;; esac
done
uses_coffer() { [[ " ${TOOLS[*]} " == *" coffer "* || " ${TOOLS[*]} " == *" coffer+ "* ]]; }

install_tools
if uses_coffer; then build_coffer; else build_coffer --fixture-only; fi
make_workdir
start_garage
configure_tools
generate_data

for r in "${ROWS[@]}"; do run_row "$r"; done

# ---------------------------------------------------------------------------------------------
# The table.
# ---------------------------------------------------------------------------------------------
fmt() { awk -v x="$1" -v d="$2" 'BEGIN { printf "%.*f", d, x }'; }

row_title() {
  case $1 in
    up_big) echo "Upload one $BIG_MIB MiB file" ;;
    down_big) echo "Download one $BIG_MIB MiB file" ;;
    up_small) echo "Upload $SMALL_N files of $SMALL_KIB KiB (one folder)" ;;
    up_med) echo "Upload $MED_N files of $MED_MIB MiB (one folder)" ;;
    list) echo "List $LIST_N objects (recursive)" ;;
    delete) echo "Delete $DEL_N objects (recursive)" ;;
  esac
}
# "<amount> <unit>" that throughput is measured in.
row_amount() {
  case $1 in
    up_big | down_big) echo "$BIG_MIB MiB/s" ;;
    up_small) echo "$(awk -v n="$SMALL_N" -v k="$SMALL_KIB" 'BEGIN { print n * k / 1024 }') MiB/s" ;;
    up_med) echo "$((MED_N * MED_MIB)) MiB/s" ;;
    list) echo "$LIST_N objects/s" ;;
    delete) echo "$DEL_N objects/s" ;;
  esac
}

# shellcheck disable=SC2016 # the backquotes are markdown
table() {
  echo "# Coffer CLI vs. s5cmd, rclone and the AWS CLI on Garage"
  echo
  machine_facts
  printf -- '- scale: %s; Garage (single node, sqlite) and the tools on the same machine, over loopback\n' "$SCALE"
  tool_versions
  printf -- '- tuned (best of a concurrency sweep on this kind of machine, see bench/README.md):'
  if [ -n "$S5_TUNED_GLOBAL$S5_TUNED_CP" ]; then
    printf ' s5cmd `%s`, cp `%s`;' "$S5_TUNED_GLOBAL" "$S5_TUNED_CP"
  else
    printf ' s5cmd = its defaults (nothing beat them);'
  fi
  printf ' rclone `%s`; aws cli `max_concurrent_requests = %s`, `multipart_chunksize = %s`' \
    "$RCLONE_TUNED" "$AWS_TUNED_REQUESTS" "$AWS_TUNED_CHUNKSIZE"
  if [ -n "$COFFER_TUNED_ARGS" ]; then
    local op args sep=' '
    printf '; coffer'
    for op in PUT GET RM LS; do
      args=$COFFER_TUNED_ARGS
      [ "$op" = LS ] && args=
      eval "args=\${COFFER_TUNED_${op}_ARGS-\$args}"
      if [ -n "$args" ]; then printf '%s%s `%s`' "$sep" "${op,,}" "$args"; else printf '%s%s (none)' "$sep" "${op,,}"; fi
      sep=', '
    done
  fi
  echo
  echo "- one run per line; ratio = tool time / coffer (defaults) time, so above 1 means Coffer is faster"
  local r t amount unit key base dec
  for r in "${ROWS[@]}"; do
    read -r amount unit <<<"$(row_amount "$r")"
    echo
    echo "### $(row_title "$r")"
    echo
    echo "| tool | time (s) | $unit | peak RSS (MiB) | ratio |"
    echo "|---|---:|---:|---:|---:|"
    dec=1
    [ "$unit" = objects/s ] && dec=0
    base=
    [ "${OK["$r|coffer"]:-}" = ok ] && base=${SECS["$r|coffer"]}
    for t in "${TOOLS[@]}"; do
      key="$r|$t"
      if [ "${OK[$key]:-}" != ok ]; then
        echo "| $(tool_label "$t") | failed | failed | failed | failed |"
        continue
      fi
      local s=${SECS[$key]} secs tput rss ratio=n/a
      # /usr/bin/time has 10 ms resolution; avoid dividing by zero.
      secs=$(awk -v s="$s" 'BEGIN { print (s < 0.01 ? 0.01 : s) }')
      tput=$(fmt "$(awk -v a="$amount" -v s="$secs" 'BEGIN { print a / s }')" "$dec")
      rss=$(fmt "$(awk -v k="${RSS[$key]}" 'BEGIN { print k / 1024 }')" 1)
      [ -n "$base" ] && ratio=$(fmt "$(awk -v s="$secs" -v b="$base" 'BEGIN { print s / (b < 0.01 ? 0.01 : b) }')" 2)
      echo "| $(tool_label "$t") | $(fmt "$s" 2) | $tput | $rss | $ratio |"
    done
  done
}

table >"$WORK/results.md"
cat "$WORK/results.md"
if [ -n "$SAVE" ]; then
  cp "$WORK/results.md" "$BENCH_DIR/results.md"
  log "saved bench/results.md"
fi
