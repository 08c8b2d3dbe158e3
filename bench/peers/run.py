#!/usr/bin/env python3
"""fenceway against cage, sway and weston on the same client workloads.

    python3 bench/peers/run.py              # full run: bench/RESULTS.md + bench/RESULTS.png
    python3 bench/peers/run.py --smoke      # a few frames each (the meson test)

Every compositor runs headless with pixman at 1280x720@60, started fresh
for each measurement (the smoke run starts each once); the order of the compositors rotates from one
repetition to the next, and repetitions alternate workloads, so that
machine noise spreads over all of them.  The client is
build/bench/peers/bench-client; what each workload does and how each
figure is taken is in bench/peers/README.md.

Exit status: 0 when every compositor that could start ran every workload
it was given; 1 otherwise (a peer that is not installed, or does not come
up, is skipped and named, not a failure).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import peers   # noqa: E402
import report  # noqa: E402

# The client's window colour (bench-client.c COLOUR) as grim writes it.
COLOUR_RGB = (0x33, 0x66, 0xcc)


def workloads(smoke, frames=600):
    """(key, kind, client args, compositors) in the order they run."""
    # The smoke run keeps every path but draws small windows: it must fit
    # in its test's time budget on a loaded machine, sanitizers included.
    fr = ["--frames", "5", "--warmup", "2", "--size", "128x128"] if smoke else \
        ["--frames", str(frames), "--warmup", "60"]
    un = ["--commits", "100", "--warmup", "10", "--size", "128x128"] if smoke else \
        ["--commits", "20000", "--warmup", "500"]
    fences = "100" if smoke else "1000"
    everyone = [c.name for c in peers.ALL]
    # 16 windows take no path on a peer that 4 do not.
    many = ["fenceway"] if smoke else everyone
    w = [
        ("cpu-1", "frames", ["frames", "--windows", "1"] + fr, everyone),
        ("cpu-4", "frames", ["frames", "--windows", "4", "--hold"] + fr, everyone),
        ("cpu-16", "frames", ["frames", "--windows", "16", "--hold"] + fr, many),
        ("cpu-sub15", "frames", ["frames", "--subsurfaces", "15", "--hold"] + fr,
         everyone),
        ("unthrottled", "unthrottled", ["unthrottled"] + un, everyone),
        ("latency", "frames", ["frames", "--feedback"] + fr, ["fenceway", "weston"]),
    ]
    for sync in ("syncobj", "syncfile"):
        for held in (False, True):
            key = "es-%s%s" % (sync, "-held" if held else "")
            args = ["unthrottled", "--sync", sync] + (["--held"] if held else []) + un
            w.append((key, "unthrottled", args, ["fenceway"]))
    w += [
        ("idle", "idle", [], everyone),
        ("idle-fences", "idle",
         ["pending-fences", "--fences", fences, "--per-surface", "50"],
         ["fenceway"]),
    ]
    return w


def count_args(args, smoke):
    """An unthrottled workload's client arguments for a count run: fewer
    commits, since a count needs no repetitions to settle."""
    if smoke:
        return args
    out = list(args)
    out[out.index("--commits") + 1] = "5000"
    out[out.index("--warmup") + 1] = "100"
    return out


def ctxt_switches(pid):
    """{thread name/tid: voluntary + nonvoluntary context switches}."""
    counts = {}
    base = "/proc/%d/task" % pid
    for tid in os.listdir(base):
        try:
            with open(os.path.join(base, tid, "status")) as f:
                st = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
        except OSError:
            continue     # the thread ended meanwhile
        n = int(st["voluntary_ctxt_switches"]) + int(st["nonvoluntary_ctxt_switches"])
        counts[tid] = (st["Name"].strip(), n)
    return counts


def measure_idle(comp, seconds, settle):
    time.sleep(settle)
    a = ctxt_switches(comp.pid)
    time.sleep(seconds)
    b = ctxt_switches(comp.pid)
    main = other = 0
    for tid, (name, n) in b.items():
        d = n - a.get(tid, (name, 0))[1]
        if int(tid) == comp.pid:
            main += d
        else:
            other += d
    return {"wakeups_per_s": (main + other) / seconds,
            "main_per_s": main / seconds, "threads_per_s": other / seconds}


def count_colour(ppm):
    """Pixels of the client's colour in a binary PPM (grim -t ppm)."""
    parts = ppm.split(b"\n", 3)
    if parts[0] != b"P6":
        raise ValueError("not a P6 PPM")
    w, h = (int(x) for x in parts[1].split())
    data = parts[3][:w * h * 3]
    # One bit per pixel and channel, set where the channel matches; the
    # pixels whose three bits are all set are the client's.
    hits = -1
    for channel, value in enumerate(COLOUR_RGB):
        table = bytes(1 if i == value else 0 for i in range(256))
        hits &= int.from_bytes(data[channel::3].translate(table), "little")
    return bin(hits).count("1")


def screenshot_area(comp):
    """The client's visible area by screencopy, None where the compositor
    offers none (weston)."""
    if comp.name == "weston":
        return None
    try:
        r = subprocess.run(["grim", "-t", "ppm", "-"], env=comp.client_env(),
                           capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if r.returncode != 0:
        return None
    return count_colour(r.stdout)


class Runner:
    def __init__(self, args):
        self.args = args
        self.client = os.path.join(args.build, "bench", "peers", "bench-client")
        self.smoke = args.smoke
        self.results = {}     # key -> compositor -> [result dicts]
        self.areas = {}       # key -> compositor -> pixels
        self.skipped = {}     # compositor -> why
        self.failures = []

    def log(self, msg):
        if not self.args.quiet:
            print(msg, flush=True)

    def run_client(self, comp, key, args, want_area):
        timeout = 60 if self.smoke else 300
        argv = [self.client, "--pid", str(comp.pid)] + args
        proc = subprocess.Popen(argv, env=comp.client_env(), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            line = ""
            deadline = time.monotonic() + timeout
            while not line.startswith("result") and time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
            if line.startswith("result") and "--hold" in args and want_area:
                self.areas.setdefault(key, {})[comp.name] = screenshot_area(comp)
            rest, err = proc.communicate(timeout=timeout)   # closes stdin
        except subprocess.TimeoutExpired:
            proc.kill()
            rest, err = proc.communicate()
        if proc.returncode != 0 or not line.startswith("result"):
            raise RuntimeError("bench-client %s on %s: status %s: %s" % (
                " ".join(args), comp.name, proc.returncode, err.strip()[-400:]))
        return peers.parse_result(line)

    def run_idle(self, comp, args):
        seconds, settle = (0.3, 0.2) if self.smoke else (5.0, 1.0)
        if not args:
            return measure_idle(comp, seconds, settle)
        argv = [self.client, "--pid", str(comp.pid)] + args
        proc = subprocess.Popen(argv, env=comp.client_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            line = proc.stdout.readline()
            if not line.startswith("ready"):
                proc.wait(timeout=30)
                raise RuntimeError("bench-client %s on %s: status %s: %s" % (
                    " ".join(args), comp.name, proc.returncode,
                    proc.stderr.read().strip()[-400:]))
            res = measure_idle(comp, seconds, settle)
            res.update(peers.parse_result(line))
            return res
        finally:
            if proc.poll() is None:
                proc.terminate()
            proc.communicate()

    def run_tool(self, argv, what):
        """The result line of one of the build's own benchmark programs."""
        try:
            p = subprocess.run(argv, capture_output=True, text=True,
                               timeout=60 if self.smoke else 300)
        except (OSError, subprocess.SubprocessError) as e:
            self.failures.append("%s: %s" % (what, e))
            return None
        lines = [l for l in p.stdout.splitlines() if l.startswith("result")]
        if p.returncode != 0 or not lines:
            self.failures.append("%s: status %s: %s" % (
                what, p.returncode, p.stderr.strip()[-400:]))
            return None
        return peers.parse_result(lines[-1])

    def run_platform(self):
        """What the figures stand on: the price of a system call here and
        the consumer's work for one held and one signalled soft sync file
        (the floors under the two sync-file figures), and the library's cross-process
        event-loop wake against a raw futex, also after a 60 Hz frame
        asleep (the floor under signal -> applied; bench-sync, the same
        program as docs/bench-sync.md)."""
        res = self.run_tool(
            [os.path.join(self.args.build, "bench", "peers", "syscall-cost")] +
            (["--quick"] if self.smoke else []), "syscall-cost")
        if res:
            self.results.setdefault("platform", {}).setdefault("machine", []).append(res)
            self.log("%-16s %s" % ("platform", report.brief("platform", res)))
        # The smoke run's -q comes before its -n: it also cuts the
        # frame-idle futex row, a frame per signal, to 60 signals.
        with tempfile.TemporaryDirectory(prefix="fw-bench-sync-") as d:
            res = self.run_tool(
                [os.path.join(self.args.build, "bench", "bench-sync")] +
                (["-q", "-n", "500"] if self.smoke else ["-n", "20000"]) +
                ["-o", os.path.join(d, "bench-sync.md")], "bench-sync")
        if res:
            self.results.setdefault("wake", {}).setdefault("fenceway", []).append(res)
            self.log("%-16s %s" % ("wake", report.brief("wake", res)))

    def count_syscalls(self, wl):
        """System calls per commit of fenceway (every thread) on each
        unthrottled workload, in runs of their own: counting costs each
        call a little, so the timed runs go without it.  Needs perf."""
        perf = shutil.which("perf")
        if perf is None:
            self.log("no perf: no system-call counts")
            return
        for key, kind, args, on in wl:
            if kind != "unthrottled" or "fenceway" not in on:
                continue
            comp = self.start(peers.Fenceway)
            if comp is None:
                return
            try:
                args = count_args(args, self.smoke)
                with tempfile.NamedTemporaryFile("r", suffix=".perf") as out:
                    argv = [perf, "stat", "-x,", "-o", out.name,
                            "-e", "raw_syscalls:sys_enter", "-p", str(comp.pid),
                            "--", self.client, "--pid", str(comp.pid)] + args
                    p = subprocess.run(argv, env=comp.client_env(),
                                       capture_output=True, text=True,
                                       timeout=60 if self.smoke else 300)
                    counts = [l.split(",")[0] for l in out.read().splitlines()
                              if "sys_enter" in l]
                line = [l for l in p.stdout.splitlines() if l.startswith("result")]
                if p.returncode != 0 or not line or not counts or \
                        not counts[0].isdigit():
                    self.log("no system-call count for %s: %s" % (
                        key, p.stderr.strip()[-200:]))
                    continue
                res = peers.parse_result(line[0])
                res["syscalls"] = int(counts[0])
                res["warmup"] = int(args[args.index("--warmup") + 1])
                self.results.setdefault("syscalls:" + key, {}).setdefault(
                    "fenceway", []).append(res)
                self.log("%-16s %-9s %.1f system calls per commit" % (
                    key, "fenceway", report.syscalls_per_commit(res)))
            except (OSError, subprocess.SubprocessError) as e:
                self.log("no system-call count for %s: %s" % (key, e))
            finally:
                comp.stop()

    def start(self, cls):
        """A running compositor, or None if it cannot start (skipped)."""
        if cls.name in self.skipped:
            return None
        comp = cls(self.args.build)
        try:
            return comp.start()
        except peers.CannotStart as e:
            self.skipped[cls.name] = str(e)
            self.log("skip %s: %s" % (cls.name, e))
            comp.stop()
            return None

    def measure(self, comp, key, kind, args, want_area):
        t0 = time.monotonic()
        try:
            if kind == "idle":
                res = self.run_idle(comp, args)
            else:
                res = self.run_client(comp, key, args, want_area)
            self.results.setdefault(key, {}).setdefault(comp.name, []).append(res)
            self.log("%-16s %-9s %s  (%.1f s)" % (key, comp.name, report.brief(kind, res),
                                                  time.monotonic() - t0))
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            self.failures.append("%s on %s: %s" % (key, comp.name, e))
            self.log("FAIL %s on %s: %s\n  log: %s" % (key, comp.name, e,
                                                      comp.log_tail()))

    def run(self):
        if not os.access(self.client, os.X_OK):
            sys.exit("run.py: %s not built (meson compile -C %s)" % (
                self.client, self.args.build))
        classes = [c for c in peers.ALL
                   if not self.args.only or c.name in self.args.only]
        wl = [w for w in workloads(self.smoke, self.args.frames)
              if not self.args.workloads or w[0] in self.args.workloads]
        if self.smoke:
            # One start per compositor for every workload: the smoke run
            # checks that each path works, not what it costs.
            for cls in classes:
                comp = self.start(cls)
                if comp is None:
                    continue
                try:
                    for key, kind, args, on in wl:
                        if cls.name in on:
                            self.measure(comp, key, kind, args, True)
                finally:
                    comp.stop()
        else:
            self.run_reps(classes, wl)
        if "fenceway" in [c.name for c in classes] and not self.args.workloads:
            self.run_platform()
        if "fenceway" in [c.name for c in classes]:
            self.count_syscalls(wl)

    def run_pair(self, classes, wl, rep):
        """cpu-1 on fenceway and cage at once, everything on one CPU:
        the machine's state, which moves one compositor's CPU per frame by
        up to 2x between runs minutes apart, then weighs on both alike.
        Their ratio in each pair is the figure (key pair-cpu-1)."""
        names = [c.name for c in classes]
        args = [w[2] for w in wl if w[0] == "cpu-1"]
        if "fenceway" not in names or "cage" not in names or not args:
            return
        pair = [c for c in classes if c.name in ("fenceway", "cage")]
        if rep % 2:
            pair.reverse()
        comps, out = [], {}
        with peers.one_cpu():
            try:
                for cls in pair:
                    comp = self.start(cls)
                    if comp is None:
                        return
                    comps.append(comp)

                def client(comp):
                    try:
                        out[comp.name] = self.run_client(comp, "pair-cpu-1",
                                                         args[0], False)
                    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                        out[comp.name] = e

                threads = [threading.Thread(target=client, args=(c,)) for c in comps]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                # Both or neither: the report pairs the two lists by index.
                bad = [c.name for c in comps if not isinstance(out.get(c.name), dict)]
                for name in bad:
                    self.failures.append("pair-cpu-1 on %s: %s" % (name, out.get(name)))
                for comp in comps if not bad else []:
                    res = out[comp.name]
                    self.results.setdefault("pair-cpu-1", {}).setdefault(
                        comp.name, []).append(res)
                    self.log("%-16s %-9s %s" % ("pair-cpu-1", comp.name,
                                                report.brief("frames", res)))
            finally:
                for comp in comps:
                    comp.stop()

    def run_reps(self, classes, wl):
        for rep in range(self.args.runs):
            self.run_pair(classes, wl, rep)
            for key, kind, args, on in wl:
                order = classes[rep % len(classes):] + classes[:rep % len(classes)]
                for cls in order:
                    if cls.name not in on:
                        continue
                    comp = self.start(cls)
                    if comp is None:
                        continue
                    try:
                        self.measure(comp, key, kind, args, rep == 0)
                    finally:
                        comp.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="meson build directory (default: build/)")
    ap.add_argument("--runs", type=int, default=None,
                    help="repetitions (default 3; 1 with --smoke)")
    ap.add_argument("--smoke", action="store_true",
                    help="a few frames each: checks that everything runs")
    ap.add_argument("--out", default=None,
                    help="report (default bench/RESULTS.md; with --smoke a "
                         "temporary directory)")
    ap.add_argument("--frames", type=int, default=600,
                    help="frames measured per CPU workload (default 600)")
    ap.add_argument("--only", nargs="*", help="compositors to run")
    ap.add_argument("--workloads", nargs="*",
                    help="workloads to run (cpu-1, unthrottled, idle, ...)")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args()
    if args.runs is None:
        args.runs = 1 if args.smoke else 3
    args.build = os.path.abspath(args.build)

    r = Runner(args)
    started = time.time()
    r.run()
    out = args.out
    if out is None:
        out = os.path.join(tempfile.mkdtemp(prefix="fw-peers-smoke-"), "RESULTS.md") \
            if args.smoke else os.path.join(ROOT, "bench", "RESULTS.md")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    chart = os.path.splitext(out)[0] + ".png"
    meta = report.machine_info(args, started, ROOT)
    raw = os.path.splitext(out)[0] + ".json"
    with open(raw, "w") as f:
        json.dump({"meta": meta, "results": r.results, "areas": r.areas,
                   "skipped": r.skipped, "failures": r.failures}, f, indent=1)
    chart_note = report.chart_from_json(raw, chart)
    report.write(out, os.path.basename(chart) if chart_note is None else None,
                 meta, r.results, r.areas, r.skipped, r.failures)
    print("wrote %s%s" % (out, "" if chart_note else " and " + chart))
    if chart_note:
        print("no chart: %s" % chart_note)
    for name, why in sorted(r.skipped.items()):
        print("skipped %s: %s" % (name, why))
    if "fenceway" in r.skipped:
        r.failures.append("fenceway did not start: " + r.skipped["fenceway"])
    for f in r.failures:
        print("FAILED: " + f)
    return 1 if r.failures else 0


if __name__ == "__main__":
    sys.exit(main())
