"""Test harness: run the real fenceway compositor on a private socket.

Standard library only.  Typical use:

    from fenceway import Compositor

    with Compositor() as fw:                      # fenceway --headless
        fw.run_client(["wayland-info"])           # WAYLAND_DISPLAY set
        app = fw.spawn_client(["weston-simple-shm"])
        fw.wait_for_toplevels(1)
        img = fw.capture()                        # grim -t ppm, parsed
        r, g, b = img.pixel(40, 40)
        status = fw.stop()                        # SIGTERM, exit status
        fw.assert_clean_exit(status)              # 0 and no sanitizer report

What it guarantees:
  * a private XDG_RUNTIME_DIR (a fresh temporary directory, mode 0700) and
    a socket name unique to this process, so tests can run in parallel;
  * the compositor gets WLR_RENDERER=pixman and WLR_LIBINPUT_NO_DEVICES=1
    and never sees the caller's WAYLAND_DISPLAY/DISPLAY;
  * only processes it started are ever signalled, and all of them are
    stopped and reaped on exit from the `with` block, even on failure;
  * the compositor's log (stdout+stderr) is kept in a file and available
    as text (`fw.log()`); on failure it is printed to help debugging.

Extra compositor arguments and environment: Compositor(args=[...],
env={...}).  The binary comes from the FENCEWAY environment variable (meson
sets it) or the `binary` argument.
"""

import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

__all__ = ["Compositor", "compositor_env", "Image", "read_ppm", "SANITIZER_PATTERNS",
           "skip_unless_programs", "TOPLEVEL_RE"]

# A report from ASan, LSan or UBSan in the compositor's output.
SANITIZER_PATTERNS = re.compile(
    r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
    r"SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer")

# view.c logs: "toplevel 3 mapped at 96,96 size 250x250 app_id=... title=..."
TOPLEVEL_RE = re.compile(
    r"toplevel (\d+) mapped at (-?\d+),(-?\d+) size (\d+)x(\d+)"
    r' app_id="([^"]*)" title="(.*)"$', re.M)

# Generous: a sanitizer build on a busy 2-core machine is slow.  These are
# limits for waiting, never asserted durations.
DEFAULT_TIMEOUT = 30.0

_counter = itertools.count()


def skip_unless_programs(*names):
    """Exit with meson's skip status (77) if a program is not installed."""
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        print("SKIP: not installed: " + ", ".join(missing))
        sys.exit(77)


class Image:
    """An RGB image: width, height and 3 bytes per pixel, top row first."""

    def __init__(self, width, height, data):
        self.width = width
        self.height = height
        self.data = data

    def pixel(self, x, y):
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise IndexError("pixel (%d,%d) outside %dx%d"
                             % (x, y, self.width, self.height))
        i = (y * self.width + x) * 3
        return tuple(self.data[i:i + 3])

    def pixel_u32(self, x, y):
        """The pixel as 0xRRGGBB (compare with XRGB8888 client values)."""
        r, g, b = self.pixel(x, y)
        return (r << 16) | (g << 8) | b


def read_ppm(path):
    """Parse a binary PPM (P6, maxval 255) as written by grim -t ppm."""
    with open(path, "rb") as f:
        data = f.read()
    fields = []
    pos = 0
    # Header: magic, width, height, maxval, separated by whitespace, with
    # possible comments; then exactly one whitespace byte before pixels.
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    pos += 1
    if fields[0] != b"P6":
        raise ValueError("not a binary PPM: %r" % fields[0])
    width, height, maxval = (int(v) for v in fields[1:])
    if maxval != 255:
        raise ValueError("unsupported PPM maxval %d" % maxval)
    pixels = data[pos:pos + width * height * 3]
    if len(pixels) != width * height * 3:
        raise ValueError("truncated PPM")
    return Image(width, height, pixels)


class Compositor:
    """One fenceway process on a private runtime dir (a context manager)."""

    def __init__(self, args=(), env=None, binary=None, headless=True,
                 socket=None, timeout=DEFAULT_TIMEOUT, leak_check=True,
                 runtime_dir=None, preexec=None):
        self.binary = binary or os.environ.get("FENCEWAY")
        if not self.binary:
            raise RuntimeError("set FENCEWAY to the fenceway binary")
        self.args = list(args)
        self.extra_env = dict(env or {})
        self.headless = headless
        # None: a name unique to this process; False: no --socket, the
        # compositor picks (self.socket is then read from its log).
        self.auto_socket = socket is False
        if self.auto_socket:
            self.socket = None
        else:
            self.socket = socket or "fenceway-test-%d-%d" % (
                os.getpid(), next(_counter))
        self.timeout = timeout
        # False turns LeakSanitizer off for this compositor (sanitizer
        # builds only; address and UB checks stay on).  For a known leak
        # inside a third-party library whose stack necessarily runs
        # through fenceway frames, so it may not be suppressed (policy in
        # tests/sanitizers/lsan.supp).  Say why wherever it is used.
        self.leak_check = leak_check
        # A directory given here is taken over: removed at cleanup.
        self.runtime_dir = runtime_dir
        # Run in the compositor's process before exec (e.g. to lower its
        # resource limits); subprocess's preexec_fn.
        self.preexec = preexec
        self.proc = None
        self.returncode = None
        self._log_file = None
        self._clients = []

    # ---- lifetime ----

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.cleanup(failed=True)
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        self.cleanup(failed=exc_type is not None)
        return False

    def base_env(self):
        """The environment of everything we start: caller's, minus any
        display it points at, plus the private runtime dir."""
        return _base_env(self.runtime_dir)

    def start(self):
        if self.runtime_dir is None:
            self.runtime_dir = tempfile.mkdtemp(prefix="fenceway-xdg-")
        os.chmod(self.runtime_dir, 0o700)
        env = compositor_env(self.runtime_dir, self.extra_env,
                             self.leak_check)
        argv = [self.binary]
        if self.headless:
            argv.append("--headless")
        if not self.auto_socket:
            argv += ["--socket", self.socket]
        argv += self.args
        self.log_path = os.path.join(self.runtime_dir, "fenceway.log")
        self._log_file = open(self.log_path, "wb")
        self.argv = argv
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log_file,
                                     stderr=subprocess.STDOUT,
                                     preexec_fn=self.preexec)
        # Ready = the log says we listen and the socket exists (the socket
        # is opened last, after every global and the output).
        listening = self.wait_for(
            lambda: re.search(r"listening on WAYLAND_DISPLAY=(\S+)",
                              self.log()), "the compositor socket")
        self.socket = listening.group(1)
        self.wait_for(lambda: os.path.exists(self.socket_path),
                      "the socket file")

    @property
    def socket_path(self):
        return os.path.join(self.runtime_dir, self.socket)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=None):
        """Signal the compositor and return its exit status (negative: it
        died of a signal).  Stops clients first only if asked: the point
        of most tests is that the compositor copes with them."""
        if self.proc is None:
            raise RuntimeError("not started")
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout or self.timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("compositor did not exit after %s"
                                     % signal.Signals(sig).name)
        self.returncode = self.proc.returncode
        self._log_file.flush()
        return self.returncode

    def cleanup(self, failed=False):
        """Stop every process we started, then remove the runtime dir."""
        for p in self._clients:
            _terminate(p)
        if self.proc is not None and self.proc.poll() is None:
            _terminate(self.proc)
        if self.proc is not None and self.returncode is None:
            self.returncode = self.proc.returncode
        if self._log_file is not None:
            self._log_file.close()
        if failed and self.runtime_dir and os.path.exists(self.log_path):
            sys.stderr.write("---- fenceway log (%s) ----\n%s\n----\n"
                             % (" ".join(self.argv), self.log()))
        if self.runtime_dir:
            shutil.rmtree(self.runtime_dir, ignore_errors=True)

    # ---- the log ----

    def log(self):
        if self._log_file is not None and not self._log_file.closed:
            self._log_file.flush()
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def sanitizer_reports(self):
        return [line for line in self.log().splitlines()
                if SANITIZER_PATTERNS.search(line)]

    def assert_clean_exit(self, status):
        """Exit status 0 and no sanitizer report in the log."""
        reports = self.sanitizer_reports()
        if status != 0 or reports:
            raise AssertionError(
                "fenceway exit status %r, sanitizer reports: %r\n%s"
                % (status, reports, self.log()[-6000:]))

    def wait_for(self, predicate, what, timeout=None):
        """Poll predicate() until true; fail if the compositor dies or the
        limit passes (a limit for waiting, not a measured time)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            value = predicate()
            if value:
                return value
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError("compositor exited (%s) while waiting "
                                     "for %s\n%s" % (self.proc.returncode,
                                                     what, self.log()))
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for %s\n%s"
                                     % (what, self.log()[-6000:]))
            time.sleep(0.05)

    def wait_for_log(self, regex, count=1, timeout=None):
        """Wait until regex matches count times in the log; return the
        matches."""
        rx = re.compile(regex, re.M)

        def matches():
            found = list(rx.finditer(self.log()))
            return found if len(found) >= count else None
        return self.wait_for(matches, "%d x /%s/ in the log" % (count, regex),
                             timeout)

    def toplevels(self):
        """Toplevels the log reports as mapped, in order: dicts with id, x,
        y, width, height, app_id, title (window geometry, layout coords)."""
        out = []
        for m in TOPLEVEL_RE.finditer(self.log()):
            out.append({"id": int(m.group(1)), "x": int(m.group(2)),
                        "y": int(m.group(3)), "width": int(m.group(4)),
                        "height": int(m.group(5)), "app_id": m.group(6),
                        "title": m.group(7)})
        return out

    def wait_for_toplevels(self, count, timeout=None):
        return self.wait_for(
            lambda: self.toplevels() if len(self.toplevels()) >= count
            else None, "%d mapped toplevel(s)" % count, timeout)

    # ---- clients ----

    def client_env(self, extra=None):
        env = self.base_env()
        env["WAYLAND_DISPLAY"] = self.socket
        env.update(extra or {})
        return env

    def run_client(self, argv, timeout=None, env=None, check=True):
        """Run a client to completion; returns CompletedProcess (text)."""
        res = subprocess.run(argv, env=self.client_env(env),
                             stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=timeout or self.timeout)
        if check and res.returncode != 0:
            raise AssertionError("%s exited %d\nstdout: %s\nstderr: %s"
                                 % (argv, res.returncode, res.stdout,
                                    res.stderr))
        return res

    def spawn_client(self, argv, env=None, **kwargs):
        """Start a client in the background; it is stopped at cleanup.
        Output goes to files in the runtime dir unless given."""
        n = len(self._clients)
        out_path = os.path.join(self.runtime_dir, "client-%d.out" % n)
        out_file = None
        if "stdout" not in kwargs:
            out_file = open(out_path, "wb")
            kwargs["stdout"] = out_file
            kwargs.setdefault("stderr", subprocess.STDOUT)
        try:
            p = subprocess.Popen(argv, env=self.client_env(env),
                                 stdin=subprocess.DEVNULL, **kwargs)
        finally:
            if out_file is not None:
                out_file.close()   # the child has its own copy
        p.output_path = out_path
        self._clients.append(p)
        return p

    def client_output(self, proc):
        try:
            with open(proc.output_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (AttributeError, FileNotFoundError):
            return ""

    def wayland_globals(self, env=None):
        """Ask wayland-info (a real third-party client) what fenceway
        advertises: returns (its output, the set of interface names)."""
        out = self.run_client(["wayland-info"], env=env).stdout
        return out, set(re.findall(r"interface: '([^']+)'", out))

    def capture(self, path=None, output=None):
        """Grab a frame with grim (screencopy) and return it as an Image."""
        path = path or os.path.join(self.runtime_dir,
                                    "frame-%d.ppm" % next(_counter))
        argv = ["grim", "-t", "ppm"]
        if output:
            argv += ["-o", output]
        self.run_client(argv + [path])
        return read_ppm(path)


def _base_env(runtime_dir):
    env = dict(os.environ)
    for k in ("WAYLAND_DISPLAY", "WAYLAND_SOCKET", "DISPLAY"):
        env.pop(k, None)
    if runtime_dir is None:
        env.pop("XDG_RUNTIME_DIR", None)
    else:
        env["XDG_RUNTIME_DIR"] = runtime_dir
    return env


def compositor_env(runtime_dir, extra=None, leak_check=True):
    """The environment a compositor is started with (by Compositor, or by
    a test that runs fenceway itself, e.g. to see it fail at start-up):
    the caller's without any display, runtime_dir as XDG_RUNTIME_DIR (None:
    unset), pixman, no input devices, sanitizer options, then extra (a
    value of None removes that variable)."""
    env = _base_env(runtime_dir)
    _sanitizer_env(env, leak_check)
    env.setdefault("WLR_RENDERER", "pixman")
    env.setdefault("WLR_LIBINPUT_NO_DEVICES", "1")
    for k, v in (extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


SUPPRESSIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "..", "sanitizers", "lsan.supp")


def _sanitizer_env(env, leak_check=True):
    """For a compositor built with ASan/LSan (harmless otherwise): full
    malloc stacks, so that LSan suppressions can name the third-party
    function really responsible instead of matching a truncated stack
    (libwayland and wlroots are built without frame pointers), and the
    repository's suppression file when the caller did not give one."""
    asan = env.get("ASAN_OPTIONS", "")
    if "fast_unwind_on_malloc" not in asan:
        asan = (asan + ":" if asan else "") + "fast_unwind_on_malloc=0"
    if not leak_check:
        asan = (asan + ":" if asan else "") + "detect_leaks=0"
    if asan:
        env["ASAN_OPTIONS"] = asan
    lsan = env.get("LSAN_OPTIONS", "")
    if "suppressions=" not in lsan and os.path.exists(SUPPRESSIONS):
        env["LSAN_OPTIONS"] = (lsan + ":" if lsan else "") + \
            "suppressions=" + os.path.abspath(SUPPRESSIONS)


def _terminate(proc, grace=5.0):
    """SIGTERM, then SIGKILL after a grace period; always reaps."""
    if proc.poll() is None:
        try:
            proc.terminate()
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None and hasattr(stream, "close"):
            stream.close()
