"""Makes hostile variants of a checkpoint and checks how ckpt-migrate fails.

  hostile.py sweep TOOL FILE [STEP]   truncate FILE at every STEP-th offset
                                      (and every offset of the first 64 and
                                      last 64 bytes); each must exit 1 with
                                      an `error:` line, never crash.
  hostile.py make KIND OUT            write one hand-made hostile pickle/file.
"""
import os
import subprocess
import sys
import tempfile


def run(tool, path):
    p = subprocess.run([tool, "-S", path, "-o", os.devnull],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=60)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def sweep(tool, path, step):
    data = open(path, "rb").read()
    n = len(data)
    import tarfile
    if tarfile.is_tarfile(path):
        # A tar cut inside its trailing zero blocks still holds every member
        # whole (Python's tarfile reads it too): only cuts inside the members
        # are truncations.
        with tarfile.open(path) as t:
            n = max(m.offset_data + m.size for m in t.getmembers())
    cuts = set(range(0, min(64, n))) | set(range(max(0, n - 64), n))
    cuts |= set(range(0, n, step))
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        for cut in sorted(cuts):
            t = os.path.join(d, "t.pt")
            with open(t, "wb") as f:
                f.write(data[:cut])
            rc, err = run(tool, t)
            if rc != 1 or "error:" not in err:
                print(f"cut at {cut}: exit {rc}: {err.strip()[:200]}")
                bad += 1
    print(f"{len(cuts)} truncations, {bad} not rejected cleanly")
    return 1 if bad else 0


MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e"
VERSION = b"\x80\x02\x4d\xe9\x03\x2e"
SYSINFO = b"\x80\x02}q\x00."


def legacy(main_pickle, keys_pickle, records):
    return MAGIC + VERSION + SYSINFO + main_pickle + keys_pickle + records


def storage_pid(key, numel):
    # ('storage', torch.FloatStorage, key, 'cpu', numel, None) BINPERSID
    k = key.encode()
    return (b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX" +
            len(k).to_bytes(4, "little") + k + b"X\x03\x00\x00\x00cpu" +
            b"J" + numel.to_bytes(4, "little", signed=True) + b"NtQ")


def keys(*ks):
    out = b"\x80\x02](" + b"".join(
        b"X" + len(k).to_bytes(4, "little") + k.encode() for k in ks) + b"e."
    return out


def make(kind, out):
    if kind == "bad-magic":
        data = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x18\x2e" + VERSION
    elif kind == "bad-version":
        data = MAGIC + b"\x80\x02\x4d\xea\x03\x2e" + SYSINFO
    elif kind == "wrong-count":
        # The record says 3 elements, the pickle 2.
        data = legacy(b"\x80\x02" + storage_pid("k", 2) + b".", keys("k"),
                      (3).to_bytes(8, "little") + b"\0" * 12)
    elif kind == "huge-count":
        data = legacy(b"\x80\x02" + storage_pid("k", 2 ** 31 - 1) + b".",
                      keys("k"), (2 ** 31 - 1).to_bytes(8, "little") + b"\0" * 8)
    elif kind == "negative-numel":
        data = legacy(b"\x80\x02" + storage_pid("k", -5) + b".", keys("k"), b"")
    elif kind == "unknown-key":
        data = legacy(b"\x80\x02" + storage_pid("k", 1) + b".", keys("zz"),
                      (1).to_bytes(8, "little") + b"\0" * 4)
    elif kind == "missing-record":
        data = legacy(b"\x80\x02" + storage_pid("k", 1) + b".", keys(), b"")
    elif kind == "memo-missing":
        data = b"\x80\x02]q\x00h\x05a."
    elif kind == "deep-nesting":
        # 100,000 nested lists built with EMPTY_LIST/APPEND.
        depth = 100000
        data = b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."
    elif kind == "deep-tuples":
        depth = 100000
        data = b"\x80\x02" + b"(" * depth + b"N" + b"t" * depth + b"."
    elif kind == "stack-underflow":
        data = b"\x80\x02a."
    elif kind == "no-stop":
        data = b"\x80\x02]q\x00"
    elif kind == "huge-string":
        data = b"\x80\x02X\xff\xff\xff\x7fabc."
    elif kind == "bad-opcode":
        data = b"\x80\x02\xff."
    elif kind == "broken-zip-cd":
        import zipfile, io
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
            z.writestr("archive/version", b"3\n")
        data = bytearray(buf.getvalue())
        cd = data.rfind(b"PK\x01\x02")
        data[cd:cd + 4] = b"XXXX"
        data = bytes(data)
    elif kind == "zip-no-datapkl":
        import zipfile, io
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("archive/version", b"3\n")
        data = buf.getvalue()
    elif kind == "zip-missing-storage":
        import zipfile, io
        buf = io.BytesIO()
        pkl = (b"\x80\x02(X\x07\x00\x00\x00storagectorch\nFloatStorage\n"
               b"X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQ.")
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("archive/data.pkl", pkl)
            z.writestr("archive/version", b"3\n")
        data = buf.getvalue()
    elif kind == "zip-short-storage":
        import zipfile, io
        buf = io.BytesIO()
        pkl = (b"\x80\x02(X\x07\x00\x00\x00storagectorch\nFloatStorage\n"
               b"X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQ.")
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("archive/data.pkl", pkl)
            z.writestr("archive/data/0", b"\0" * 7)
            z.writestr("archive/version", b"3\n")
        data = buf.getvalue()
    else:
        raise SystemExit("unknown kind " + kind)
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    if sys.argv[1] == "sweep":
        step = int(sys.argv[4]) if len(sys.argv) > 4 else 97
        sys.exit(sweep(sys.argv[2], sys.argv[3], step))
    make(sys.argv[2], sys.argv[3])
