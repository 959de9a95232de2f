#!/usr/bin/python3
"""Check the byte layout of a checkpoint ckpt-migrate wrote (no torch needed).

usage: check_layout.py FILE [--root NAME] [--like SRC] [--version TEXT]

zip FILE:
  * a valid zip: every record stored (method 0), local headers agree with the
    central directory (name, CRC, sizes), CRCs correct, local headers in
    central-directory order, each record's data starts right after its local
    header and (offset = header_offset + 30 + len(name) + len(local extra)) is
    a multiple of 64;
  * one root folder (--root: it must be NAME);
  * record order: data.pkl first, then the extra records that precede data/*,
    then data/<key> in keys-sorted-as-strings order, then version, then any
    .data/* records; `version` is "3\\n" (or --version TEXT);
  * data.pkl's persistent ids name exactly the data/* records, each record
    holding numel * element size bytes;
  * --like SRC (a zip): the record names (root stripped) are SRC's, in SRC's
    order, and every record other than data.pkl and data/* has SRC's bytes.
legacy FILE:
  * magic number 0x1950a86a20f9469cfc6c, protocol version 1001, a sys_info
    dict, the main pickle, the key list pickle, then for each key of the list,
    in order, an int64 LE element count followed by count * element size
    bytes, and nothing after the last record;
  * the key list is sorted as strings and names exactly the storages the main
    pickle's persistent ids name, and each count equals that storage's numel;
  * --like SRC (a legacy file): the same storage keys and an equal sys_info.

Prints one summary line; at the first violation prints `BAD FILE: reason`
(stdout and stderr) and exits 1.
"""
import collections
import io
import os
import pickle
import re
import struct
import sys
import zipfile
import zlib

ELEMENT_SIZE = {
    "DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2,
    "LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1,
    "ByteStorage": 1, "BoolStorage": 1, "ComplexFloatStorage": 8,
    "ComplexDoubleStorage": 16, "QInt8Storage": 1, "QUInt8Storage": 1,
    "QInt32Storage": 4, "QUInt4x2Storage": 1, "QUInt2x4Storage": 1,
}
LEGACY_MAGIC = 0x1950a86a20f9469cfc6c


class Bad(Exception):
    pass


def _brief(v, limit=120):
    if isinstance(v, tuple):
        s = "(" + ", ".join(_brief(x, 40) for x in v) + ")"
    elif isinstance(v, type):
        s = getattr(v, "_global", v.__name__)
    else:
        s = repr(v)
    return s if len(s) <= limit else s[:limit] + "..."


class _Any:
    """Stands for any global: accepts every construction and mutation."""

    def __init__(self, *a, **k):
        pass

    def __call__(self, *a, **k):
        return _Any()

    def __setstate__(self, state):
        pass

    def __setitem__(self, k, v):
        pass

    def append(self, v):
        pass

    def extend(self, v):
        pass


def _stub_global(module, name):
    cls = type(name, (_Any,), {"_global": "%s.%s" % (module, name)})
    cls.__new__ = lambda klass, *a, **k: object.__new__(klass)
    return cls


class ScanUnpickler(pickle._Unpickler):
    """Runs a pickle with every global stubbed; records persistent ids."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def load_newobj(self):
        self.stack.pop()   # args
        self.stack[-1] = _Any()

    def load_newobj_ex(self):
        self.stack.pop()   # kwargs
        self.stack.pop()   # args
        self.stack[-1] = _Any()

    dispatch[pickle.NEWOBJ[0]] = load_newobj
    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex

    def __init__(self, f):
        pickle._Unpickler.__init__(self, f, encoding="latin1")
        self.pids = []

    def find_class(self, module, name):
        if (module, name) in (("collections", "OrderedDict"), ("builtins", "dict"),
                              ("__builtin__", "dict")):
            return collections.OrderedDict
        return _stub_global(module, name)

    def persistent_load(self, pid):
        self.pids.append(pid)
        return _Any()


def storage_refs(pids, where, allowed):
    """key -> (storage type name, location, numel) from 'storage' pids.

    allowed: the persistent id types the container's loader accepts (torch
    1.13: zip 'storage' only; legacy 'storage' and 'module')."""
    refs = collections.OrderedDict()
    for pid in pids:
        typename = pid[0] if isinstance(pid, tuple) and pid else None
        if isinstance(typename, bytes):
            typename = typename.decode("latin1")
        if typename not in allowed:
            raise Bad("%s: persistent id of type %s (the loader accepts %s): %s"
                      % (where, _brief(typename), "/".join(allowed), _brief(pid)))
        if typename != "storage":
            continue
        if len(pid) < 5:
            raise Bad("%s: malformed storage persistent id %r" % (where, pid))
        stype, key, loc, numel = pid[1], pid[2], pid[3], pid[4]
        tname = getattr(stype, "_global", repr(stype)).split(".")[-1]
        if tname not in ELEMENT_SIZE:
            raise Bad("%s: unknown storage type %s" % (where, tname))
        if isinstance(key, bytes):
            key = key.decode("latin1")
        if isinstance(loc, bytes):
            loc = loc.decode("latin1")
        ent = (tname, loc, numel)
        if key in refs and refs[key] != ent:
            raise Bad("%s: storage %s named twice with different type/location/numel: %r, %r"
                      % (where, key, refs[key], ent))
        refs[key] = ent
    return refs


def locations(refs):
    c = collections.Counter(loc for _, loc, _ in refs.values())
    return ",".join("%s=%d" % kv for kv in sorted(c.items()))


# -- zip ----------------------------------------------------------------------

def zip_records(path):
    """[(name, data offset, data)] in central-directory order, checked."""
    with open(path, "rb") as f:
        raw = f.read()
    z = zipfile.ZipFile(io.BytesIO(raw))
    out = []
    last = -1
    for info in z.infolist():
        if info.compress_type != zipfile.ZIP_STORED:
            raise Bad("%s: compressed (method %d)" % (info.filename, info.compress_type))
        h = info.header_offset
        if h <= last:
            raise Bad("%s: local header at %d is not after the previous one (%d)" % (info.filename, h, last))
        last = h
        sig, _ver, flags, method, _t, _d, crc, csize, usize, nlen, elen = \
            struct.unpack("<IHHHHHIIIHH", raw[h:h + 30])
        if sig != 0x04034b50:
            raise Bad("%s: no local header at %d" % (info.filename, h))
        name = raw[h + 30:h + 30 + nlen].decode("utf-8")
        if name != info.filename:
            raise Bad("local header name %r != central %r" % (name, info.filename))
        if method != 0:
            raise Bad("%s: local header method %d" % (name, method))
        extra = raw[h + 30 + nlen:h + 30 + nlen + elen]
        if csize == 0xffffffff or usize == 0xffffffff:   # zip64 local extra
            i = 0
            while i + 4 <= len(extra):
                eid, esz = struct.unpack("<HH", extra[i:i + 4])
                if eid == 1:
                    usize, csize = struct.unpack("<QQ", extra[i + 4:i + 20])
                i += 4 + esz
        if flags & 8:   # sizes and CRC in a data descriptor (torch's miniz)
            usize, csize, crc = info.file_size, info.compress_size, info.CRC
        if usize != info.file_size or csize != info.compress_size or crc != info.CRC:
            raise Bad("%s: local header size/CRC differ from the central directory" % name)
        off = h + 30 + nlen + elen
        if off % 64:
            raise Bad("%s: data offset %d is not a multiple of 64" % (name, off))
        data = raw[off:off + info.file_size]
        if len(data) != info.file_size or zlib.crc32(data) & 0xffffffff != info.CRC:
            raise Bad("%s: bad CRC or truncated data" % name)
        out.append((name, off, data))
    return out


def split_root(records):
    roots = {n.split("/", 1)[0] for n, _, _ in records}
    if len(roots) != 1 or any("/" not in n for n, _, _ in records):
        raise Bad("not exactly one root folder: %s" % sorted(roots))
    root = roots.pop()
    return root, [(n.split("/", 1)[1], o, d) for n, o, d in records]


def check_zip(path, opts):
    root, recs = split_root(zip_records(path))
    if opts.get("root") is not None and root != opts["root"]:
        raise Bad("root folder %r, expected %r" % (root, opts["root"]))
    names = [n for n, _, _ in recs]
    if not names or names[0] != "data.pkl":
        raise Bad("first record is %r, not data.pkl" % (names[:1],))
    data_idx = [i for i, n in enumerate(names) if n.startswith("data/")]
    if data_idx and data_idx != list(range(data_idx[0], data_idx[-1] + 1)):
        raise Bad("data/* records are not contiguous: %s" % names)
    keys = [names[i][len("data/"):] for i in data_idx]
    if keys != sorted(keys):
        raise Bad("data/* records not in sorted key order: %s" % keys)
    if "version" not in names:
        raise Bad("no version record")
    vi = names.index("version")
    if data_idx and vi < data_idx[-1]:
        raise Bad("version record before data/*: %s" % names)
    for n in names[vi + 1:]:
        if not n.startswith(".data/"):
            raise Bad("record %r after version" % n)
    for n in names[1:(data_idx[0] if data_idx else vi)]:
        if n.startswith(".data/") or n == "version":
            raise Bad("record %r before data/*" % n)
    byname = {n: d for n, _, d in recs}
    if len(byname) != len(names):
        raise Bad("duplicate record names")
    want_version = opts.get("version", "3\n")
    if byname["version"] != want_version.encode():
        raise Bad("version record %r, expected %r" % (byname["version"], want_version))
    up = ScanUnpickler(io.BytesIO(byname["data.pkl"]))
    up.load()
    refs = storage_refs(up.pids, "data.pkl", ("storage",))
    if sorted(refs) != keys:
        raise Bad("data.pkl names storages %s, records are %s" % (sorted(refs), keys))
    for k, (tname, _loc, numel) in refs.items():
        size = len(byname["data/" + k])
        if size != numel * ELEMENT_SIZE[tname]:
            raise Bad("data/%s: %d bytes, expected %d x %s" % (k, size, numel, tname))
    like = opts.get("like")
    if like is not None:
        try:
            _, src = split_root(zip_records(like))
        except Bad as e:
            raise Bad("source %s: %s" % (like, e))
        src_names = [n for n, _, _ in src]
        if names != src_names:
            raise Bad("records %s, source has %s" % (names, src_names))
        for n, _, d in src:
            if n == ".data/serialization_id":
                # A hash of the records written, so new for a new file.
                if not re.fullmatch(rb"[0-9]{40}", byname[n]):
                    raise Bad("record %s: %r is not 40 digits" % (n, byname[n][:40]))
                continue
            if n != "data.pkl" and not n.startswith("data/") and byname[n] != d:
                raise Bad("record %s: %r, source has %r" % (n, byname[n][:40], d[:40]))
    extras = [n for n in names if n != "data.pkl" and not n.startswith("data/")]
    return "zip root=%s records=%d storages=%d locations=%s extra=%s" % (
        root, len(names), len(keys), locations(refs), ",".join(extras))


# -- legacy -------------------------------------------------------------------

def read_legacy(path):
    with open(path, "rb") as f:
        raw = f.read()
    f = io.BytesIO(raw)

    def plain_load(what):
        try:
            return pickle.Unpickler(f, encoding="latin1").load()
        except Exception as e:
            raise Bad("%s pickle at %d: %s: %s" % (what, f.tell(), type(e).__name__, e))

    magic = plain_load("magic")
    if magic != LEGACY_MAGIC:
        raise Bad("magic number %r" % (magic,))
    proto = plain_load("protocol version")
    if proto != 1001:
        raise Bad("protocol version %r" % (proto,))
    sysinfo = plain_load("sys_info")
    if not isinstance(sysinfo, dict):
        raise Bad("sys_info is %s" % type(sysinfo).__name__)
    start = f.tell()
    up = ScanUnpickler(f)
    try:
        up.load()
    except Exception as e:
        raise Bad("main pickle at %d: %s: %s" % (start, type(e).__name__, e))
    main_proto = raw[start + 1] if raw[start] == 0x80 else 0
    refs = storage_refs(up.pids, "main pickle", ("storage", "module"))
    key_list = plain_load("key list")
    if not isinstance(key_list, list):
        raise Bad("key list is %s" % type(key_list).__name__)
    key_list = [k.decode("latin1") if isinstance(k, bytes) else k for k in key_list]
    if key_list != sorted(key_list):
        raise Bad("key list not sorted: %s" % key_list)
    if len(set(key_list)) != len(key_list):
        raise Bad("key list has duplicates")
    if set(key_list) != set(refs):
        raise Bad("key list %s, main pickle names %s" % (key_list, sorted(refs)))
    for k in key_list:
        tname, _loc, numel = refs[k]
        head = f.read(8)
        if len(head) != 8:
            raise Bad("storage %s: truncated count" % k)
        (count,) = struct.unpack("<q", head)
        if count != numel:
            raise Bad("storage %s: count %d, numel %d" % (k, count, numel))
        n = count * ELEMENT_SIZE[tname]
        if len(f.read(n)) != n:
            raise Bad("storage %s: truncated data" % k)
    rest = len(raw) - f.tell()
    if rest:
        raise Bad("%d bytes after the last storage" % rest)
    return sysinfo, refs, key_list, main_proto


def check_legacy(path, opts):
    sysinfo, refs, keys, proto = read_legacy(path)
    like = opts.get("like")
    if like is not None:
        try:
            ssys, srefs, skeys, _ = read_legacy(like)
        except Bad as e:
            raise Bad("source %s: %s" % (like, e))
        if sysinfo != ssys:
            raise Bad("sys_info %r, source has %r" % (sysinfo, ssys))
        if keys != skeys:
            raise Bad("storage keys %s, source has %s" % (keys, skeys))
    return "legacy storages=%d locations=%s protocol=%d" % (len(keys), locations(refs), proto)


def main(argv):
    opts = {}
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--root", "--like", "--version") and i + 1 < len(argv):
            opts[a[2:]] = argv[i + 1]
            i += 2
            continue
        if a.startswith("--"):
            sys.stderr.write("check_layout.py: unknown option %s\n" % a)
            return 2
        files.append(a)
        i += 1
    if len(files) != 1:
        sys.stderr.write("usage: check_layout.py FILE [--root NAME] [--like SRC] [--version TEXT]\n")
        return 2
    path = files[0]
    if "version" in opts:
        opts["version"] = opts["version"].replace("\\n", "\n")
    try:
        with open(path, "rb") as f:
            head = f.read(4)
        if "like" in opts:
            with open(opts["like"], "rb") as f:
                if (f.read(4) == b"PK\x03\x04") != (head == b"PK\x03\x04"):
                    raise Bad("--like %s: not the same container kind" % opts["like"])
        if head == b"PK\x03\x04":
            line = check_zip(path, opts)
        else:
            line = check_legacy(path, opts)
    except Bad as e:
        sys.stdout.write("BAD %s: %s\n" % (path, e))
        sys.stdout.flush()
        sys.stderr.write("BAD %s: %s\n" % (path, e))
        return 1
    sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
