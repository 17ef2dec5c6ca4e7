#!/usr/bin/env bash
# Keep one of config/serve.sh's background processes running:
#   config/supervise.sh NAME LOG COMMAND...
# Runs COMMAND with its output appended to LOG. When it ends, says why (exit status or signal,
# and how long it ran) on stdout and in LOG, and starts it again after a pause that doubles
# from 1 s up to RESTART_DELAY_MAX seconds (default 60) while it keeps failing within a minute
# of starting; after RESTART_LIMIT such failures in a row (default 10) it gives up, saying so.
# SIGTERM or SIGINT stop COMMAND and this script.
set -uo pipefail

name=$1 log=$2
shift 2
max_delay=${RESTART_DELAY_MAX:-60}
limit=${RESTART_LIMIT:-10}
healthy=60  # seconds a run must last for the next failure to count as the first again

say() {
  local line
  line="$(TZ=Asia/Shanghai date +%FT%T%:z) $name $*"
  printf '%s\n' "$line"
  printf '%s\n' "$line" >>"$log"
}

child=
trap '[ -z "$child" ] || kill -TERM "$child" 2>/dev/null; exit 143' TERM
trap '[ -z "$child" ] || kill -TERM "$child" 2>/dev/null; exit 130' INT

delay=1 failures=0
while true; do
  started=$SECONDS
  "$@" >>"$log" 2>&1 &
  child=$!
  pid=$child
  say "pid $pid started"
  wait "$pid" 2>/dev/null  # (bash's own "Killed" notice left out: the line below says it)
  status=$?
  ran=$((SECONDS - started))
  if [ "$status" -gt 128 ]; then
    why="was killed by signal $((status - 128)) (SIG$(kill -l "$status"))"
  else
    why="exited with status $status"
  fi
  if [ "$ran" -ge "$healthy" ]; then delay=1 failures=0; fi
  failures=$((failures + 1))
  if [ "$failures" -ge "$limit" ]; then
    say "pid $pid $why after $ran s; $failures failures in a row: not restarting it (see $log)"
    exit 1
  fi
  say "pid $pid $why after $ran s; restarting it in $delay s"
  sleep "$delay" &
  child=$!
  wait "$child"
  delay=$((delay * 2 > max_delay ? max_delay : delay * 2))
done
