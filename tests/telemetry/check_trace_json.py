#!/usr/bin/env python3
"""Reads back traces written by test-trace-json (compositor/trace_json).

A properly closed trace must be strict JSON; a trace cut short by SIGKILL
must parse once its last comma is dropped and "]" appended, hold exactly
the events flushed before the kill, and end on a complete line.

Usage: check_trace_json.py TEST_TRACE_JSON_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile

T0_US = 1000000123.456


def load_cut(path):
    with open(path, encoding='ascii') as f:
        text = f.read()
    assert text.endswith(',\n'), 'cut file does not end on a whole line'
    return json.loads(text.rstrip().rstrip(',') + ']')


def by_ph(events, ph):
    return [e for e in events if e['ph'] == ph]


def check_events(events):
    meta = {(e['pid'], e['tid'], e['name']): e['args'] for e in by_ph(events, 'M')}
    assert meta[(1234, 0, 'process_name')] == {'name': 'demo ? (1234)'}
    assert meta[(1234, 0, 'process_sort_index')] == {'sort_index': 1}
    assert meta[(1234, 1, 'thread_name')] == {'name': 'surface 1 "main"'}
    assert meta[(1234, 2, 'thread_sort_index')] == {'sort_index': 2}

    b, e = by_ph(events, 'b'), by_ph(events, 'e')
    assert len(b) == 2 and len(e) == 1
    assert (b[0]['cat'], b[0]['name'], b[0]['id']) == \
        (e[0]['cat'], e[0]['name'], e[0]['id']) == \
        ('commit', 'waiting for acquire', '0x7')
    assert b[0]['ts'] == T0_US and e[0]['ts'] == T0_US + 1.0
    assert b[0]['args'] == {'point': 42, 'timeline': 'tl "quoted"?\\'}
    assert b[1]['name'] == 'on screen' and b[1]['tid'] == 2

    (instant,) = [i for i in by_ph(events, 'i') if i['pid'] == 1234]
    assert instant['s'] == 't' and instant['ts'] == T0_US + 0.5

    (s,), (f,) = by_ph(events, 's'), by_ph(events, 'f')
    assert s['id'] == f['id'] == '0x7' and s['cat'] == f['cat'] == 'frame'
    assert f['bp'] == 'e' and s['tid'] == 1 and f['tid'] == 2

    (c,) = by_ph(events, 'C')
    assert c['name'] == 'held commits' and c['args'] == {'held': 3}


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix='fw-trace-json-') as tmp:
        full = os.path.join(tmp, 'full.json')
        subprocess.run([binary, 'full', full], check=True, timeout=30)
        with open(full, encoding='ascii') as f:
            events = json.load(f)
        check_events(events)
        assert events[-1]['name'] == 'trace end' and events[-1]['s'] == 'g'

        cut = os.path.join(tmp, 'cut.json')
        r = subprocess.run([binary, 'cut', cut], timeout=30)
        assert r.returncode == -9, r.returncode
        events = load_cut(cut)
        check_events(events)
        assert all(e['name'] not in ('lost', 'trace end') for e in events)
    print('ok')


if __name__ == '__main__':
    main()
