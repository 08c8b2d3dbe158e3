"""Start fenceway, cage, sway and weston headless with pixman, one at a time.

Each compositor gets a private XDG_RUNTIME_DIR (mode 0700) and cache and
home directories, and runs in a process group of its own, so that stopping
it ends exactly the processes this module started (cage's `sleep`, weston's
desktop shell).  sway and cage refuse to run as root: as root they run as
uid/gid 65534 through setpriv, in directories chowned to that uid; a root
client can still open their socket.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time

NOBODY = 65534
WIDTH, HEIGHT, REFRESH = 1280, 720, 60

WLR_ENV = {
    "WLR_BACKENDS": "headless",
    "WLR_RENDERER": "pixman",
    "WLR_LIBINPUT_NO_DEVICES": "1",
}


def parse_result(line):
    """The `result key=value ...` line the project's bench programs print
    (bench-client, bench-sync, syscall-cost): numbers as floats, the rest
    as strings."""
    out = {}
    for tok in line.split()[1:]:
        k, _, v = tok.partition("=")
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    return out


@contextlib.contextmanager
def one_cpu():
    """This process, and what it starts meanwhile, on one CPU: compositors
    measured side by side then meet the same machine state, and no
    wake-up between them crosses CPUs."""
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {max(cpus)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cpus)


class CannotStart(Exception):
    """The compositor is not installed or did not come up."""


class Compositor:
    """One running compositor: pid (the process measured), socket, env."""

    name = None
    drops_root = False       # refuses root: run as NOBODY

    def __init__(self, build_dir):
        self.build_dir = build_dir
        self.proc = None
        self.tmp = None
        self.log_path = None

    # -- to override --
    def argv(self):
        raise NotImplementedError

    def extra_env(self):
        return {}

    def available(self):
        """None if it can run here, else why not."""
        exe = self.argv()[0]
        if shutil.which(exe) is None and not os.access(exe, os.X_OK):
            return "%s is not installed" % exe
        return None

    # -- common --
    def start(self, timeout=20.0):
        why = self.available()
        if why:
            raise CannotStart(why)
        self.tmp = tempfile.mkdtemp(prefix="fw-peers-%s-" % self.name)
        self.runtime = os.path.join(self.tmp, "run")
        home = os.path.join(self.tmp, "home")
        for d in (self.runtime, home):
            os.mkdir(d, 0o700)
        uid = os.geteuid()
        as_nobody = self.drops_root and uid == 0
        if as_nobody:
            for d in (self.tmp, self.runtime, home):
                os.chown(d, NOBODY, NOBODY)
        self.prepare(home)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "XDG_RUNTIME_DIR": self.runtime,
            "XDG_CACHE_HOME": home,
            "XDG_CONFIG_HOME": home,
        }
        env.update(self.extra_env())
        argv = self.argv()
        if as_nobody:
            argv = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                    "--clear-groups"] + argv
        self.log_path = os.path.join(self.tmp, "log")
        with open(self.log_path, "wb") as log:
            # setpriv execs the compositor: the pid is the compositor's.
            self.proc = subprocess.Popen(argv, env=env, stdout=log,
                                         stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CannotStart("%s exited with status %d: %s" % (
                    self.name, self.proc.returncode, self.log_tail()))
            sock = self.find_socket()
            if sock:
                self.socket = sock
                return self
            time.sleep(0.05)
        raise CannotStart("%s: no Wayland socket within %.0f s: %s" % (
            self.name, timeout, self.log_tail()))

    def prepare(self, home):
        """Write config files into home before the start."""

    def find_socket(self):
        for entry in sorted(os.listdir(self.runtime)):
            if entry.startswith("wayland-") and not entry.endswith(".lock"):
                return entry
        return None

    @property
    def pid(self):
        return self.proc.pid

    def client_env(self):
        env = dict(os.environ)
        for k in ("DISPLAY", "WAYLAND_SOCKET"):
            env.pop(k, None)
        env["XDG_RUNTIME_DIR"] = self.runtime
        env["WAYLAND_DISPLAY"] = self.socket
        return env

    def log_tail(self, n=600):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode(errors="replace").strip()
        except OSError:
            return ""

    def stop(self):
        """End the compositor and everything in its process group."""
        if self.proc is not None:
            pgid = self.proc.pid      # start_new_session: group id = pid
            if self.proc.poll() is None:
                os.killpg(pgid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(pgid, signal.SIGKILL)
                    self.proc.wait()
            # What its children left behind (cage's sleep, weston's shell).
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Fenceway(Compositor):
    name = "fenceway"

    def argv(self):
        return [os.path.join(self.build_dir, "compositor", "fenceway"),
                "--headless", "--socket", "wayland-fw",
                "--output", "%dx%d@%d" % (WIDTH, HEIGHT, REFRESH)]

    def extra_env(self):
        return {"WLR_RENDERER": "pixman", "WLR_LIBINPUT_NO_DEVICES": "1"}


class Cage(Compositor):
    name = "cage"
    drops_root = True

    def argv(self):
        # The child keeps cage up while bench clients come and go.
        return ["cage", "--", "sleep", "infinity"]

    def available(self):
        if shutil.which("cage") and not shutil.which("Xwayland"):
            return "cage needs Xwayland (package xwayland)"
        return Compositor.available(self)

    def extra_env(self):
        return dict(WLR_ENV)


class Sway(Compositor):
    name = "sway"
    drops_root = True

    def prepare(self, home):
        self.config = os.path.join(home, "sway.conf")
        with open(self.config, "w") as f:
            f.write("output HEADLESS-1 mode %dx%d@%dHz\n"
                    "xwayland disable\n"
                    "default_border none\n"
                    "default_floating_border none\n" % (WIDTH, HEIGHT, REFRESH))
        if os.geteuid() == 0:
            os.chown(self.config, NOBODY, NOBODY)

    def argv(self):
        return ["sway", "-c", getattr(self, "config", "/dev/null")]

    def extra_env(self):
        return dict(WLR_ENV)


class Weston(Compositor):
    name = "weston"

    def prepare(self, home):
        # A 16 ms repaint window paces headless weston near 60 Hz (the
        # default 7 ms gives about 38 frames a second).
        self.config = os.path.join(home, "weston.ini")
        with open(self.config, "w") as f:
            f.write("[core]\nrepaint-window=16\n")

    def argv(self):
        return ["weston", "--backend=headless-backend.so", "--use-pixman",
                "--width=%d" % WIDTH, "--height=%d" % HEIGHT,
                "--socket=wayland-weston", "--idle-time=0",
                "--config=%s" % getattr(self, "config", "/dev/null")]


ALL = [Fenceway, Cage, Sway, Weston]
PEERS = ["cage", "sway", "weston"]
