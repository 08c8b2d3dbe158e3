#!/usr/bin/env python3
"""What tracing costs the compositor, and what the traces say about
latency (docs/telemetry.md, "What tracing costs").

    nice -n -5 python3 bench/bench-trace-frames.py [--runs 5] [--frames 600]
    python3 bench/bench-trace-frames.py --smoke      # a few frames, a test

Repeated --runs times, each time fresh headless fenceways (pixman,
1280x720@60):

  1. two fenceways at once, one with --trace and one without, each with one
     fenceway-demo drawing a 64x64 window at 60 Hz over
     wp_linux_drm_syncobj_v1, its fence signalled 2 ms after each commit
     (soft timeline: the producer's signal time is in the trace).  Running
     them side by side, all on one CPU, means whatever else loads the
     machine loads both alike.  Each compositor's CPU (every thread's
     schedstat run time) per frame, and the ratio on/off of the pair;
  2. the same client on one fenceway with --trace, free to use every CPU:
     the latency as a user sees it;
  3. four fenceway-demos at once (syncobj, syncfile, none, syncobj with
     30 ms of "GPU"), 400x320 each, with --trace.

From the traces: the acquire signal -> applied latency (the producer's
signal time to the commit tracker's applied hook), p50 and p99, split
into the wake-up (producer time -> the time fenceway saw the signal) and
fenceway's work after it (saw it -> applied), and the share of signals
whose producer time fell inside an output's render span (the main thread
was busy rendering when it came).  Beside them, after each run, the
floors under that latency on this machine: a raw futex wake of a process
that slept a whole 60 Hz frame, and the same through the library's
fw_loop, the path fenceway waits in (build/bench/bench-sync -f -q, 60
signals each), as fenceway has when a 60 Hz client's fence signals.  Prints
a table (median, min, max over the runs); --json FILE keeps the raw
numbers.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "peers"))
import peers  # noqa: E402  (the peer benchmark's compositor runner)


class TracedFenceway(peers.Fenceway):
    def __init__(self, build_dir, trace=None):
        super().__init__(build_dir)
        self.trace = trace

    def argv(self):
        return super().argv() + (["--trace", self.trace] if self.trace
                                 else [])


def cpu_ns(pid):
    """Run time of every thread of pid so far (schedstat, ns)."""
    total = 0
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, task)) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def run_clients(fws, argvs, timeout):
    """Run the clients argvs on each compositor of fws at the same time,
    to their end; each compositor's CPU meanwhile."""
    start = [cpu_ns(fw.pid) for fw in fws]
    procs = [subprocess.Popen(a, env=fw.client_env(),
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
             for fw in fws for a in argvs]
    for p in procs:
        if p.wait(timeout) != 0:
            raise RuntimeError("%s exited with %d" % (argvs[0], p.returncode))
    return [cpu_ns(fw.pid) - s for fw, s in zip(fws, start)]


def load_trace(path):
    with open(path) as f:
        text = f.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(text.rstrip().rstrip(",") + "]")


def trace_figures(events):
    """Signal -> applied latencies (ns), split into the wake-up (signal ->
    fenceway saw it) and fenceway's work after it (saw it -> applied), and
    the share of signals that came while an output rendered."""
    producer, observed = {}, {}
    for e in events:
        if e.get("name") == "acquire signalled" and \
                "producer_ns" in e.get("args", {}):
            producer[e["args"]["id"]] = e["args"]["producer_ns"]
            observed[e["args"]["id"]] = e["args"]["observed_ns"]
    applied, render_b, renders = {}, {}, []
    for e in events:
        if e.get("cat") == "commit" and e.get("ph") == "b" and \
                e["name"] == "applied":
            applied[int(e["id"], 16)] = round(e["ts"] * 1000)
        elif e.get("cat") == "output" and e.get("name") == "render":
            if e["ph"] == "b":
                render_b[e["id"]] = round(e["ts"] * 1000)
            elif e["id"] in render_b:
                renders.append((render_b.pop(e["id"]), round(e["ts"] * 1000)))
    renders.sort()
    lat, wake, work, during = [], [], [], 0
    for cid, p in producer.items():
        if cid in applied:
            lat.append(applied[cid] - p)
            wake.append(observed[cid] - p)
            work.append(applied[cid] - observed[cid])
        # Renders do not overlap (one main thread): a linear probe is fine.
        lo, hi = 0, len(renders)
        while lo < hi:
            mid = (lo + hi) // 2
            if renders[mid][1] < p:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(renders) and renders[lo][0] <= p <= renders[lo][1]:
            during += 1
    for v in (lat, wake, work):
        v.sort()
    return lat, wake, work, (during / len(producer) if producer else 0.0)


def pct(values, p):
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(p / 100.0 * len(values)))]


def one_client(build, frames):
    return [[os.path.join(build, "clients", "fenceway-demo"),
             "--protocol", "syncobj", "--size", "64x64", "--latency", "2",
             "--frames", str(frames)]]


def four_demos(build, frames):
    demo = os.path.join(build, "clients", "fenceway-demo")
    common = ["--size", "400x320", "--frames", str(frames)]
    return [[demo, "--protocol", "syncobj", "--latency", "4"] + common,
            [demo, "--protocol", "syncfile", "--latency", "12"] + common,
            [demo, "--protocol", "none", "--latency", "1"] + common,
            [demo, "--protocol", "syncobj", "--latency", "30",
             "--buffers", "4"] + common]


def figures(path, out):
    lat, wake, work, share = trace_figures(load_trace(path))
    out.update(n=len(lat), p50_us=pct(lat, 50) / 1000.0,
               p99_us=pct(lat, 99) / 1000.0,
               wake_p50_us=pct(wake, 50) / 1000.0,
               work_p50_us=pct(work, 50) / 1000.0, during_render=share)
    return out


def measure_pair(build, clients, frames, trace_dir):
    """The same clients on two compositors running at once, one tracing,
    all on one CPU: whatever else loads the machine loads both alike, and
    no wake-up crosses CPUs (here a cross-CPU wake-up costs tens of µs and
    varies from run to run by more than tracing costs)."""
    path = os.path.join(trace_dir, "pair.json")
    with peers.one_cpu(), TracedFenceway(build) as off, \
            TracedFenceway(build, path) as on:
        time.sleep(0.2)   # let start-up settle out of the window measured
        cpu_off, cpu_on = run_clients([off, on], clients,
                                      timeout=60 + frames / 10)
    return figures(path, {
        "cpu_off_us": cpu_off / frames / 1000.0,
        "cpu_per_frame_us": cpu_on / frames / 1000.0,
        "cpu_ratio": cpu_on / cpu_off})


def measure_traced(build, clients, frames, trace_dir, name):
    """One tracing compositor, free to use every CPU, as in real use: the
    latency figures come from here."""
    path = os.path.join(trace_dir, name + ".json")
    with TracedFenceway(build, path) as fw:
        time.sleep(0.2)
        (cpu,) = run_clients([fw], clients, timeout=60 + frames / 10)
    return figures(path, {"cpu_per_frame_us": cpu / frames / 1000.0})


def frame_wake_floor(build):
    """bench-sync's wake-ups after a frame asleep, raw futex and the
    library's fw_loop: p50/p99 in us."""
    argv = [os.path.join(build, "bench", "bench-sync"), "-f", "-q"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    line = [l for l in p.stdout.splitlines() if l.startswith("result")]
    if p.returncode != 0 or not line:
        raise RuntimeError("%s: status %d: %s" % (
            " ".join(argv), p.returncode, p.stderr.strip()[-400:]))
    res = peers.parse_result(line[-1])
    return {"p50_us": res["frame_idle_futex_p50_us"],
            "p99_us": res["frame_idle_futex_p99_us"],
            "loop_p50_us": res["frame_idle_loop_p50_us"],
            "loop_p99_us": res["frame_idle_loop_p99_us"]}


def summary(values):
    values = [v for v in values if v == v]
    if not values:
        return "-"
    return "%.3g (%.3g .. %.3g)" % (statistics.median(values), min(values),
                                     max(values))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--smoke", action="store_true",
                    help="one run of a few frames: that it all works")
    ap.add_argument("--json", help="write the raw numbers here")
    args = ap.parse_args()
    if args.smoke:
        args.runs, args.frames = 1, 20
    build = os.path.abspath(args.build)

    raw = {"pair": [], "one": [], "four": [], "floor": []}
    with tempfile.TemporaryDirectory(prefix="fw-bench-trace-") as tmp:
        for run in range(args.runs):
            raw["pair"].append(measure_pair(
                build, one_client(build, args.frames), args.frames, tmp))
            raw["one"].append(measure_traced(
                build, one_client(build, args.frames), args.frames, tmp,
                "one"))
            raw["four"].append(measure_traced(
                build, four_demos(build, args.frames // 2), args.frames // 2,
                tmp, "four"))
            raw["floor"].append(frame_wake_floor(build))

    pair, one, four = raw["pair"], raw["one"], raw["four"]
    floor = raw["floor"]
    print("runs: %d, frames per client: %d / %d; median (min .. max)"
          % (args.runs, args.frames, args.frames // 2))
    print("%-52s %s" % ("", "value"))
    rows = [
        ("1 client 64x64, one CPU: CPU/frame tracing off (us)",
         [r["cpu_off_us"] for r in pair]),
        ("1 client 64x64, one CPU: CPU/frame on / off",
         [r["cpu_ratio"] for r in pair]),
        ("1 client 64x64, one CPU: signal -> applied p50 (us)",
         [r["p50_us"] for r in pair]),
        ("1 client 64x64: signal -> applied p50 (us)",
         [r["p50_us"] for r in one]),
        ("  of which the wake-up: signal -> fenceway saw it",
         [r["wake_p50_us"] for r in one]),
        ("  of which fenceway's work: saw it -> applied",
         [r["work_p50_us"] for r in one]),
        ("  floor: raw futex wake after a frame, p50",
         [r["p50_us"] for r in floor]),
        ("  floor: fw_loop wake after a frame, p50",
         [r["loop_p50_us"] for r in floor]),
        ("1 client 64x64: signal -> applied p99 (us)",
         [r["p99_us"] for r in one]),
        ("  floor: raw futex wake after a frame, p99",
         [r["p99_us"] for r in floor]),
        ("  floor: fw_loop wake after a frame, p99",
         [r["loop_p99_us"] for r in floor]),
        ("1 client 64x64: signals during a render",
         [r["during_render"] for r in one]),
        ("4 demos: signal -> applied p50 (us)", [r["p50_us"] for r in four]),
        ("4 demos: signal -> applied p99 (us)", [r["p99_us"] for r in four]),
        ("4 demos: signals during a render",
         [r["during_render"] for r in four]),
    ]
    for name, values in rows:
        print("%-52s %s" % (name, summary(values)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1)
    if any(r["n"] == 0 for r in pair + one + four):
        print("bench-trace-frames: a trace had no signal with a producer "
              "time", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
