#!/usr/bin/env python3
"""Wire compatibility of protocol/linux-drm-syncobj-v1.xml.

No client in Debian 12 speaks linux-drm-syncobj-v1, so wire compatibility
with upstream rests on this file being exactly right: interface names and
versions, request order (= opcodes), argument types and error values, as
listed in EXPECTED below, copied from the upstream staging protocol.
Any drift fails here.
"""
import subprocess
import sys
import xml.etree.ElementTree as ET

EXPECTED = {
    "wp_linux_drm_syncobj_manager_v1": {
        "version": "1",
        "requests": [
            ("destroy", "destructor", []),
            ("get_surface", None, [("id", "new_id", "wp_linux_drm_syncobj_surface_v1"),
                                   ("surface", "object", "wl_surface")]),
            ("import_timeline", None, [("id", "new_id", "wp_linux_drm_syncobj_timeline_v1"),
                                       ("fd", "fd", None)]),
        ],
        "errors": {"surface_exists": 0, "invalid_timeline": 1},
    },
    "wp_linux_drm_syncobj_timeline_v1": {
        "version": "1",
        "requests": [("destroy", "destructor", [])],
        "errors": {},
    },
    "wp_linux_drm_syncobj_surface_v1": {
        "version": "1",
        "requests": [
            ("destroy", "destructor", []),
            ("set_acquire_point", None, [("timeline", "object", "wp_linux_drm_syncobj_timeline_v1"),
                                         ("point_hi", "uint", None), ("point_lo", "uint", None)]),
            ("set_release_point", None, [("timeline", "object", "wp_linux_drm_syncobj_timeline_v1"),
                                         ("point_hi", "uint", None), ("point_lo", "uint", None)]),
        ],
        "errors": {"no_surface": 1, "unsupported_buffer": 2, "no_buffer": 3,
                   "no_acquire_point": 4, "no_release_point": 5,
                   "conflicting_points": 6},
    },
}


def main():
    xml_path, scanner = sys.argv[1], sys.argv[2]
    root = ET.parse(xml_path).getroot()
    failures = []
    if root.get("name") != "linux_drm_syncobj_v1":
        failures.append(f"protocol name is {root.get('name')!r}")
    interfaces = {i.get("name"): i for i in root.findall("interface")}
    if list(interfaces) != list(EXPECTED):
        failures.append(f"interfaces {list(interfaces)} != {list(EXPECTED)}")
    for name, want in EXPECTED.items():
        iface = interfaces.get(name)
        if iface is None:
            continue
        if iface.get("version") != want["version"]:
            failures.append(f"{name}: version {iface.get('version')}")
        if iface.findall("event"):
            failures.append(f"{name}: has events; upstream has none")
        got_requests = []
        for r in iface.findall("request"):
            args = [(a.get("name"), a.get("type"), a.get("interface")) for a in r.findall("arg")]
            got_requests.append((r.get("name"), r.get("type"), args))
        if got_requests != want["requests"]:
            failures.append(f"{name}: requests {got_requests} != {want['requests']}")
        errors = {}
        for e in iface.findall("enum"):
            if e.get("name") == "error":
                errors = {x.get("name"): int(x.get("value"), 0) for x in e.findall("entry")}
        if errors != want["errors"]:
            failures.append(f"{name}: errors {errors} != {want['errors']}")
    # The scanner must accept it (strict validation is what upstream CI runs).
    for mode in ("server-header", "client-header", "private-code"):
        proc = subprocess.run([scanner, "--strict", mode, xml_path, "/dev/null"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            failures.append(f"wayland-scanner {mode}: {proc.stderr.strip()}")
    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print(f"ok: {len(EXPECTED)} interfaces match the upstream wire format")
    return 0


if __name__ == "__main__":
    sys.exit(main())
