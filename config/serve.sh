#!/usr/bin/env bash
# Serve the portal with everything a registered harvest source needs to run by itself:
#   config/serve.sh INI [HOST] [PORT]
# Starts in the background, each in its own process group with its log in var/log/:
#   harvest-gather  ckanext-harvest's gather consumer (lists a source's entries)
#   harvest-fetch   ckanext-harvest's fetch consumer (imports each entry)
#   jobs-worker     CKAN's background jobs (large workbook imports, ...)
#   harvest-run     `ckan harvester run` every HARVEST_RUN_INTERVAL seconds (default 60):
#                   starts the jobs that are due by their source's frequency and marks
#                   finished jobs finished
#   sharing-tick    `ckan datong sharing tick` every SHARING_TICK_INTERVAL seconds (default
#                   300): escalates overdue sharing requests, audits expired grants
#   popularity      `ckan datong popularity update` every POPULARITY_INTERVAL seconds (default
#                   600): sums counted page views and downloads, reindexes changed entries
# each kept running by config/supervise.sh: one that dies is started again after a pause (1 s,
# doubling up to RESTART_DELAY_MAX, default 60 s), and why it ended (exit status or signal) is
# said on the terminal and in its log; after RESTART_LIMIT (default 10) quick failures in a row
# it is left stopped, saying so. Logs go to SERVE_LOG_DIR (default var/log).
# Then serves CKAN (its output on the terminal). Ctrl-C, or the server ending, stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."

ini=${1:?usage: config/serve.sh INI [HOST] [PORT]}
host=${2:-127.0.0.1}
port=${3:-5000}
interval=${HARVEST_RUN_INTERVAL:-60}
tick_interval=${SHARING_TICK_INTERVAL:-300}
popularity_interval=${POPULARITY_INTERVAL:-600}
ckan=.venv/bin/ckan
logs=${SERVE_LOG_DIR:-var/log}
mkdir -p "$logs"

pids=()
background() {  # name command...: supervised, in its own process group
  local name=$1; shift
  setsid config/supervise.sh "$name" "$logs/$name.log" "$@" &
  pids+=("$!")
  printf '==> %-15s supervised by pid %-7s log %s\n' "$name" "$!" "$logs/$name.log"
}

stop() {
  trap - EXIT INT TERM
  printf '==> stopping the server, the harvest consumers, the jobs worker, the harvest runner, the sharing tick and the popularity update\n'
  local pid
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

background harvest-gather "$ckan" -c "$ini" harvester gather-consumer
background harvest-fetch "$ckan" -c "$ini" harvester fetch-consumer
background jobs-worker "$ckan" -c "$ini" jobs worker
background harvest-run bash -c '
  while true; do
    echo "$(date -u +%FT%TZ) ckan harvester run"
    "$0" -c "$1" harvester run || echo "$(date -u +%FT%TZ) ckan harvester run failed" >&2
    sleep "$2"
  done' "$ckan" "$ini" "$interval"
background sharing-tick bash -c '
  while true; do
    "$0" -c "$1" datong sharing tick || echo "$(date -u +%FT%TZ) ckan datong sharing tick failed" >&2
    sleep "$2"
  done' "$ckan" "$ini" "$tick_interval"
background popularity bash -c '
  while true; do
    "$0" -c "$1" datong popularity update || echo "$(date -u +%FT%TZ) ckan datong popularity update failed" >&2
    sleep "$2"
  done' "$ckan" "$ini" "$popularity_interval"

printf '==> serving the portal on http://%s:%s (Ctrl-C stops it and the processes above)\n' "$host" "$port"
# In the background too, so that a signal to this script is handled at once (bash defers
# traps while a foreground command runs); its output stays on the terminal.
setsid "$ckan" -c "$ini" run --host "$host" --port "$port" --threaded &
pids+=("$!")
wait "$!"
