#!/usr/bin/env bash
# `make bench`: install wrk when missing (Debian, as root), check PostgreSQL, run
# bench/run.py with the project's virtualenv. Sizes and durations: see bench/run.py
# (BENCH_POSTS, BENCH_SECONDS, ...). Writes bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's wrk..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is missing: install it (apt-get install wrk) and run again." >&2
    exit 1
  fi
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "PostgreSQL does not answer on 127.0.0.1:5432 (BENCH_POSTGRES)." >&2
  exit 1
fi
# The whole run is bounded: seed, measure, 10 runs of BENCH_SECONDS each.
exec timeout 1500 "$PYTHON" bench/run.py
