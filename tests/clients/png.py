"""Read the 8-bit, non-interlaced RGB/RGBA PNG files grim writes, as the
harness's Image (RGB, top row first) -- tools/demo.sh leaves a PNG for
people, and its tests look at the same file."""
import struct
import zlib

from fenceway import Image


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError("unsupported PNG: depth %d type %d interlace %d"
                                 % (depth, ctype, interlace))
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    rgb = bytearray()
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xff
            elif ftype == 2:
                line[i] = (line[i] + prev[i]) & 0xff
            elif ftype == 3:
                line[i] = (line[i] + ((a + prev[i]) >> 1)) & 0xff
            elif ftype == 4:
                line[i] = (line[i] + _paeth(a, prev[i], c)) & 0xff
        rgb += line if bpp == 3 else b"".join(line[i:i + 3] for i in range(0, stride, 4))
        prev = line
    return Image(width, height, bytes(rgb))
