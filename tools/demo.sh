#!/usr/bin/env bash
# README command 1: set up, build, and watch explicit sync at work.
#
# Runs the fenceway compositor -- headless, or as a window when this shell
# is inside a Wayland or X11 desktop (WAYLAND_DISPLAY / DISPLAY set) -- with
# six demo clients side by side (400x320 each: a 3x2 grid on a 1280x720
# output), each labelled with what it uses and its live counts:
#   red       fenceway-demo      wp_linux_drm_syncobj_v1 timelines, 4 ms GPU
#   green     fenceway-demo      zwp_linux_explicit_synchronization_v1 sync
#                                files, 2 buffers, 12 ms GPU
#   blue      fenceway-demo      no explicit sync (wl_buffer.release), 1 ms GPU
#   yellow    fenceway-demo-egl  GLES2 on Mesa EGL, sync-file acquire fences
#   fenced    fenceway-demo      the pair: one client that commits each frame
#   unfenced  fenceway-demo      30 ms before its "GPU" is done, once with a
#                                syncobj fence (fenceway waits: never an
#                                unfinished frame) and once without (the
#                                unfinished frame's magenta shows, counted as
#                                early presents)
# The demos always connect to fenceway's own socket, never to your desktop.
# Once every demo has accounted for all its frames, their summaries are
# printed (clients/README.md explains every line), then a headline with
# both counts, and a screenshot is left in out/.
#
#   bash tools/demo.sh
#   FRAMES=600 bash tools/demo.sh                # longer (default 300 each)
#   FENCEWAY_DEMO_HEADLESS=1 bash tools/demo.sh  # headless even on a desktop
# For the test suite: BUILD=dir (default build), OUT=dir (default out),
# FENCEWAY_DEMO_NO_BUILD=1 (skip setup and compile: BUILD is built already).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
frames=${FRAMES:-300}
build=${BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
out=${OUT:-out}
case $out in /*) ;; *) out=$root/$out ;; esac

if [ -z "${FENCEWAY_DEMO_NO_BUILD:-}" ]; then
	bash tools/setup.sh --demo >/dev/null || { echo "demo: tools/setup.sh failed" >&2; exit 1; }
	if [ ! -f "$build/build.ninja" ]; then
		meson setup "$build" >/dev/null
	fi
	meson compile -C "$build" >"$build/demo-compile.log" 2>&1 || {
		tail -30 "$build/demo-compile.log"
		echo "demo: build failed ($build/demo-compile.log)" >&2; exit 1; }
fi

fenceway=$build/compositor/fenceway
demo=$build/clients/fenceway-demo
demo_egl=$build/clients/fenceway-demo-egl

mkdir -p "$out"
rm -f "$out"/demo-*.txt "$out/screenshot.png" "$out/grim.log" \
	"$out/trace.json" "$out/trace.png"
runtime=$(mktemp -d "${TMPDIR:-/tmp}/fenceway-demo.XXXXXX")
chmod 700 "$runtime"
socket="fenceway-demo-$$"
log=$out/fenceway.log
pids=()
fw_pid=

cleanup() {
	# Only what this script started, by pid.
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -n "$fw_pid" ] && kill -0 "$fw_pid" 2>/dev/null; then
		kill -TERM "$fw_pid" 2>/dev/null || true
		wait "$fw_pid" 2>/dev/null || true
	fi
	rm -rf "$runtime"
}
trap cleanup EXIT

# fenceway gets a private runtime dir in both modes; nested, it reaches the
# parent desktop's socket by absolute path (X11 needs only DISPLAY).
args=(--socket "$socket" --trace "$out/trace.json")
env_fw=(XDG_RUNTIME_DIR="$runtime" WLR_LIBINPUT_NO_DEVICES=1)
if [ -z "${FENCEWAY_DEMO_HEADLESS:-}" ] &&
		{ [ -n "${WAYLAND_DISPLAY:-}" ] || [ -n "${DISPLAY:-}" ]; }; then
	mode=nested
	if [ -n "${WAYLAND_DISPLAY:-}" ]; then
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

echo "demo: starting fenceway ($mode)"
env "${env_fw[@]}" "$fenceway" "${args[@]}" >"$log" 2>&1 &
fw_pid=$!
for _ in $(seq 100); do
	[ -S "$runtime/$socket" ] && grep -q "listening on" "$log" && break
	kill -0 "$fw_pid" 2>/dev/null || { cat "$log"; echo "demo: fenceway exited" >&2; exit 1; }
	sleep 0.1
done
[ -S "$runtime/$socket" ] || { cat "$log"; echo "demo: no socket" >&2; exit 1; }

# Clients see fenceway only, never the parent desktop.
client_env=(env -u DISPLAY XDG_RUNTIME_DIR="$runtime" WAYLAND_DISPLAY="$socket")

# A build without the explicit-sync globals (or one started with them
# disabled) still runs the demo, every client on wl_buffer.release.
explicit=yes
if ! "${client_env[@]}" wayland-info 2>/dev/null |
		grep -q "interface: 'wp_linux_drm_syncobj_manager_v1'"; then
	explicit=no
	echo "demo: this fenceway offers no explicit sync; every demo uses --protocol none"
fi
proto() { if [ $explicit = yes ]; then echo "$1"; else echo none; fi; }

names=()
start_demo() {   # NAME PROGRAM ARGS...
	local name=$1; shift
	"${client_env[@]}" LIBGL_ALWAYS_SOFTWARE="${LIBGL_ALWAYS_SOFTWARE:-1}" \
		"$@" --name "$name" --frames "$frames" --size 400x320 --linger \
		>"$out/demo-$name.txt" 2>&1 &
	pids+=($!)
	names+=("$name")
}
start_demo red "$demo" --protocol "$(proto syncobj)" --color d02020 --latency 4
start_demo green "$demo" --protocol "$(proto syncfile)" --color 20c040 --latency 12 --buffers 2
start_demo blue "$demo" --protocol none --color 2040e0 --latency 1
if [ -x "$demo_egl" ]; then
	start_demo yellow "$demo_egl" --protocol "$(proto syncfile)" --color e0d020
fi
# The pair: the same client, the same GPU, with and without a fence.
if [ $explicit = yes ]; then
	start_demo fenced "$demo" --protocol syncobj --color 20a0a0 --latency 30 --buffers 4 \
		--label "with a fence (syncobj)"
	start_demo unfenced "$demo" --protocol none --commit-early --color 20a0a0 \
		--latency 30 --buffers 4 --label "the same without a fence"
fi
echo "demo: ${#names[@]} demos drawing $frames frames each (${names[*]})"

# A demo prints its summary (last line "errors: ...") once every frame is
# presented or discarded, then keeps its window up for the screenshot.
# The limit is generous: it is for a stuck demo, not a measured time.
for i in "${!names[@]}"; do
	f=$out/demo-${names[$i]}.txt
	for _ in $(seq $((frames * 2 + 600))); do
		grep -q '^errors:' "$f" 2>/dev/null && break
		kill -0 "${pids[$i]}" 2>/dev/null || break
		sleep 0.1
	done
done

shot=$out/screenshot.png
if ! "${client_env[@]}" grim "$shot" 2>"$out/grim.log"; then
	echo "demo: grim failed: $(cat "$out/grim.log")" >&2
	shot=
fi

status=0
for i in "${!names[@]}"; do
	kill -TERM "${pids[$i]}" 2>/dev/null || true
	rc=0
	wait "${pids[$i]}" || rc=$?
	echo
	echo "== ${names[$i]} (exit status $rc)"
	cat "$out/demo-${names[$i]}.txt"
	[ "$rc" = 0 ] || status=1
done
pids=()
kill -TERM "$fw_pid"
fw_status=0
wait "$fw_pid" || fw_status=$?
fw_pid=
[ "$fw_status" = 0 ] || status=1
# The picture of the trace; without python3-cairo there is only the JSON.
tools/fenceway-trace-plot "$out/trace.json" "$out/trace.png" >/dev/null 2>&1 ||
	rm -f "$out/trace.png"

# One line per demo: the numbers that matter, side by side.
echo
echo "fenceway demo ($mode, $frames frames per demo)"
# The headline: frames shown before their acquire fence signalled, over
# every demo with a fence, against the pair's client without one.
if [ $explicit = yes ]; then
	for name in "${names[@]}"; do cat "$out/demo-$name.txt"; echo; done | awk '
		function n(v,   s) { s = ""; while (v >= 1000) { s = sprintf(",%03d", v % 1000) s; v = int(v / 1000) } return v s }
		/^demo:/ { fenced = / protocol=(syncobj|syncfile) /; early_commit = / commit-early=1 / }
		/^frames:/ { pres = $4 }
		/^errors:/ {
			if (fenced) { fp += pres; fe += $8 }
			if (early_commit) { up += pres; ue += $8 }
		}
		END { printf "headline: %s of %s frames shown before their fence; without explicit sync %s of %s were\n", n(fe), n(fp), n(ue), n(up) }'
fi
printf '  %-7s %-9s %9s %9s %9s %13s %13s %7s\n' demo protocol presented discarded pending \
	"acq>pres p50" "acq>pres p99" errors
for name in "${names[@]}"; do
	awk -v name="$name" '
		/^demo:/ { for (i = 2; i <= NF; i++) if ($i ~ /^protocol=/) { split($i, a, "="); p = a[2] } }
		/^frames:/ { pres = $4; disc = $6; pend = $8 }
		/^acquire-to-present-ms:/ { split($2, a, "="); p50 = a[2]; split($3, b, "="); p99 = b[2] }
		/^errors:/ { err = $2 }
		END { printf "  %-7s %-9s %9s %9s %9s %13s %13s %7s\n", name, p, pres, disc, pend, p50 " ms", p99 " ms", err }
	' "$out/demo-$name.txt"
done
grep -o 'toplevel [0-9]* mapped at [0-9,]* size [0-9x]* app_id="[^"]*"' "$log" | sed 's/^/  /' || true
echo "  compositor exit status: $fw_status"
if [ -n "$shot" ] && [ -s "$shot" ]; then
	echo "  screenshot: $shot"
fi
[ -s "$out/trace.png" ] && echo "  trace: $out/trace.json, $out/trace.png"
echo "  logs: $log, $out/demo-*.txt"
exit "$status"
