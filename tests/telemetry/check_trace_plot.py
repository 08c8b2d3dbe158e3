#!/usr/bin/env python3
"""tools/fenceway-trace-plot on a synthetic session written by
compositor/trace_json (test-trace-json plot): one lane per surface, a PNG
of the size its layout gives, also from a trace cut short.

Usage: check_trace_plot.py TEST_TRACE_JSON_BINARY PLOT_TOOL
"""
import os
import struct
import subprocess
import sys
import tempfile

SURFACES = ['demo (200): surface 1', 'demo (200): surface 2',
            'es-client (300): surface 3']
WIDTH = 900
# headline 56 + presents strip 28 + 28 per lane + axis 28
HEIGHT = 56 + 28 + 28 * len(SURFACES) + 28


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    assert head[:8] == b'\x89PNG\r\n\x1a\n' and head[12:16] == b'IHDR', head
    return struct.unpack('>II', head[16:24])


def check(tool, trace, png):
    lanes = subprocess.run([tool, trace, '--dump-lanes'], check=True,
                           capture_output=True, text=True,
                           timeout=60).stdout.splitlines()
    assert [l.split('\t')[2] for l in lanes] == SURFACES, lanes
    subprocess.run([tool, trace, png, '--width', str(WIDTH)], check=True,
                   timeout=60)
    assert png_size(png) == (WIDTH, HEIGHT), png_size(png)


def main():
    binary, tool = sys.argv[1:3]
    with tempfile.TemporaryDirectory(prefix='fw-trace-plot-') as tmp:
        trace = os.path.join(tmp, 'session.json')
        subprocess.run([binary, 'plot', trace], check=True, timeout=30)
        check(tool, trace, os.path.join(tmp, 'session.png'))
        # Cut short after the first two frames' lines.
        with open(trace) as f:
            lines = f.readlines()
        cut = os.path.join(tmp, 'cut.json')
        with open(cut, 'w') as f:
            f.writelines(lines[:60])
        check(tool, cut, os.path.join(tmp, 'cut.png'))
    print('ok')


if __name__ == '__main__':
    main()
