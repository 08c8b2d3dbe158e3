#!/usr/bin/env python3
"""Reads back traces written by test-trace-json (compositor/trace_json);
check_lives() checks a compositor's trace for the other tests.

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


def check_lives(events, headless=True):
    """Every buffer commit of a compositor's trace has a complete life, in
    order: committed <= acquire signal seen <= applied (when it waited);
    then presented or discarded; a release after applied (on headless also
    after presented); a producer time, where known, <= the observed time.
    Flows start and finish, counters, output presents and renders are
    there.
    Returns {commit id: {"committed", "acquired", "applied", "released",
    "outcome"}} (times in microseconds) for further checks."""
    committed = {}
    for e in events:
        if e.get('ph') == 'i' and e.get('name') == 'commit':
            assert e['cat'] == 'commit' and 'seq' in e['args'], e
            if e['args']['buffer']:
                committed[e['args']['id']] = e
    assert committed, 'no buffer commit'
    spans = {}
    for e in events:
        if e.get('ph') in ('b', 'e') and e.get('cat') == 'commit':
            key = (int(e['id'], 16), e['ph'], e['name'])
            assert key not in spans, 'span event twice: %s' % (key,)
            spans[key] = e
    instants = {}
    for e in events:
        if e.get('ph') == 'i' and e.get('cat') in ('fence', 'release'):
            key = (e['args']['id'], e['name'])
            assert key not in instants, 'instant twice: %s' % (key,)
            instants[key] = e

    lives = {}
    for cid, c in committed.items():
        where = 'commit %d' % cid

        def span(ph, name):
            return spans.get((cid, ph, name))
        for name in ('waiting for acquire', 'applied', 'on screen',
                     'release pending'):
            b, e = span('b', name), span('e', name)
            assert (b is None) == (e is None), '%s: %s half open' % (
                where, name)
            if b is not None:
                assert (b['pid'], b['tid']) == (c['pid'], c['tid']), where
                assert c['ts'] <= b['ts'] <= e['ts'], (where, name)
        life = {'committed': c['ts']}
        waiting = span('e', 'waiting for acquire')
        acquire = instants.get((cid, 'acquire signalled'))
        if waiting is not None:
            assert acquire is not None, where + ': waited, no signal'
            assert c['ts'] <= acquire['ts'] <= waiting['ts'], where
            life['acquired'] = acquire['ts']
            args = acquire['args']
            if 'producer_ns' in args:
                assert 0 < args['producer_ns'] <= args['observed_ns'], where
                assert args['observed_ns'] <= acquire['ts'] * 1000 + 1, where
        applied = span('b', 'applied')
        released = instants.get((cid, 'released'))
        if applied is None:
            assert span('b', 'on screen') is None, where
            lives[cid] = life
            continue
        if waiting is not None:
            assert waiting['ts'] <= applied['ts'], where
        life['applied'] = applied['ts']
        outcome = span('e', 'applied')['args']['outcome']
        assert outcome in ('presented', 'discarded', 'retired'), where
        life['outcome'] = outcome
        if span('b', 'on screen') is not None:
            assert outcome == 'presented', where
        if released is not None:
            how = released['args']['how']
            assert how in ('timeline point', 'fenced_release',
                           'immediate_release', 'wl_buffer.release'), where
            life['released'] = released['ts']
            # wlroots may release a wl_shm buffer as it applies it.
            if how != 'wl_buffer.release':
                assert applied['ts'] <= released['ts'], where
                if headless and outcome == 'presented':
                    assert span('e', 'applied')['ts'] <= released['ts'], \
                        where
        lives[cid] = life

    # Flows: each arrow starts once and finishes once, forwards in time,
    # at an instant of the trace (the step it links).
    anchors = {(e['pid'], e['tid'], e['ts']) for e in events
               if e.get('ph') == 'i'}
    starts = {e['id']: e for e in events if e.get('ph') == 's'}
    finishes = {e['id']: e for e in events if e.get('ph') == 'f'}
    assert starts, 'no flows'
    assert len(starts) == len([e for e in events if e.get('ph') == 's'])
    for fid, f in finishes.items():
        s = starts.get(fid)
        assert s is not None, 'flow %s finishes without a start' % fid
        assert s['cat'] == f['cat'] and s['name'] == f['name'], fid
        assert s['ts'] <= f['ts'] and f['bp'] == 'e', fid
        for e in (s, f):
            assert (e['pid'], e['tid'], e['ts']) in anchors, e
    assert len(finishes) * 10 >= len(starts) * 9, 'flows left open'

    counters = {e['name'] for e in events if e.get('ph') == 'C'}
    assert {'held commits', 'pending releases'} <= counters, counters
    for e in events:
        if e.get('ph') == 'C':
            assert min(e['args'].values()) >= 0, e
    presents = [e for e in events if e.get('cat') == 'output'
                and e.get('ph') == 'i']
    assert presents, 'no output presents'
    tracks = {(e['pid'], e['tid']): e['args']['name'] for e in events
              if e.get('name') == 'thread_name'}
    for e in presents:
        assert {'output', 'commit_seq'} <= set(e['args']), e
        assert tracks[(e['pid'], e['tid'])] == 'output ' + e['args']['output']
    # The outputs' renders: spans on their tracks, one at a time.
    renders = {}
    for e in events:
        if e.get('cat') == 'output' and e.get('ph') in ('b', 'e'):
            assert e['name'] == 'render', e
            renders.setdefault(e['id'], []).append(e)
    assert renders, 'no output renders'
    last_end = 0
    for pair in sorted(renders.values(), key=lambda p: p[0]['ts']):
        assert [e['ph'] for e in pair] == ['b', 'e'], pair
        assert last_end <= pair[0]['ts'] <= pair[1]['ts'], pair
        last_end = pair[1]['ts']
    return lives


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
