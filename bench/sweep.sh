#!/usr/bin/env bash
# How the "tuned" settings of bench/run.sh were chosen: each peer tool runs the rows that its
# concurrency settings affect (1 GiB up and down, 1,000 × 16 KiB up, 100 × 10 MiB up, 10,000
# deletes) with a handful of candidate settings, on one Garage node on loopback, in
# SWEEP_ROUNDS (default 2) interleaved rounds, keeping each candidate's best time per row.
# Listing is left out: every tool lists with one request at a time.
#
#   bash bench/sweep.sh          # a markdown table per tool on stdout, progress on stderr
#
# The winner per tool is the candidate with the lowest geometric mean of (its time / the best
# time of any candidate of that tool) over the rows; its values are then written into set_tuned
# in bench/lib.sh by hand. COFFER_BENCH_SCALE, COFFER_BENCH_VENV, COFFER_GARAGE_FIXTURE,
# COFFER_BENCH_TMP work as for run.sh; SWEEP_TOOLS="s5cmd rclone aws" picks tools.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# s5cmd: "global options|cp options" (defaults: --numworkers 256, cp -c 5 -p 50).
S5_CANDIDATES=(
  "--numworkers 256|-c 5 -p 50"
  "--numworkers 16|-c 8 -p 16"
  "--numworkers 64|-c 20 -p 32"
  "--numworkers 128|-c 32 -p 8"
  "--numworkers 256|-c 20 -p 16"
  "--numworkers 256|-c 64 -p 8"
)
# rclone flags (defaults: --transfers 4 --checkers 8 --s3-upload-concurrency 4 --s3-chunk-size 5M
# --multi-thread-streams 4).
RCLONE_CANDIDATES=(
  ""
  "--transfers 8 --checkers 16 --s3-upload-concurrency 8 --s3-chunk-size 8M --multi-thread-streams 8"
  "--transfers 16 --checkers 32 --s3-upload-concurrency 8 --s3-chunk-size 16M --multi-thread-streams 8"
  "--transfers 32 --checkers 64 --s3-upload-concurrency 16 --s3-chunk-size 16M --multi-thread-streams 16"
  "--transfers 64 --checkers 128 --s3-upload-concurrency 16 --s3-chunk-size 32M --multi-thread-streams 4"
  "--transfers 64 --checkers 128 --s3-upload-concurrency 16 --s3-chunk-size 16M --multi-thread-streams 8"
  "--transfers 128 --checkers 256 --s3-upload-concurrency 32 --s3-chunk-size 16M --multi-thread-streams 8"
)
# AWS CLI: "max_concurrent_requests|multipart_chunksize" (defaults: 10|8MB).
AWS_CANDIDATES=(
  "10|8MB"
  "20|16MB"
  "50|16MB"
  "100|8MB"
)
SWEEP_ROWS=(up_big down_big up_small up_med delete)

show_candidate() { # TOOL CANDIDATE: as a table cell
  case $1 in
    s5cmd) echo "\`${2%%|*}\`, cp \`${2#*|}\`" ;;
    rclone) if [ -n "$2" ]; then echo "\`$2\`"; else echo "(defaults)"; fi ;;
    aws) echo "max_concurrent_requests ${2%%|*}, multipart_chunksize ${2#*|}" ;;
  esac
}

set_scale
set_tuned
install_tools
build_coffer --fixture-only
make_workdir
start_garage
configure_tools
generate_data

declare -A SW
ROUNDS=${SWEEP_ROUNDS:-2}
read -ra SWEEP_TOOL_LIST <<<"${SWEEP_TOOLS:-s5cmd rclone aws}"
for tool in "${SWEEP_TOOL_LIST[@]}"; do
  case $tool in
    s5cmd) cands=("${S5_CANDIDATES[@]}") ;;
    rclone) cands=("${RCLONE_CANDIDATES[@]}") ;;
    aws) cands=("${AWS_CANDIDATES[@]}") ;;
    *) die "unknown tool $tool" ;;
  esac
  # Rounds go over every candidate in turn, so a burst of other load on the machine hits one
  # round of a candidate rather than all of its runs; each cell keeps its best round.
  for round in $(seq "$ROUNDS"); do
    for i in "${!cands[@]}"; do
      cand=${cands[$i]}
      case $tool in
        s5cmd) S5_TUNED_GLOBAL=${cand%%|*} S5_TUNED_CP=${cand#*|} ;;
        rclone) RCLONE_TUNED=$cand ;;
        aws) AWS_TUNED_REQUESTS=${cand%%|*} AWS_TUNED_CHUNKSIZE=${cand#*|}; write_aws_tuned_config ;;
      esac
      log "== $tool, round $round, candidate $i: ${cand:-(defaults)}"
      TOOLS=("$tool+")
      for r in "${SWEEP_ROWS[@]}"; do
        run_row "$r"
        k="$tool|$i|$r" v=failed
        [ "${OK["$r|$tool+"]}" = ok ] && v=${SECS["$r|$tool+"]}
        if [ "$round" = 1 ] || [ "$v" = failed ]; then SW[$k]=$v
        elif [ "${SW[$k]}" != failed ] && awk -v a="$v" -v b="${SW[$k]}" 'BEGIN { exit !(a < b) }'; then SW[$k]=$v; fi
      done
    done
  done

  # The table for this tool, with the geometric mean of time / best time over the rows.
  echo
  echo "### $tool ($SCALE scale; seconds, best of $ROUNDS rounds)"
  echo
  hdr="| candidate |" sep="|---|"
  for r in "${SWEEP_ROWS[@]}"; do hdr+=" $r |" sep+="---:|"; done
  echo "$hdr geo-mean vs best |"
  echo "$sep---:|"
  declare -A best=()
  for r in "${SWEEP_ROWS[@]}"; do
    for i in "${!cands[@]}"; do
      v=${SW["$tool|$i|$r"]}
      [ "$v" = failed ] && continue
      if [ -z "${best[$r]:-}" ] || awk -v a="$v" -v b="${best[$r]}" 'BEGIN { exit !(a < b) }'; then best[$r]=$v; fi
    done
  done
  for i in "${!cands[@]}"; do
    line="| $(show_candidate "$tool" "${cands[$i]}") |" logsum=0 failed=
    for r in "${SWEEP_ROWS[@]}"; do
      v=${SW["$tool|$i|$r"]}
      line+=" $v |"
      if [ "$v" = failed ]; then failed=1; else
        logsum=$(awk -v s="$logsum" -v a="$v" -v b="${best[$r]}" 'BEGIN { if (a < 0.01) a = 0.01; if (b < 0.01) b = 0.01; print s + log(a / b) }')
      fi
    done
    if [ -n "$failed" ]; then line+=" failed |"; else
      line+=" $(awk -v s="$logsum" -v n="${#SWEEP_ROWS[@]}" 'BEGIN { printf "%.2f", exp(s / n) }') |"
    fi
    echo "$line"
  done
  unset best
done
