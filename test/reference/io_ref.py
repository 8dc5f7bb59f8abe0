"""Independent reference for depthkit's file readers and writers (test/io.test.ts).

  python3 test/reference/io_ref.py generate [DIR]   write the numpy-made fixtures + expected.json (default test/reference/io)
  python3 test/reference/io_ref.py check DIR        read files depthkit wrote in DIR, print their values as JSON

numpy writes the .npy/.npz files itself; PNG, PFM and .flo are written and read here with only zlib/struct/numpy,
straight from the format specs (no PIL or cv2 on this machine), so nothing is shared with the TypeScript code.
Values are chosen to hit the edges of each dtype (65535, -32768, 2**24 + 1, 1/3 that float32 must round).
"""
import json
import os
import struct
import sys
import zlib

import numpy as np

BASE = np.array([[0.0, 1.0, -2.5, 1.0 / 3.0], [1e-3, 80.0, 65535.0, -0.0], [3.25, 1e6 + 0.1, 7.0, 0.5]])


def values(dtype):
    """A 3x4 array of values that exercise the dtype's range."""
    kind = np.dtype(dtype).kind
    if kind == 'f':
        return BASE.astype(dtype)
    if kind == 'b':
        return (np.arange(12).reshape(3, 4) % 3 == 0)
    info = np.iinfo(dtype)
    edge = [info.min, info.max, 0, 1, 2, 255, 256, 1000]
    if np.dtype(dtype).itemsize == 4:
        edge[6] = 2**24 + 1  # not representable in float32: must round to 2**24
    return np.array(edge + list(range(3, 3 + 4)), dtype=np.int64).clip(info.min, info.max).astype(dtype).reshape(3, 4)


def expected(arr):
    """What a float32 reader in C order must return."""
    a = np.ascontiguousarray(arr).astype(np.float32)
    def num(v):  # JSON has no NaN/Infinity: spell them as JavaScript's String() does
        return float(v) if np.isfinite(v) else 'NaN' if np.isnan(v) else 'Infinity' if v > 0 else '-Infinity'
    return {'shape': list(arr.shape), 'values': [num(v) for v in a.ravel()]}


def png_encode(img, bit_depth):
    """Greyscale PNG, cycling filter types 0..4 by row so that a decoder must undo each of them."""
    h, w = img.shape
    bpp = bit_depth // 8
    rows = img.astype('>u2').tobytes() if bit_depth == 16 else img.astype('u1').tobytes()
    stride = w * bpp
    raw = bytearray()
    prev = bytearray(stride)
    for y in range(h):
        cur = rows[y * stride:(y + 1) * stride]
        ftype = y % 5
        out = bytearray(stride)
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 0:
                p = 0
            elif ftype == 1:
                p = a
            elif ftype == 2:
                p = b
            elif ftype == 3:
                p = (a + b) // 2
            else:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out[i] = (cur[i] - p) & 0xFF
        raw += bytes([ftype]) + out
        prev = bytearray(cur)

    def chunk(kind, body):
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body))

    ihdr = struct.pack('>IIBBBBB', w, h, bit_depth, 0, 0, 0, 0)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(bytes(raw))) + chunk(b'IEND', b'')


def png_decode(buf):
    assert buf[:8] == b'\x89PNG\r\n\x1a\n', 'bad PNG signature'
    p, idat = 8, b''
    while True:
        (n,) = struct.unpack('>I', buf[p:p + 4])
        kind, body = buf[p + 4:p + 8], buf[p + 8:p + 8 + n]
        assert struct.unpack('>I', buf[p + 8 + n:p + 12 + n])[0] == zlib.crc32(kind + body), 'bad CRC'
        if kind == b'IHDR':
            w, h, depth, colour, _, _, interlace = struct.unpack('>IIBBBBB', body)
            assert colour == 0 and interlace == 0
        elif kind == b'IDAT':
            idat += body
        elif kind == b'IEND':
            break
        p += 12 + n
    bpp = depth // 8
    stride = w * bpp
    raw = zlib.decompress(idat)
    prev = bytearray(stride)
    rows = bytearray()
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
        cur = bytearray(stride)
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 0:
                q = 0
            elif ftype == 1:
                q = a
            elif ftype == 2:
                q = b
            elif ftype == 3:
                q = (a + b) // 2
            else:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                q = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            cur[i] = (line[i] + q) & 0xFF
        rows += cur
        prev = cur
    return np.frombuffer(bytes(rows), dtype='>u2' if depth == 16 else 'u1').reshape(h, w)


def pfm_encode(img, little):
    h, w = img.shape[:2]
    magic = b'PF' if img.ndim == 3 else b'Pf'
    scale = b'-1.0' if little else b'1.0'
    data = np.flipud(img).astype('<f4' if little else '>f4').tobytes()
    return magic + b'\n' + f'{w} {h}'.encode() + b'\n' + scale + b'\n' + data


def pfm_decode(buf):
    magic, dims, scale, rest = buf.split(b'\n', 3)
    w, h = map(int, dims.split())
    ch = 3 if magic == b'PF' else 1
    arr = np.frombuffer(rest, dtype='<f4' if float(scale) < 0 else '>f4').reshape(h, w, ch)
    return np.flipud(arr)[..., 0] if ch == 1 else np.flipud(arr)


def flo_encode(u, v):
    h, w = u.shape
    return struct.pack('<fii', 202021.25, w, h) + np.stack([u, v], axis=-1).astype('<f4').tobytes()


def flo_decode(buf):
    magic, w, h = struct.unpack('<fii', buf[:12])
    assert magic == 202021.25
    uv = np.frombuffer(buf[12:], dtype='<f4').reshape(h, w, 2)
    return uv[..., 0], uv[..., 1]


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


def generate(out):
    os.makedirs(out, exist_ok=True)
    exp = {}
    for dtype in ['f4', 'f8', 'u1', 'u2', 'i2', 'i4', 'b1']:
        orders = ['<', '>'] if np.dtype(dtype).itemsize > 1 else ['|']
        for order in orders:
            arr = values(order + dtype if dtype != 'b1' else '?')
            name = f'{dtype}_{"le" if order == "<" else "be" if order == ">" else "na"}.npy'
            np.save(os.path.join(out, name), arr)
            exp[name] = expected(arr)
    # Fortran order in 2-D and 3-D, and the header versions 2.0 and 3.0.
    f2 = np.asfortranarray(values('<f4'))
    np.save(os.path.join(out, 'f4_fortran.npy'), f2)
    exp['f4_fortran.npy'] = expected(f2)
    f3 = np.asfortranarray(np.arange(24, dtype='>i2').reshape(2, 3, 4) - 7)
    np.save(os.path.join(out, 'i2_be_fortran3d.npy'), f3)
    exp['i2_be_fortran3d.npy'] = expected(f3)
    for version in [(2, 0), (3, 0)]:
        name = f'f4_v{version[0]}.npy'
        with open(os.path.join(out, name), 'wb') as f:
            np.lib.format.write_array(f, values('<f4'), version=version)
        exp[name] = expected(values('<f4'))
    for name, shape in [('hw1.npy', (3, 4, 1)), ('1hw.npy', (1, 3, 4)), ('thw.npy', (2, 3, 4))]:
        arr = np.arange(np.prod(shape), dtype='<f4').reshape(shape) / 8
        np.save(os.path.join(out, name), arr)
        exp[name] = expected(arr)
    # npz: a (T,H,W) stack read frame by frame, a mask, and a float64 member, stored and deflated.
    stack = (np.arange(3 * 4 * 5, dtype='<f4').reshape(3, 4, 5) * 0.5 + 1).astype('<f4')
    mask = values('?')
    other = values('>f8')
    np.savez(os.path.join(out, 'stored.npz'), depth=stack, mask=mask, other=other)
    np.savez_compressed(os.path.join(out, 'deflated.npz'), depth=stack, mask=mask, other=other)
    exp['npz'] = {'keys': ['depth', 'mask', 'other'], 'depth': expected(stack), 'mask': expected(mask), 'other': expected(other)}
    # PNG, PFM, flo written by this script (depthkit must read them).
    # 10 rows so every filter type appears twice; flat runs and steps make Paeth's tie-breaks matter.
    g16 = np.vstack([values('<u2'), np.repeat(values('<u2')[:, ::-1], 2, axis=0), (np.arange(16).reshape(4, 4) // 3) * 4097 % 65536, np.zeros((1, 4))]).astype('<u2')
    write(os.path.join(out, 'grey16.png'), png_encode(g16, 16))
    exp['grey16.png'] = expected(g16)
    # Small pseudo-random values: Paeth ties (pb == pc with b != c) happen often and must break towards b.
    g8 = np.random.default_rng(7).integers(0, 4, (10, 12)) * 3
    write(os.path.join(out, 'grey8.png'), png_encode(g8, 8))
    exp['grey8.png'] = expected(g8)
    pf = values('<f4').astype(np.float32)
    write(os.path.join(out, 'le.pfm'), pfm_encode(pf, True))
    write(os.path.join(out, 'be.pfm'), pfm_encode(pf, False))
    exp['le.pfm'] = exp['be.pfm'] = expected(pf)
    rgb = np.stack([pf, pf * 2, pf * 3], axis=-1).astype(np.float32)
    write(os.path.join(out, 'colour.pfm'), pfm_encode(rgb, True))
    exp['colour.pfm'] = expected(rgb)
    u = (np.arange(12, dtype=np.float32).reshape(3, 4) - 6) / 4
    v = -u * 3
    write(os.path.join(out, 'flow.flo'), flo_encode(u, v))
    exp['flow.flo'] = {'u': expected(u), 'v': expected(v)}
    with open(os.path.join(out, 'expected.json'), 'w') as f:
        json.dump(exp, f, separators=(',', ':'))


def check(folder):
    """Reads back every .npy/.png/.pfm/.flo depthkit wrote into folder."""
    res = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        with open(path, 'rb') as f:
            buf = f.read()
        if name.endswith('.npy'):
            arr = np.load(path)
            res[name] = dict(expected(arr), dtype=arr.dtype.str)
        elif name.endswith('.png'):
            res[name] = expected(png_decode(buf))
        elif name.endswith('.pfm'):
            res[name] = expected(pfm_decode(buf))
        elif name.endswith('.flo'):
            u, v = flo_decode(buf)
            res[name] = {'u': expected(u), 'v': expected(v)}
    json.dump(res, sys.stdout)


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == 'check':
        check(sys.argv[2])
    else:
        generate(sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), 'io'))
