"""Parse the summary the demo clients print (clients/README.md).

Lines look like
    frames: 60 presented: 59 discarded: 1 pending: 0
    acquire-to-present-ms: p50=7.9 p99=16.5 max=16.5 samples=59
    errors: 0 protocol: 0 fence: 0 early-presents: 0 other: 0
    protocol-error: interface=wl_surface id=3 code=2 message=...
parse() returns {line key: {field: value}} with the first field of a
"key: value key: value" line stored under "value" too, numbers as int or
float where they parse.
"""
import re

PAIR = re.compile(r"(\S+): (\S+)")
ASSIGN = re.compile(r"(\S+?)=(\S+)")


def _num(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse(text):
    out = {}
    for line in text.splitlines():
        key, sep, rest = line.partition(": ")
        if not sep or " " in key:
            continue
        if key == "protocol-error":
            fields = dict(ASSIGN.findall(rest.split(" message=")[0]))
            fields["message"] = rest.partition(" message=")[2]
            out[key] = fields
            continue
        fields = {}
        if "=" in rest.split(" ")[0]:
            fields = {k: _num(v) for k, v in ASSIGN.findall(rest)}
        else:
            pairs = PAIR.findall(line)
            fields = {k: _num(v) for k, v in pairs}
            fields["value"] = _num(rest.split(" ")[0])
        out[key] = fields
    return out


def check_accounting(test, summary, frames, output=""):
    """The rules the issue sets for a demo that ran N frames."""
    f = summary.get("frames")
    test.assertIsNotNone(f, "no 'frames:' line in:\n" + output)
    test.assertEqual(f["frames"], frames, output)
    test.assertEqual(f["presented"] + f["discarded"], frames,
                     "every frame is presented or discarded\n" + output)
    test.assertGreaterEqual(f["presented"] * 10, frames * 9,
                            "at least 90% presented\n" + output)
    test.assertEqual(summary["errors"]["errors"], 0, output)


def run_accounted(test, fw, argv, frames, env=None, timeout=120):
    """Run the demo argv (without --frames) for `frames` frames on fw: it
    must exit 0 and account for every frame (check_accounting).  Returns
    the parsed summary and the whole output, for the caller's checks."""
    res = fw.run_client(list(argv) + ["--frames", str(frames)], env=env,
                        check=False, timeout=timeout)
    out = res.stdout + res.stderr
    test.assertEqual(res.returncode, 0, out)
    summary = parse(res.stdout)
    check_accounting(test, summary, frames, out)
    return summary, out
