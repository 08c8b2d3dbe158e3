"""bench/RESULTS.md and its chart from the runs of bench/peers/run.py.

Figures are medians over the repetitions, with the range in brackets.
A ratio is fenceway's median over the best peer's median for the same
workload in the same run (lower CPU, more commits/s, fewer wake-ups);
explicit-sync and pending-fence figures are against fenceway's own run of
the same client without them, since no peer offers those protocols.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time

COMPOSITORS = ["fenceway", "cage", "sway", "weston"]
PEERS = COMPOSITORS[1:]
COLOURS = {"fenceway": (0.85, 0.33, 0.10), "cage": (0.20, 0.45, 0.70),
           "sway": (0.30, 0.65, 0.35), "weston": (0.55, 0.40, 0.70)}

CPU_ROWS = [("cpu-1", "1 window"), ("cpu-4", "4 windows"),
            ("cpu-16", "16 windows"),
            ("cpu-sub15", "1 window + 15 sync subsurfaces")]
ES_ROWS = [("unthrottled", "no explicit sync"),
           ("es-syncobj", "syncobj timelines, acquire signalled at commit"),
           ("es-syncobj-held", "syncobj timelines, acquire held until the next commit"),
           ("es-syncfile", "sync files, acquire signalled at commit"),
           ("es-syncfile-held", "sync files, acquire held until the next commit")]


# ---- figures from raw results ----

def cpu_ms(r):
    return r["cpu_ns"] / r["frames"] / 1e6


def fps(r):
    return r["frames"] / r["seconds"]


def commits_per_s(r):
    return r["commits"] / r["seconds"]


def us_per_commit(r):
    return r["cpu_ns"] / r["commits"] / 1e3


def wakeups(r):
    return r["wakeups_per_s"]


def syscalls_per_commit(r):
    return r["syscalls"] / (r["commits"] + r["warmup"])


def brief(kind, r):
    if kind == "platform":
        s = "null system call %.2f us, socketpair life %.2f us (CPU)" % (
            r["syscall_ns"] / 1e3, r["socketpair_ns"] / 1e3)
        if "held_syncfile_floor_ns" in r:
            s += ", held sync file's consumer work %.2f us" % (
                r["held_syncfile_floor_ns"] / 1e3)
        if "signalled_syncfile_floor_ns" in r:
            s += ", signalled one's %.2f us" % (
                r["signalled_syncfile_floor_ns"] / 1e3)
        return s
    if kind == "wake":
        s = "loop wake p50 %.2f us, raw futex %.2f us (%.2fx, %s)" % (
            r["loop_p50_us"], r["futex_p50_us"],
            r["loop_p50_us"] / r["futex_p50_us"], r["loop_path"])
        if "frame_idle_futex_p50_us" in r:
            s += ", raw futex after a frame asleep %.2f us" % (
                r["frame_idle_futex_p50_us"])
        if "frame_idle_loop_p50_us" in r:
            s += ", loop after a frame asleep %.2f us" % (
                r["frame_idle_loop_p50_us"])
        return s
    if kind == "frames":
        s = "%.3f ms/frame, %.1f fps" % (cpu_ms(r), fps(r))
        if "latency_p50_us" in r:
            s += ", commit->present p50 %.0f us" % r["latency_p50_us"]
        return s
    if kind == "unthrottled":
        return "%.0f commits/s, %.1f us/commit" % (commits_per_s(r), us_per_commit(r))
    return "%.1f wake-ups/s (main %.1f, other threads %.1f)" % (
        r["wakeups_per_s"], r["main_per_s"], r["threads_per_s"])


def values(results, key, comp, fn):
    return [fn(r) for r in results.get(key, {}).get(comp, [])
            if _has(r, fn)]


def _has(r, fn):
    try:
        fn(r)
        return True
    except (KeyError, ZeroDivisionError):
        return False


def med(results, key, comp, fn):
    v = values(results, key, comp, fn)
    return statistics.median(v) if v else None


def cell(results, key, comp, fn, fmt):
    v = values(results, key, comp, fn)
    if not v:
        return "–"
    m = statistics.median(v)
    if len(v) == 1:
        return fmt % m
    return (fmt + " [" + fmt + "–" + fmt + "]") % (m, min(v), max(v))


def best_peer(results, key, fn, lower_better=True):
    meds = [(med(results, key, p, fn), p) for p in PEERS]
    meds = [(m, p) for m, p in meds if m is not None]
    if not meds:
        return None, None
    return (min if lower_better else max)(meds)


def pair_ratios(results):
    """fenceway over cage in each side-by-side pair (pair-cpu-1)."""
    f = results.get("pair-cpu-1", {}).get("fenceway", [])
    c = results.get("pair-cpu-1", {}).get("cage", [])
    return [cpu_ms(a) / cpu_ms(b) for a, b in zip(f, c) if cpu_ms(b) > 0]


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(x, suffix=""):
    return "–" if x is None else "%.2f×%s" % (x, suffix)


# ---- the report ----

def machine_info(args, started, root):
    def out(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True,
                                  cwd=root, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    versions = {}
    for pkg in ("cage", "sway", "weston", "libwlroots10", "libpixman-1-0"):
        versions[pkg] = out(["dpkg-query", "-W", "-f=${Version}", pkg]) or "not installed"
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "minutes": round((time.time() - started) / 60, 1),
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "runs": args.runs,
        "smoke": args.smoke,
        "commit": out(["git", "describe", "--always", "--dirty"]),
        "versions": versions,
    }


def write(path, chart_name, meta, results, areas, skipped, failures):
    L = []
    add = L.append
    add("# fenceway against its peers")
    add("")
    add("Written by `python3 bench/peers/run.py`%s (method: "
        "[bench/peers/README.md](peers/README.md)). %s, %d repetition%s, "
        "%.0f minutes; Linux %s, %d CPUs, fenceway %s; %s." % (
            " --smoke" if meta["smoke"] else "", meta["date"], meta["runs"],
            "" if meta["runs"] == 1 else "s", meta["minutes"], meta["kernel"],
            meta["cpus"], meta["commit"],
            ", ".join("%s %s" % kv for kv in sorted(meta["versions"].items()))))
    add("")
    add("Every compositor headless with pixman at 1280x720@60, one fresh "
        "start per measurement, order rotated between repetitions. Figures: "
        "median [min–max] over the repetitions. *÷ best peer*: fenceway's "
        "median over the best peer's median in the same run.")
    if chart_name:
        add("")
        add("![chart](%s)" % chart_name)
    for name, why in sorted(skipped.items()):
        add("")
        add("**%s skipped**: %s" % (name, why))
    for f in failures:
        add("")
        add("**failed**: %s" % f)

    # CPU per frame
    add("")
    add("## Compositor CPU per frame (512x512 wl_shm windows, subsurfaces "
        "128x128, a new buffer on every surface every frame)")
    add("")
    add("| workload | " + " | ".join(COMPOSITORS) + " | ÷ best peer | ÷ cage |")
    add("|---|" + "---|" * (len(COMPOSITORS) + 2))
    for key, title in CPU_ROWS:
        row = [cell(results, key, c, cpu_ms, "%.3f") for c in COMPOSITORS]
        f = med(results, key, "fenceway", cpu_ms)
        b, who = best_peer(results, key, cpu_ms)
        rb = fmt_ratio(ratio(f, b), " (%s)" % who if who else "")
        rc = fmt_ratio(ratio(f, med(results, key, "cage", cpu_ms)))
        add("| %s, ms | %s | %s | %s |" % (title, " | ".join(row), rb, rc))
    add("| frames/s, 1 window | %s | | |" % " | ".join(
        cell(results, "cpu-1", c, fps, "%.1f") for c in COMPOSITORS))
    add("")
    pr = pair_ratios(results)
    if pr:
        add("Side by side: once per repetition fenceway and cage run the "
            "1-window workload at the same time, both compositors and both "
            "clients on one CPU, so that the machine's state (which moves "
            "one compositor's CPU per frame by up to 2× between runs minutes "
            "apart) weighs on both alike. fenceway %s ms, cage %s ms per "
            "frame; fenceway ÷ cage in each pair: **%.2f×** [%.2f–%.2f]." % (
                cell(results, "pair-cpu-1", "fenceway", cpu_ms, "%.3f"),
                cell(results, "pair-cpu-1", "cage", cpu_ms, "%.3f"),
                statistics.median(pr), min(pr), max(pr)))
        add("")
    add("Composited area: the pixels of the client's colour on the output "
        "(grim screenshot after the run; weston offers no screencopy), "
        "against the client's total surface area. Layouts differ: fenceway "
        "cascades, cage maximises and stacks, sway tiles, weston floats.")
    add("")
    add("| workload | client area | " + " | ".join(COMPOSITORS) + " |")
    add("|---|---|" + "---|" * len(COMPOSITORS))
    for key, title in CPU_ROWS[1:]:
        runs = results.get(key, {}).get("fenceway", [])
        total = int(runs[0]["area"]) if runs else 0
        cells = []
        for c in COMPOSITORS:
            a = areas.get(key, {}).get(c)
            cells.append("–" if a is None or not total else
                         "%d (%.0f%%)" % (a, 100.0 * a / total))
        add("| %s | %d | %s |" % (title, total, " | ".join(cells)))

    # Unthrottled
    add("")
    add("## Unthrottled commits (1 window, no frame callbacks, nothing redrawn)")
    add("")
    add("| figure | " + " | ".join(COMPOSITORS) + " | ÷ best peer |")
    add("|---|" + "---|" * (len(COMPOSITORS) + 1))
    f = med(results, "unthrottled", "fenceway", commits_per_s)
    b, who = best_peer(results, "unthrottled", commits_per_s, lower_better=False)
    add("| commits/s | %s | %s |" % (" | ".join(
        cell(results, "unthrottled", c, commits_per_s, "%.0f") for c in COMPOSITORS),
        fmt_ratio(ratio(f, b), " (%s)" % who if who else "")))
    f = med(results, "unthrottled", "fenceway", us_per_commit)
    b, who = best_peer(results, "unthrottled", us_per_commit)
    add("| compositor CPU per commit, µs | %s | %s |" % (" | ".join(
        cell(results, "unthrottled", c, us_per_commit, "%.1f") for c in COMPOSITORS),
        fmt_ratio(ratio(f, b), " (%s)" % who if who else "")))

    # Latency
    add("")
    add("## Commit → present (wp_presentation feedback, 1 window, 60 Hz)")
    add("")
    add("cage and sway send no presentation events headless: weston is the "
        "only peer.")
    add("")
    add("| figure | fenceway | weston | ÷ weston |")
    add("|---|---|---|---|")
    for fld, name in (("latency_p50_us", "p50"), ("latency_p90_us", "p90")):
        fn = (lambda r, fld=fld: r[fld] / 1000.0)
        add("| %s, ms | %s | %s | %s |" % (
            name, cell(results, "latency", "fenceway", fn, "%.2f"),
            cell(results, "latency", "weston", fn, "%.2f"),
            fmt_ratio(ratio(med(results, "latency", "fenceway", fn),
                            med(results, "latency", "weston", fn)))))

    # Explicit sync
    add("")
    add("## fenceway with the client's explicit sync (unthrottled, 1 window)")
    add("")
    add("Soft timelines and soft sync files from libfenceway-sync; no peer "
        "offers these protocols, so each row is against fenceway's own run "
        "without explicit sync.")
    add("")
    add("| client | CPU per commit, µs | + µs per commit | commits/s | ÷ without "
        "| system calls per commit |")
    add("|---|---|---|---|---|---|")
    base_us = med(results, "unthrottled", "fenceway", us_per_commit)
    base_cps = med(results, "unthrottled", "fenceway", commits_per_s)
    for key, title in ES_ROWS:
        us = med(results, key, "fenceway", us_per_commit)
        cps = med(results, key, "fenceway", commits_per_s)
        add("| %s | %s | %s | %s | %s | %s |" % (
            title, cell(results, key, "fenceway", us_per_commit, "%.1f"),
            "–" if us is None or base_us is None else "%+.1f" % (us - base_us),
            cell(results, key, "fenceway", commits_per_s, "%.0f"),
            fmt_ratio(ratio(cps, base_cps)),
            cell(results, "syscalls:" + key, "fenceway", syscalls_per_commit, "%.1f")))
    add("")
    add("System calls: every thread of fenceway, counted by `perf stat -e "
        "raw_syscalls:sys_enter` in a run of its own, since counting costs "
        "each call a little; – where perf is missing.")

    # What the machine charges
    sys_ns = med(results, "platform", "machine", lambda r: r["syscall_ns"])
    pair_ns = med(results, "platform", "machine", lambda r: r["socketpair_ns"])
    held_ns = med(results, "platform", "machine",
                  lambda r: r["held_syncfile_floor_ns"])
    signalled_ns = med(results, "platform", "machine",
                       lambda r: r["signalled_syncfile_floor_ns"])
    add("")
    add("## What this machine charges for a system call")
    add("")
    add("`build/bench/peers/syscall-cost`, CPU time of the calling thread, "
        "median of 5 rounds:")
    add("")
    add("| figure | µs |")
    add("|---|---|")
    add("| null system call (`getppid`) | %s |" %
        ("–" if sys_ns is None else "%.2f" % (sys_ns / 1e3)))
    add("| AF_UNIX socketpair created and both ends closed | %s |" %
        ("–" if pair_ns is None else "%.2f" % (pair_ns / 1e3)))
    add("| a held soft sync file, its consumer's work: received in a message "
        "(SCM_RIGHTS), recognised, peeked pending, waited for in `poll()`, "
        "peeked, closed; beyond the same message without it | %s |" %
        ("–" if held_ns is None else "%.2f" % (held_ns / 1e3)))
    add("| a soft sync file signalled before it was sent, its consumer's "
        "work: received, recognised, peeked, closed; beyond the same "
        "message without it | %s |" %
        ("–" if signalled_ns is None else "%.2f" % (signalled_ns / 1e3)))
    add("")
    add("A soft sync file is a socket pair; each system call a commit path "
        "adds costs at least the first figure before it does any work. The "
        "last two rows are what any consumer of docs/soft-sync-file-abi.md "
        "must do for one file, written from that document alone against a "
        "producer in another process that signals each file after the "
        "consumer saw it pending, or before sending it "
        "(bench/peers/README.md): the floors under the two sync-file "
        "figures that no change inside fenceway can remove.")

    # The library's event-loop wake
    add("")
    add("## Cross-process event-loop wake (bench-sync)")
    add("")
    add("`build/bench/bench-sync`, signal in one process to the waiter "
        "running in another, after 30 µs idle unless said (docs/bench-sync.md "
        "explains the method):")
    add("")
    add("| path | p50, µs | ÷ raw futex |")
    add("|---|---|---|")
    fx = med(results, "wake", "fenceway", lambda r: r["futex_p50_us"])
    ff = med(results, "wake", "fenceway", lambda r: r["frame_idle_futex_p50_us"])
    ff99 = med(results, "wake", "fenceway",
               lambda r: r["frame_idle_futex_p99_us"])
    fl = med(results, "wake", "fenceway", lambda r: r["frame_idle_loop_p50_us"])
    fl99 = med(results, "wake", "fenceway",
               lambda r: r["frame_idle_loop_p99_us"])
    lw = med(results, "wake", "fenceway", lambda r: r["loop_p50_us"])
    hw = med(results, "wake", "fenceway", lambda r: r["helper_p50_us"])
    loop_path = results.get("wake", {}).get("fenceway", [{}])[0].get("loop_path", "")
    add("| raw futex | %s | 1.00× |" % ("–" if fx is None else "%.2f" % fx))
    add("| `fw_loop` (%s) | %s | %s |" % (
        "io_uring futex wait" if loop_path == "io_uring" else loop_path,
        "–" if lw is None else "%.2f" % lw, fmt_ratio(ratio(lw, fx))))
    add("| `fw_loop` without io_uring (helper thread, eventfd) | %s | %s |" % (
        "–" if hw is None else "%.2f" % hw, fmt_ratio(ratio(hw, fx))))
    add("| raw futex, the signaller asleep a 60 Hz frame (16.7 ms) before "
        "each signal | %s | %s |" % (
            "–" if ff is None else "%.2f (p99 %.2f)" % (ff, ff99),
            fmt_ratio(ratio(ff, fx))))
    add("| `fw_loop`, the signaller asleep a frame before each signal | "
        "%s | %s |" % (
            "–" if fl is None else "%.2f (p99 %.2f)" % (fl, fl99),
            fmt_ratio(ratio(fl, fx))))
    add("")
    add("The last two rows are the floors under fenceway's signal → applied "
        "latency for a client drawing at 60 Hz (goal ≤ 30 µs p50, measured "
        "from traces by bench/bench-trace-frames.py, docs/telemetry.md): "
        "there fenceway has slept most of a frame when the fence signals, "
        "and waking a process that slept that long costs the first before "
        "any of its code runs; the second is the same wake-up through the "
        "library's event loop, the path fenceway waits in.")

    # Idle
    add("")
    add("## Idle wake-ups per second (context switches of every thread)")
    add("")
    add("| state | " + " | ".join(COMPOSITORS) + " | ÷ best peer |")
    add("|---|" + "---|" * (len(COMPOSITORS) + 1))
    f = med(results, "idle", "fenceway", wakeups)
    b, who = best_peer(results, "idle", wakeups)
    rb = fmt_ratio(ratio(f, b), " (%s)" % who) if b else \
        ("– (%s idles at 0)" % who if who else "–")
    add("| no client | %s | %s |" % (" | ".join(
        cell(results, "idle", c, wakeups, "%.1f") for c in COMPOSITORS), rb))
    fences = results.get("idle-fences", {}).get("fenceway", [{}])[0].get("fences")
    add("| %s pending fences | %s | | | | %s vs fenceway without |" % (
        "%d" % fences if fences else "1,000",
        cell(results, "idle-fences", "fenceway", wakeups, "%.1f"),
        fmt_ratio(ratio(med(results, "idle-fences", "fenceway", wakeups), f))))
    add("")
    add("fenceway's wake-ups split by thread: no client, main %s / other "
        "threads %s; with pending fences, main %s / other threads %s." % (
            cell(results, "idle", "fenceway", lambda r: r["main_per_s"], "%.1f"),
            cell(results, "idle", "fenceway", lambda r: r["threads_per_s"], "%.1f"),
            cell(results, "idle-fences", "fenceway", lambda r: r["main_per_s"], "%.1f"),
            cell(results, "idle-fences", "fenceway", lambda r: r["threads_per_s"], "%.1f")))

    # Goals
    add("")
    add("## Goals")
    add("")

    def goal(text, value, limit, unit="×", at_least=False):
        if value is None:
            add("- %s: not measured" % text)
        else:
            met = value >= limit if at_least else value <= limit
            add("- %s: %.2f%s — %s" % (text, value, unit,
                                        "met" if met else "not met"))
    c1 = ratio(med(results, "cpu-1", "fenceway", cpu_ms),
               med(results, "cpu-1", "cage", cpu_ms))
    c4 = ratio(med(results, "cpu-4", "fenceway", cpu_ms),
               med(results, "cpu-4", "cage", cpu_ms))
    goal("CPU per frame ≤ 1.0× cage, 1 window", c1, 1.0)
    goal("CPU per frame ≤ 0.9× cage, 1 window (stretch)", c1, 0.9)
    pr = pair_ratios(results)
    pm = statistics.median(pr) if pr else None
    goal("CPU per frame ≤ 1.0× cage, 1 window, side by side on one CPU", pm, 1.0)
    goal("CPU per frame ≤ 0.9× cage, 1 window, side by side on one CPU "
         "(stretch)", pm, 0.9)
    goal("CPU per frame ≤ 1.0× cage, 4 windows (layouts differ, see the area table)",
         c4, 1.0)
    # The floor under each sync-file goal: what the ABI itself costs.
    floors = {
        "es-syncfile": (signalled_ns, "received, recognised, peeked, closed",
                        "signalled"),
        "es-syncfile-held": (held_ns, "received, recognised, peeked, waited "
                             "for, peeked, closed", "held"),
    }
    for key, limit, text in (
            ("es-syncobj", 5, "explicit sync ≤ +5 µs/commit, timelines"),
            ("es-syncfile", 5, "explicit sync ≤ +5 µs/commit, sync files signalled at commit"),
            ("es-syncfile-held", 12, "explicit sync ≤ +12 µs/commit, held sync-file acquire")):
        us = med(results, key, "fenceway", us_per_commit)
        extra = None if us is None or base_us is None else us - base_us
        goal(text, extra, limit, " µs")
        n = med(results, "syscalls:" + key, "fenceway", syscalls_per_commit)
        n0 = med(results, "syscalls:unthrottled", "fenceway", syscalls_per_commit)
        if extra is not None and extra > limit and None not in (n, n0, sys_ns):
            add("  - %.1f more system calls per commit than without explicit "
                "sync, at %.2f µs each here: %.1f µs before any work" % (
                    n - n0, sys_ns / 1e3, (n - n0) * sys_ns / 1e3))
        floor_ns, steps, which = floors.get(key, (None, "", ""))
        if extra is not None and extra > limit and floor_ns is not None:
            add("  - the soft sync file ABI's consumer work alone (%s) costs "
                "%.1f µs per %s file here, %.2f× the goal" % (
                    steps, floor_ns / 1e3, which, floor_ns / 1e3 / limit))
    goal("cross-process event-loop wake ≤ 2× raw futex", ratio(lw, fx), 2.0)
    for key in ("es-syncobj", "es-syncfile"):
        goal("unthrottled commits/s with %s ≥ 0.9× without" % key[3:],
             ratio(med(results, key, "fenceway", commits_per_s), base_cps), 0.9,
             at_least=True)
    add("")
    with open(path, "w") as fh:
        fh.write("\n".join(L))


# ---- the chart ----

# Debian's python3-cairo belongs to Debian's own interpreter; another
# python3 earlier on PATH (a virtualenv, pyenv) hands the drawing to it.
SYSTEM_PYTHON = "/usr/bin/python3"


def chart_from_json(raw, path):
    """Draw the chart of the results saved in @raw; None, or why not."""
    try:
        import cairo  # noqa: F401
    except ImportError:
        if os.path.realpath(sys.executable) == os.path.realpath(SYSTEM_PYTHON) \
                or not os.access(SYSTEM_PYTHON, os.X_OK):
            return "python3-cairo is not installed"
        r = subprocess.run([SYSTEM_PYTHON, os.path.abspath(__file__), raw, path],
                           capture_output=True, text=True)
        return None if r.returncode == 0 else (r.stdout + r.stderr).strip()
    with open(raw) as f:
        return chart(json.load(f)["results"], path)

def chart(results, path):
    """Draw the chart; returns None, or why no chart was drawn."""
    try:
        import cairo
    except ImportError:
        return "python3-cairo is not installed"
    W, H = 1200, 860
    surf = cairo.ImageSurface(cairo.FORMAT_RGB24, W, H)
    cr = cairo.Context(surf)
    cr.set_source_rgb(1, 1, 1)
    cr.paint()
    cr.select_font_face("sans-serif")

    def panel(x, y, w, h, title, groups):
        cr.set_source_rgb(0, 0, 0)
        cr.set_font_size(15)
        cr.move_to(x, y + 16)
        cr.show_text(title)
        top, bottom = y + 50, y + h - 110
        vals = [v for _, bars in groups for _, v in bars if v is not None]
        vmax = max(vals) if vals else 1.0
        vmax = vmax * 1.15 or 1.0
        nbars = sum(len(b) for _, b in groups) + len(groups)
        bw = (w - 20) / max(nbars, 1)
        cx = x + 10
        cr.set_line_width(1)
        cr.move_to(x, bottom + 0.5)
        cr.line_to(x + w, bottom + 0.5)
        cr.stroke()
        for label, bars in groups:
            gx = cx
            for series, v in bars:
                if v is not None:
                    bh = (bottom - top) * v / vmax
                    cr.set_source_rgb(*COLOURS.get(series.split("+")[0].strip(),
                                                   (0.5, 0.5, 0.5)))
                    cr.rectangle(cx + 2, bottom - bh, bw - 4, bh)
                    cr.fill()
                    cr.set_source_rgb(0, 0, 0)
                    cr.set_font_size(10)
                    txt = "%.3g" % v
                    ext = cr.text_extents(txt)
                    cr.move_to(cx + bw / 2 - ext.width / 2, bottom - bh - 4)
                    cr.show_text(txt)
                cr.save()
                cr.set_source_rgb(0.2, 0.2, 0.2)
                cr.set_font_size(9)
                cr.move_to(cx + bw / 2 + 3, bottom + 4)
                cr.rotate(1.0)
                cr.show_text(series)
                cr.restore()
                cx += bw
            cr.set_source_rgb(0, 0, 0)
            cr.set_font_size(11)
            cr.move_to(gx, top - 8)
            cr.show_text(label)
            cx += bw

    groups = []
    for key, title in CPU_ROWS:
        groups.append((title.replace("sync subsurfaces", "subs"),
                       [(c, med(results, key, c, cpu_ms)) for c in COMPOSITORS]))
    panel(20, 10, 1160, 400, "compositor CPU per frame, ms (lower is better)", groups)

    bars = [(c, med(results, "unthrottled", c, us_per_commit)) for c in COMPOSITORS]
    bars += [("fenceway+" + key[3:].replace("-held", " held"),
              med(results, key, "fenceway", us_per_commit)) for key, _ in ES_ROWS[1:]]
    panel(20, 430, 560, 410, "unthrottled: compositor CPU per commit, µs",
          [("", bars)])
    bars = [(c, med(results, "idle", c, wakeups)) for c in COMPOSITORS]
    bars.append(("fenceway+fences", med(results, "idle-fences", "fenceway", wakeups)))
    panel(600, 430, 330, 410, "idle wake-ups/s", [("", bars)])
    lat = [(c, med(results, "latency", c, lambda r: r["latency_p50_us"] / 1000.0))
           for c in ("fenceway", "weston")]
    panel(950, 430, 230, 410, "commit→present p50, ms", [("", lat)])
    surf.write_to_png(path)
    return None


if __name__ == "__main__":
    # report.py RESULTS.json CHART.png: the chart alone (see chart_from_json).
    sys.exit(chart_from_json(sys.argv[1], sys.argv[2]))
