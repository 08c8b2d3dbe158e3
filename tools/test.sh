#!/usr/bin/env bash
# README command 2: set up a fresh machine, build, run every test lane.
#   lane "normal":   the whole suite, -Werror, including the qemu lane (vm)
#   lane "sanitize": the same suite built with ASan+UBSan, minus the vm suite
#   lane "fuzz":     clang build of the fence library's libFuzzer targets,
#                    each run for 20 s from its corpus (fuzz/)
# Ends with 'N passed, N failed' summed over the lanes; exits non-zero if any
# test failed or none ran.  Extra arguments go to every `meson test` call
# (e.g. a suite name: tools/test.sh --suite sync).
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh --test || exit 1
status=0

lane() {   # lane NAME BUILDDIR [meson setup args...] -- [meson test args...]
  local name=$1 dir=$2; shift 2
  local setup_args=() test_args=()
  while (($#)) && [ "$1" != -- ]; do setup_args+=("$1"); shift; done
  (($#)) && shift
  test_args=("$@")
  echo "=== lane $name ($dir)"
  rm -f "$dir/meson-logs/testlog.json"
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "${setup_args[@]}" >/dev/null || { status=1; return; }
  else
    meson setup "$dir" "${setup_args[@]}" >/dev/null || { status=1; return; }
  fi
  meson compile -C "$dir" >"$dir/compile.log" 2>&1 || {
    tail -40 "$dir/compile.log"; echo "lane $name: build failed"; status=1; return; }
  meson test -C "$dir" --print-errorlogs --num-processes 2 "${test_args[@]}" \
    | grep -vE '^(Ok|Expected Fail|Fail|Unexpected Pass|Skipped|Timeout):' || true
}

extra=("$@")
lane normal build -Dwerror=true -- "${extra[@]}"
# The sanitizer options (suppression policy) come from the build itself:
# meson.build's default test setup in a sanitized build.
lane sanitize build-sanitize -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
  -- --no-suite vm "${extra[@]}"

# The fuzz lane builds only sync/ and fuzz/ (-Dfuzzing=true), with clang:
# libFuzzer is clang's.  CC matters only when the directory is first set up.
CC=clang-14 lane fuzz build-fuzz -Dfuzzing=true -Dwerror=true \
  -Db_sanitize=address,undefined -Db_lundef=false -- "${extra[@]}"

python3 tools/summarize-tests.py normal=build sanitize=build-sanitize \
  fuzz=build-fuzz || status=1
exit $status
