"""The compositor's include graph points one way.

    test_includes.py COMPOSITOR_DIR

Reads the quoted #includes of every .c and .h in compositor/ (generated
protocol headers, which live elsewhere, are left out) and fails on:
  - any include cycle among compositor/'s headers (a header including a
    header that, directly or not, includes it back);
  - commit.c or commit.h including a protocol file's or presentation's
    header: subscribers depend on the tracker, never the other way;
  - one explicit-sync protocol file including the other's header.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# Headers that belong to a subscriber of the commit tracker.
SUBSCRIBER_HEADERS = {"presentation.h", "explicit_sync.h",
                      "explicit_sync_private.h", "linux_drm_syncobj_v1.h",
                      "linux_explicit_sync_v1.h"}
PROTOCOL_FILES = ("linux_drm_syncobj_v1", "linux_explicit_sync_v1")


def includes(directory):
    graph = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith((".c", ".h")):
            with open(os.path.join(directory, name)) as f:
                found = INCLUDE.findall(f.read())
            graph[name] = [h for h in found
                           if os.path.exists(os.path.join(directory, h))]
    return graph


def cycles(graph):
    """Every include cycle, each as a list of files."""
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in graph.get(node, []):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [node])
    return found


def problems(graph):
    out = ["include cycle: " + " -> ".join(c) for c in cycles(graph)]
    for name in ("commit.c", "commit.h"):
        for h in graph.get(name, []):
            if h in SUBSCRIBER_HEADERS:
                out.append("%s includes %s (a subscriber)" % (name, h))
    for mine, other in (PROTOCOL_FILES, PROTOCOL_FILES[::-1]):
        for h in graph.get(mine + ".c", []):
            if h.startswith(other):
                out.append("%s.c includes %s" % (mine, h))
    return out


def self_check():
    """The checks catch what they are meant to (on a made-up graph)."""
    bad = {"a.h": ["b.h"], "b.h": ["a.h"],
           "commit.c": ["presentation.h"],
           "linux_drm_syncobj_v1.c": ["linux_explicit_sync_v1.h"]}
    found = problems(bad)
    assert any(p.startswith("include cycle") for p in found), found
    assert any(p.startswith("commit.c includes") for p in found), found
    assert any(p.startswith("linux_drm_syncobj_v1.c") for p in found), found


def main():
    self_check()
    graph = includes(sys.argv[1])
    if "commit.c" not in graph:
        print("FAIL: no commit.c in %s" % sys.argv[1])
        return 1
    found = problems(graph)
    for p in found:
        print("FAIL: " + p)
    if found:
        return 1
    print("PASS: %d files, no cycle, dependencies one way" % len(graph))
    return 0


if __name__ == "__main__":
    sys.exit(main())
