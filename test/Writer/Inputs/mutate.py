#!/usr/bin/python3
"""Derive broken checkpoints from good ones, to show check_layout.py fails.

usage: mutate.py KIND IN OUT

zip KINDs (IN a zip; OUT is rebuilt with 64-byte aligned records unless the
KIND says otherwise, so that exactly one property is broken):
  rezip         rebuilt unchanged (aligned, same order): must still pass
  unaligned     records not padded to 64 bytes
  swap-data     the first two data/* records swapped
  version-first the version record right after data.pkl
  version2      version record "2\\n"
  stray         an extra data/999999 record no persistent id names
  short         the last byte of the first data/* record dropped
  two-roots     the version record under another root folder
legacy KINDs:
  truncate      the last byte dropped
  trailing      one byte appended
  count         the first storage's element count plus one
  unsorted      key list and records in reverse key order
"""
import io
import pickle
import struct
import sys
import zipfile
import zlib


def read_zip(path):
    z = zipfile.ZipFile(path)
    return [(i.filename, z.read(i)) for i in z.infolist()]


def write_zip(path, records, align=64):
    out = bytearray()
    central = []
    for name, data in records:
        nb = name.encode()
        off = len(out)
        pad = 0
        if align:
            start = off + 30 + len(nb) + 4
            pad = (align - start % align) % align
        extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad if align else b""
        crc = zlib.crc32(data) & 0xffffffff
        out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 33, crc,
                           len(data), len(data), len(nb), len(extra))
        out += nb + extra + data
        central.append((nb, off, crc, len(data)))
    cd = len(out)
    for nb, off, crc, size in central:
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 0, 0, 33, crc,
                           size, size, len(nb), 0, 0, 0, 0, 0, off)
        out += nb
    out += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(central), len(central),
                       len(out) - cd, cd, 0)
    with open(path, "wb") as f:
        f.write(out)


def mutate_zip(kind, src, dst):
    recs = read_zip(src)
    root = recs[0][0].split("/", 1)[0]
    names = [n.split("/", 1)[1] for n, _ in recs]
    data_idx = [i for i, n in enumerate(names) if n.startswith("data/")]
    align = 64
    if kind == "rezip":
        pass
    elif kind == "unaligned":
        align = 0
    elif kind == "swap-data":
        i, j = data_idx[0], data_idx[1]
        recs[i], recs[j] = recs[j], recs[i]
    elif kind == "version-first":
        v = names.index("version")
        rec = recs.pop(v)
        recs.insert(1, rec)
    elif kind == "version2":
        v = names.index("version")
        recs[v] = (recs[v][0], b"2\n")
    elif kind == "stray":
        recs.insert(data_idx[-1] + 1, (root + "/data/999999", b"\0" * 4))
    elif kind == "short":
        i = data_idx[0]
        recs[i] = (recs[i][0], recs[i][1][:-1])
    elif kind == "two-roots":
        v = names.index("version")
        recs[v] = ("other/version", recs[v][1])
    else:
        raise SystemExit("mutate.py: unknown zip kind %s" % kind)
    write_zip(dst, recs, align)


def split_legacy(raw):
    f = io.BytesIO(raw)
    for _ in range(3):
        pickle.Unpickler(f, encoding="latin1").load()
    head_end = f.tell()
    pickletools_skip(f)
    main_end = f.tell()
    keys = pickle.Unpickler(f, encoding="latin1").load()
    keys_end = f.tell()
    return raw[:head_end], raw[head_end:main_end], keys, raw[main_end:keys_end], raw[keys_end:]


def pickletools_skip(f):
    import pickletools
    for op, _arg, _pos in pickletools.genops(f):
        if op.name == "STOP":
            return


def mutate_legacy(kind, src, dst):
    with open(src, "rb") as f:
        raw = f.read()
    if kind == "truncate":
        out = raw[:-1]
    elif kind == "trailing":
        out = raw + b"\0"
    elif kind == "count":
        head, main, keys, keyblob, rest = split_legacy(raw)
        (n,) = struct.unpack("<q", rest[:8])
        out = head + main + keyblob + struct.pack("<q", n + 1) + rest[8:]
    elif kind == "unsorted":
        head, main, keys, keyblob, rest = split_legacy(raw)
        # element sizes are not known here: split the records by walking
        # the counts with the sizes implied by the remaining bytes is not
        # possible in general, so require equal-size elements: use the key
        # order only (records keep their bytes, in reverse order).
        import check_layout  # noqa: F401  (same directory)
        _sys, refs, klist, _p = check_layout.read_legacy(src)
        pieces = []
        pos = 0
        for k in klist:
            tname, _loc, numel = refs[k]
            n = 8 + numel * check_layout.ELEMENT_SIZE[tname]
            pieces.append(rest[pos:pos + n])
            pos += n
        newkeys = pickle.dumps(list(reversed(keys)), protocol=2)
        out = head + main + newkeys + b"".join(reversed(pieces))
    else:
        raise SystemExit("mutate.py: unknown legacy kind %s" % kind)
    with open(dst, "wb") as f:
        f.write(out)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: mutate.py KIND IN OUT\n")
        return 2
    kind, src, dst = argv
    with open(src, "rb") as f:
        is_zip = f.read(4) == b"PK\x03\x04"
    (mutate_zip if is_zip else mutate_legacy)(kind, src, dst)
    return 0


if __name__ == "__main__":
    import os
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main(sys.argv[1:]))
