# Shared by ckbench.sh and aofbench.sh (sourced): the binaries, a work
# directory removed on exit with every server still running killed, and
# small helpers. The sourcing script sets NAME (for messages) and TARGET
# (its make target) first.

KEEL=${KEEL_BIN:-bin/keel-server}
REDIS=${REDIS_SERVER:-$(command -v redis-server || echo /usr/bin/redis-server)}
BENCH=${REDIS_BENCHMARK:-$(command -v redis-benchmark || echo /usr/bin/redis-benchmark)}
CLI=${REDIS_CLI:-$(command -v redis-cli || echo /usr/bin/redis-cli)}
for b in "$KEEL" "$REDIS" "$BENCH" "$CLI"; do
  if [[ ! -x $b ]]; then
    echo "$NAME: $b is missing (keel: run 'make $TARGET'; redis: apt-get install redis-server redis-tools)" >&2
    exit 1
  fi
done

WORK=$(mktemp -d -t "keel-$NAME.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill -9 "$pid" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
  done
}

# since T: seconds since $EPOCHREALTIME was T.
since() { awk -v a="$EPOCHREALTIME" -v b="$1" 'BEGIN { printf "%.3f", a - b }'; }

# wait_pong PORT: seconds until the server at PORT answers PING (not -LOADING).
wait_pong() {
  local start=$EPOCHREALTIME
  until [[ $("$CLI" -p "$1" PING 2>/dev/null) == PONG ]]; do sleep 0.01; done
  since "$start"
}
