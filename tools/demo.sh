#!/usr/bin/env bash
# README command 1: set up, build, run fenceway with demo clients for a few
# seconds, take a screenshot, stop, and say what happened.
#
#   bash tools/demo.sh              # headless, or nested when a desktop
#                                   # (WAYLAND_DISPLAY or DISPLAY) is there
#   DEMO_SECONDS=10 bash tools/demo.sh
#   FENCEWAY_DEMO_HEADLESS=1 bash tools/demo.sh   # headless even on a desktop
#
# The clients are listed in demo_clients() below: one command per line,
# run with WAYLAND_DISPLAY pointing at fenceway.  Add or replace lines there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${DEMO_SECONDS:-5}

demo_clients() {
	cat <<'EOF'
weston-simple-shm
weston-simple-shm
EOF
}

bash tools/setup.sh >/dev/null || { echo "demo: tools/setup.sh failed" >&2; exit 1; }
if [ ! -f build/build.ninja ]; then
	meson setup build >/dev/null
fi
meson compile -C build >build/demo-compile.log 2>&1 || {
	tail -30 build/demo-compile.log; echo "demo: build failed" >&2; exit 1; }

mkdir -p out
runtime=$(mktemp -d "${TMPDIR:-/tmp}/fenceway-demo.XXXXXX")
chmod 700 "$runtime"
socket="fenceway-demo-$$"
log="$root/out/fenceway.log"
pids=()
fw_pid=

cleanup() {
	# Only what this script started, by pid.
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "$fw_pid" ] && kill -0 "$fw_pid" 2>/dev/null; then
		kill -TERM "$fw_pid" 2>/dev/null || true
		wait "$fw_pid" 2>/dev/null || true
	fi
	rm -rf "$runtime"
}
trap cleanup EXIT

# Nested when there is a desktop to show it on, headless otherwise.
args=(--socket "$socket")
env_fw=(XDG_RUNTIME_DIR="$runtime" WLR_LIBINPUT_NO_DEVICES=1)
if [ -z "${FENCEWAY_DEMO_HEADLESS:-}" ] &&
		{ [ -n "${WAYLAND_DISPLAY:-}" ] || [ -n "${DISPLAY:-}" ]; }; then
	mode=nested
	if [ -n "${WAYLAND_DISPLAY:-}" ]; then
		# fenceway gets its own runtime dir: point it at the parent's
		# socket by absolute path.
		parent=$WAYLAND_DISPLAY
		case $parent in /*) ;; *) parent="${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/$parent" ;; esac
		env_fw+=(WAYLAND_DISPLAY="$parent")
	fi
else
	mode=headless
	args+=(--headless)
	env_fw=(env -u WAYLAND_DISPLAY -u DISPLAY "${env_fw[@]}")
fi
# No GPU here: pixman (a user's WLR_RENDERER wins).
if [ ! -e /dev/dri ] && [ -z "${WLR_RENDERER:-}" ]; then
	env_fw+=(WLR_RENDERER=pixman)
fi

echo "demo: starting fenceway ($mode), log in out/fenceway.log"
env "${env_fw[@]}" build/compositor/fenceway "${args[@]}" >"$log" 2>&1 &
fw_pid=$!
for _ in $(seq 100); do
	[ -S "$runtime/$socket" ] && grep -q "listening on" "$log" && break
	kill -0 "$fw_pid" 2>/dev/null || { cat "$log"; echo "demo: fenceway exited" >&2; exit 1; }
	sleep 0.1
done
[ -S "$runtime/$socket" ] || { cat "$log"; echo "demo: no socket" >&2; exit 1; }

client_env=(env -u DISPLAY XDG_RUNTIME_DIR="$runtime" WAYLAND_DISPLAY="$socket")
n=0
while IFS= read -r cmd; do
	[ -n "$cmd" ] || continue
	n=$((n + 1))
	# shellcheck disable=SC2086  # one command line, split into words
	"${client_env[@]}" $cmd >"out/client-$n.log" 2>&1 &
	pids+=($!)
	echo "demo: client $n: $cmd"
done < <(demo_clients)

sleep "$seconds"
rm -f out/screenshot.png
"${client_env[@]}" grim out/screenshot.png || echo "demo: grim failed" >&2

for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
pids=()
kill -TERM "$fw_pid"
status=0
wait "$fw_pid" || status=$?
fw_pid=

stats=$(grep -o 'stats: .*' "$log" | tail -1 || true)
commits=$(sed -n 's/.*output_commits=\([0-9]*\).*/\1/p' <<<"$stats")
presented=$(sed -n 's/.* presented=\([0-9]*\).*/\1/p' <<<"$stats")
toplevels=$(sed -n 's/.*toplevels=\([0-9]*\).*/\1/p' <<<"$stats")
echo
echo "fenceway demo ($mode, ${seconds}s, $n clients)"
grep -o 'output [^ ]* mode .*' "$log" | sed 's/^/  /' || true
grep -o 'toplevel [0-9]* mapped at [0-9,]* size [0-9x]*' "$log" | sed 's/^/  /' || true
echo "  frames committed to the output: ${commits:-?}"
echo "  presentation feedback presented: ${presented:-?} (clients that ask for it)"
echo "  windows mapped: ${toplevels:-?}"
if [ -s out/screenshot.png ]; then
	echo "  screenshot: $root/out/screenshot.png"
fi
echo "  compositor exit status: $status"
exit "$status"
