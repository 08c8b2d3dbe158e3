#!/bin/sh
# run-fuzzer.sh FUZZER CORPUS WORKDIR [SECONDS]
# Run a libFuzzer binary from its checked-in corpus for a bounded time
# (default 20 s).  New inputs go to WORKDIR/new, never into the corpus; a
# crash, leak or timeout leaves its input in WORKDIR and fails the test
# (exit 1: libFuzzer's own codes, 77 and 70, would read as "skipped" or
# look like something else to meson).
set -eu
fuzzer=$1 corpus=$2 work=$3 secs=${4:-20}
rm -rf "$work"
mkdir -p "$work/new"
exec "$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
  -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/new" "$corpus"
