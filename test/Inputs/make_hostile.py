"""Hostile checkpoints for the reliability tests (issue 8), standard library
only: every file is assembled byte by byte, so that each lie sits at a known
offset the tests can name.

  make_hostile.py OUTDIR CASE...     write OUTDIR/CASE.pt for each CASE
  make_hostile.py list               print every CASE
  make_hostile.py sweep TOOL FILE [--every | --boundaries] [ARGS...]
        cut FILE at every prefix length (--every, the default) or at every
        structural boundary of its container (--boundaries: tar header
        fields and block edges, every byte of the zip/legacy/pickle
        structures), run `TOOL CUT ARGS -o OUT` on each cut, and require exit
        1, an `error:` line naming the file and an offset, no OUT and nothing
        else left in OUT's directory. Prints one summary line.
  make_hostile.py limited [--as BYTES] [--cpu SECONDS] -- COMMAND...
        run COMMAND with RLIMIT_AS / RLIMIT_CPU (defaults: 1 GiB, 60 s);
        exits with its status (128+N when killed by signal N).
"""
import io
import os
import resource
import signal
import struct
import subprocess
import sys
import tarfile
import tempfile
import zlib

#===---------------------------------------------------------------------===#
# Pickle pieces (protocol 2)
#===---------------------------------------------------------------------===#

P2 = b"\x80\x02"


def pint(n):
    """A pickled int: BININT1 for small ones, LONG1 (any size) otherwise."""
    if 0 <= n < 256:
        return b"K" + bytes([n])
    if -2 ** 31 <= n < 2 ** 31:
        return b"J" + struct.pack("<i", n)
    nb = (n.bit_length() + 8) // 8
    return b"\x8a" + bytes([nb]) + n.to_bytes(nb, "little", signed=True)


def pstr(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def ptuple(items):
    return b"(" + b"".join(items) + b"t"


def pglobal(mod, name):
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def storage_pid(key, numel, cls="FloatStorage", legacy=True):
    """The persistent id of a storage, then BINPERSID."""
    fields = [pstr("storage"), pglobal("torch", cls), pstr(key), pstr("cpu"),
              pint(numel)]
    if legacy:
        fields.append(b"N")
    return ptuple(fields) + b"Q"


def rebuild_v2(storage, offset, sizes, strides):
    """torch._utils._rebuild_tensor_v2(storage, offset, sizes, strides,
    False, OrderedDict())."""
    return (pglobal("torch._utils", "_rebuild_tensor_v2") +
            ptuple([storage, pint(offset), ptuple(pint(s) for s in sizes),
                    ptuple(pint(s) for s in strides), b"\x89",
                    pglobal("collections", "OrderedDict") + b")R"]) + b"R")


def state_dict(items):
    """{key: value, ...} as a plain dict (EMPTY_DICT, MARK, SETITEMS)."""
    return b"}(" + b"".join(pstr(k) + v for k, v in items) + b"u"

#===---------------------------------------------------------------------===#
# Legacy stream
#===---------------------------------------------------------------------===#

MAGIC = P2 + b"\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e"
VERSION = P2 + b"\x4d\xe9\x03\x2e"
SYSINFO = P2 + b"}(" + pstr("protocol_version") + pint(1001) + \
    pstr("little_endian") + b"\x88" + b"u."


def legacy(obj_pickle, keys, records):
    key_list = P2 + b"](" + b"".join(pstr(k) for k in keys) + b"e."
    return MAGIC + VERSION + SYSINFO + obj_pickle + key_list + records


def record(numel, data):
    return struct.pack("<q", numel) + data


def small_legacy():
    obj = P2 + state_dict([("w", rebuild_v2(storage_pid("0", 3), 0, [3], [1])),
                           ("b", rebuild_v2(storage_pid("1", 2), 0, [2], [1]))
                           ]) + b"."
    return legacy(obj, ["0", "1"], record(3, struct.pack("<3f", 1, 2, 3)) +
                  record(2, struct.pack("<2f", 4, 5)))

#===---------------------------------------------------------------------===#
# Zip, written by hand so that every field can lie
#===---------------------------------------------------------------------===#


class Entry:
    def __init__(self, name, data, **kw):
        self.name = name.encode() if isinstance(name, str) else name
        self.data = data
        self.flags = kw.get("flags", 0)
        self.method = kw.get("method", 0)
        self.csize = kw.get("csize")
        self.usize = kw.get("usize")
        self.cd_extra = kw.get("cd_extra", b"")
        self.lh_name = kw.get("lh_name", self.name)
        self.header_offset = kw.get("header_offset")
        self.payload = kw.get("payload", data)  # bytes actually stored


def make_zip(entries, zip64=True, eocd=None, locator_offset=None,
             z64_fields=None, prefix=b""):
    """Local headers, central directory, (zip64 end record and locator), end
    record. eocd/z64_fields override fields of the end records."""
    out = bytearray(prefix)
    offsets = []
    for e in entries:
        offsets.append(len(out))
        crc = zlib.crc32(e.data)
        size = len(e.payload)
        out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, e.flags, e.method,
                           0, 0x21, crc, size, len(e.data),
                           len(e.lh_name), 0)
        out += e.lh_name + e.payload
    cd_off = len(out)
    for e, off in zip(entries, offsets):
        crc = zlib.crc32(e.data)
        csize = len(e.payload) if e.csize is None else e.csize
        usize = len(e.data) if e.usize is None else e.usize
        hoff = off if e.header_offset is None else e.header_offset
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 45, 20, e.flags,
                           e.method, 0, 0x21, crc, csize, usize, len(e.name),
                           len(e.cd_extra), 0, 0, 0, 0, hoff)
        out += e.name + e.cd_extra
    cd_size = len(out) - cd_off
    n = len(entries)
    f = dict(disk=0, cd_disk=0, disk_entries=n, entries=n, cd_size=cd_size,
             cd_off=cd_off)
    if zip64:
        z = dict(f)
        z.update(z64_fields or {})
        z64_off = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, z["disk"],
                           z["cd_disk"], z["disk_entries"], z["entries"],
                           z["cd_size"], z["cd_off"])
        out += struct.pack("<IIQI", 0x07064b50, 0,
                           z64_off if locator_offset is None
                           else locator_offset, 1)
    f.update(eocd or {})
    out += struct.pack("<IHHHHIIH", 0x06054b50, f["disk"], f["cd_disk"],
                       f["disk_entries"] & 0xffff, f["entries"] & 0xffff,
                       f["cd_size"] & 0xffffffff, f["cd_off"] & 0xffffffff, 0)
    return bytes(out)


def zip_pkl(obj):
    return P2 + obj + b"."


def tensor_zip(offset, sizes, strides, numel=4, **kw):
    """archive/data.pkl: {'t': tensor}; archive/data/0: numel floats."""
    pkl = zip_pkl(state_dict([("t", rebuild_v2(
        storage_pid("0", numel, legacy=False), offset, sizes, strides))]))
    return make_zip([Entry("archive/data.pkl", pkl),
                     Entry("archive/data/0", b"\0" * (4 * numel)),
                     Entry("archive/version", b"3\n")], **kw)


def small_zip():
    pkl = zip_pkl(state_dict([
        ("w", rebuild_v2(storage_pid("0", 3, legacy=False), 0, [3], [1])),
        ("b", rebuild_v2(storage_pid("1", 2, legacy=False), 0, [2], [1]))]))
    return make_zip([Entry("archive/data.pkl", pkl),
                     Entry("archive/data/0", struct.pack("<3f", 1, 2, 3)),
                     Entry("archive/data/1", struct.pack("<2f", 4, 5)),
                     Entry("archive/version", b"3\n")])

#===---------------------------------------------------------------------===#
# Tar (0.1.x torch.save)
#===---------------------------------------------------------------------===#


def make_tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def tar_storages(recs, views=b"]"):
    """pickle(N), N x (pickle((key, location, cls)) + count + data), views."""
    out = P2 + pint(len(recs)) + b"."
    for key, cls, count, data in recs:
        out += P2 + ptuple([pstr(key), pstr("cpu"), pglobal("torch", cls)]) \
            + b"." + struct.pack("<q", count) + data
    return out + P2 + views + b"."


def tar_tensors(tensors):
    """pickle(N), N x (pickle((key, storage_key, cls)) + ndim, sizes,
    strides, offset)."""
    out = P2 + pint(len(tensors)) + b"."
    for key, skey, ndim, sizes, strides, offset in tensors:
        out += P2 + ptuple([pstr(key), pstr(skey),
                            pglobal("torch", "FloatTensor")]) + b"."
        out += struct.pack("<ii", ndim, 0)
        out += b"".join(struct.pack("<q", s) for s in sizes)
        out += b"".join(struct.pack("<q", s) for s in strides)
        out += struct.pack("<q", offset)
    return out


def small_tar(storages=None, tensors=None):
    if storages is None:
        storages = tar_storages([("1", "FloatStorage", 3,
                                  struct.pack("<3f", 1, 2, 3))])
    if tensors is None:
        tensors = tar_tensors([("7", "1", 1, [3], [1], 0)])
    obj = P2 + b"}(" + pstr("w") + pstr("7") + b"Qu."
    return make_tar([("sys_info", SYSINFO), ("pickle", obj),
                     ("tensors", tensors), ("storages", storages)])

#===---------------------------------------------------------------------===#
# The cases
#===---------------------------------------------------------------------===#

DEPTH = 100000
CASES = {}


def case(fn):
    CASES[fn.__name__.replace("_", "-")] = fn
    return fn

# Small, valid fixtures (the sweeps cut them).


@case
def ok_legacy():
    return small_legacy()


@case
def ok_zip():
    return small_zip()


@case
def ok_tar():
    return small_tar()


@case
def ok_pickle():
    return P2 + state_dict([("a", b"](" + pint(1) + pint(2) + b"e"),
                            ("b", pstr("x") + b"q\x00"),
                            ("c", b"h\x00")]) + b"."

# A tensor REDUCE that the pickle then mutates (BUILD; SETITEMS): nothing
# torch writes, but a faithful reader keeps the call and its mutation.


@case
def tensor_then_build():
    obj = P2 + state_dict([
        ("w", rebuild_v2(storage_pid("0", 3), 0, [3], [1]) + b"}(" +
         pstr("x") + pint(1) + b"ub"),
        ("b", rebuild_v2(storage_pid("1", 2), 0, [2], [1]))]) + b"."
    return legacy(obj, ["0", "1"], record(3, struct.pack("<3f", 1, 2, 3)) +
                  record(2, struct.pack("<2f", 4, 5)))


@case
def tensor_then_setitems():
    obj = P2 + state_dict([
        ("b", rebuild_v2(storage_pid("1", 2), 0, [2], [1])),
        ("w", rebuild_v2(storage_pid("0", 3), 0, [3], [1]) + b"(" +
         pstr("k") + pint(2) + b"u")]) + b"."
    return legacy(obj, ["0", "1"], record(3, struct.pack("<3f", 1, 2, 3)) +
                  record(2, struct.pack("<2f", 4, 5)))

# Deep nesting, bottom-up (the machine's depth limit) and top-down (built by
# mutating containers already placed in their parents).


@case
def deep_dicts():
    return P2 + b"}" + b"K\x00}" * DEPTH + b"s" * DEPTH + b"."


def top_down(empty, link, depth=DEPTH, ring=False):
    # C0 put 0; then for each level: new C(i+1), put, add it to C(i) (on the
    # stack), pop C(i), get C(i+1). Finally (ring: add C0 to the last one)
    # pop and get C0.
    out = P2 + empty + b"r" + struct.pack("<I", 0)
    for i in range(depth):
        out += empty + b"r" + struct.pack("<I", i + 1) + link + b"0" + \
            b"j" + struct.pack("<I", i + 1)
    if ring:
        out += b"j" + struct.pack("<I", 0) + link
    return out + b"0j" + struct.pack("<I", 0) + b"."


@case
def deep_lists_top_down():
    return top_down(b"]", b"a")


@case
def deep_lists_top_down_4096():
    # At the limit: 4097 lists, 4096 levels below the root.
    return top_down(b"]", b"a", 4096)


@case
def deep_lists_top_down_4097():
    return top_down(b"]", b"a", 4097)


@case
def deep_lists_4096():
    # The same depth built bottom-up (the machine's own count).
    return P2 + b"]" * 4097 + b"a" * 4096 + b"."


@case
def deep_mixed_4096():
    # Lists, tuples and dicts in turn, 4096 levels, bottom-up.
    out, close = b"", b""
    for i in range(4096):
        kind = i % 3
        if kind == 0:
            out, close = out + b"]", b"a" + close
        elif kind == 1:
            out, close = out + b"(", b"t" + close
        else:
            out, close = out + b"}" + pstr("k"), b"s" + close
    return P2 + out + b"N" + close + b"."


@case
def cycle_ring():
    # 100,000 lists in one ring: L0 -> L1 -> ... -> L99999 -> L0.
    return top_down(b"]", b"a", ring=True)


@case
def deep_dicts_top_down():
    # Stack: C(i) C(i+1); SETITEM needs C(i) key value: put the key first.
    out = P2 + b"}r" + struct.pack("<I", 0)
    for i in range(DEPTH):
        out += b"K\x00}r" + struct.pack("<I", i + 1) + b"s0j" + \
            struct.pack("<I", i + 1)
    return out + b"0j" + struct.pack("<I", 0) + b"."


@case
def deep_objects_top_down():
    # BUILD a fresh object's state with the next object: o(i).__setstate__
    # (o(i+1)), each object made by REDUCE of a global.
    obj = pglobal("m", "C") + b")R"
    out = P2 + obj + b"r" + struct.pack("<I", 0)
    for i in range(DEPTH):
        out += obj + b"r" + struct.pack("<I", i + 1) + b"b0j" + \
            struct.pack("<I", i + 1)
    return out + b"0j" + struct.pack("<I", 0) + b"."

# Memo: exponential sharing, a huge index, cycles.


@case
def memo_bomb():
    # l0 = []; l(i+1) = [l(i), l(i)]: 2**200 paths, 201 nodes.
    out = P2 + b"]q\x00"
    for i in range(200):
        out += b"(h" + bytes([i % 256]) + b"h" + bytes([i % 256]) + b"l"
        out += b"q" + bytes([(i + 1) % 256])
    return out + b"."


@case
def memo_bomb_dicts():
    out = P2 + b"}q\x00"
    for i in range(200):
        out += b"}(" + pstr("a") + b"h" + bytes([i % 256]) + pstr("b") + \
            b"h" + bytes([i % 256]) + b"u" + b"q" + bytes([(i + 1) % 256])
    return out + b"."


@case
def memo_huge_index():
    return P2 + b"]r\xff\xff\xff\xffj\xff\xff\xff\xff" + b"a."


@case
def memo_huge_text_index():
    return P2 + b"]p18446744073709551616\n."


@case
def memo_get_huge_index():
    return P2 + b"]r\xff\xff\xff\xff0j\xfe\xff\xff\xff."


@case
def cycle_list():
    return P2 + b"]q\x00h\x00a."


@case
def cycle_dict():
    return P2 + b"}q\x00" + pstr("self") + b"h\x00s."


@case
def cycle_object():
    # o = C(); o.__setstate__({'me': o}); and o in its own args' list.
    return P2 + pglobal("m", "C") + b")Rq\x00}" + pstr("me") + b"h\x00sb."


@case
def cycle_mutual():
    # a = []; b = {'a': a}; a.append(b); root (a, b)
    return P2 + b"]q\x00}q\x01" + pstr("a") + b"h\x00sh\x00h\x01a" + \
        b"0h\x00h\x01\x86."

# Lengths that lie.


def long_len(op, n, fmt="<Q"):
    return P2 + op + struct.pack(fmt, n) + b"abc."


@case
def binunicode8_huge():
    return long_len(b"\x8d", 2 ** 63)


@case
def binunicode8_max():
    return long_len(b"\x8d", 2 ** 64 - 1)


@case
def binbytes8_huge():
    return long_len(b"\x8e", 2 ** 64 - 1)


@case
def bytearray8_huge():
    return P2[:1] + b"\x05" + b"\x96" + struct.pack("<Q", 2 ** 62) + b"abc."


@case
def binbytes_huge():
    return P2[:1] + b"\x03" + b"B" + struct.pack("<I", 0xffffffff) + b"abc."


@case
def binstring_negative():
    return P2 + b"T" + struct.pack("<i", -1) + b"abc."


@case
def long4_huge():
    return P2 + b"\x8b" + struct.pack("<i", 2 ** 31 - 1) + b"abc."


@case
def long4_negative():
    return P2 + b"\x8b" + struct.pack("<i", -2) + b"abc."


@case
def frame_huge():
    return b"\x80\x04\x95" + struct.pack("<Q", 2 ** 64 - 1) + b"N."


@case
def long_text_huge():
    # LONG with a million digits (decimal conversion is quadratic; Python
    # refuses more than 4300 digits).
    return P2 + b"L" + b"9" * 1000000 + b"L\n."


@case
def int_text_huge():
    return P2 + b"I-" + b"1" * 4301 + b"\n."


@case
def long_text_4300():
    return P2 + b"L" + b"9" * 4300 + b"L\n."


@case
def long4_big():
    # A 1 MB LONG4: a 8-million-bit integer.
    return P2 + b"\x8b" + struct.pack("<i", 1 << 20) + b"\x7f" * (1 << 20) + \
        b"."

# Bombs: inputs far smaller than what reading them naively takes (issue 18).


def deflate_repeating(head, unit, total):
    """Raw deflate of `head` followed by `unit` repeated up to `total` bytes,
    made in well under a second whatever `total` is: after a full flush
    deflate's output for the same input is the same bytes, so one flushed
    16 MiB segment is repeated, and an empty final block ends the stream."""
    seg_len = 16 << 20
    body = unit * (seg_len // len(unit))
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    out = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    seg = c.compress(body) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(body) + c.flush(zlib.Z_FULL_FLUSH)
    assert seg == again, "deflate's flushed segments differ"
    n = max(1, (total - len(head)) // len(body))
    return out + seg * n + b"\x03\x00", len(head) + n * len(body)


def deflated_pkl_zip(head, unit, total):
    """archive/data.pkl stored deflated: `head`, then `unit` repeated to
    `total` bytes. The CRC is that of `head` alone (-scan does not check it;
    torch would refuse the record after inflating all of it)."""
    raw, usize = deflate_repeating(head, unit, total)
    return make_zip([Entry("archive/data.pkl", head, method=8, payload=raw,
                           usize=usize),
                     Entry("archive/version", b"3\n")], zip64=False)


@case
def deflate_bomb():
    # A three-opcode pickle, then 1 GiB of zeros: about 1 MB on disk.
    return deflated_pkl_zip(P2 + b"}.", b"\0", 1 << 30)


@case
def deflate_bomb_endless():
    # NONE, POP for 1 GiB: a pickle that never reaches its STOP.
    return deflated_pkl_zip(P2, b"N0", 1 << 30)


@case
def dict_bomb():
    # 4 MiB of EMPTY_DICT: every byte an object (~120 bytes of heap each).
    return P2 + b"}" * (4 << 20) + b"."


@case
def dict_bomb_24m():
    # Past the default limit for its size (16 bytes a byte + 1 GiB).
    return P2 + b"}" * (24 << 20) + b"."


@case
def long4_64m():
    # A 64 MiB LONG4 (a 512-million-bit int): read, printed and written in
    # linear time and one copy.
    return P2 + b"\x8b" + struct.pack("<i", 64 << 20) + b"\x7f" * (64 << 20) + \
        b"."


@case
def long4_64m_negative():
    # The most negative int of its width: its magnitude needs one bit more.
    return P2 + b"\x8b" + struct.pack("<i", 64 << 20) + b"\x00" * \
        ((64 << 20) - 1) + b"\x80."


@case
def binunicode_64m():
    return P2 + b"X" + struct.pack("<I", 64 << 20) + b"\xc3\xa9" * (32 << 20) + \
        b"."


@case
def binunicode_huge():
    return long_len(b"X", 2 ** 32 - 1, "<I")


@case
def ext4_code():
    # EXT4 asks the copyreg extension registry, which torch never fills.
    return P2 + b"\x84" + struct.pack("<i", 2 ** 31 - 1) + b"."

@case
def global_name_bomb():
    # One 4 MiB module name in the memo, named by 256 STACK_GLOBALs, each of
    # which would copy it.
    name = b"m" * (4 << 20)
    out = P2[:1] + b"\x04" + b"\x8d" + struct.pack("<Q", len(name)) + name + \
        b"\x94" + b"\x8c\x01x\x94"
    for _ in range(256):
        out += b"h\x00h\x01\x93" + b"0"
    return out + b"N."

@case
def global_name_long():
    # A GLOBAL line of 1 MiB: read from the input once, shown in part.
    return P2 + b"c" + b"m" * (1 << 20) + b"\nx\n" + b"."

# Legacy storage records that lie.


def legacy_one(numel, rec_numel, data, cls="FloatStorage"):
    obj = P2 + storage_pid("k", numel, cls) + b"."
    return legacy(obj, ["k"], record(rec_numel, data))


@case
def legacy_numel_overflow():
    # 2**62 doubles: 2**65 bytes, overflows a 64-bit byte count.
    return legacy_one(2 ** 62, 2 ** 62, b"\0" * 8, "DoubleStorage")


@case
def legacy_numel_int64_max():
    return legacy_one(2 ** 63 - 1, 2 ** 63 - 1, b"\0" * 8, "DoubleStorage")


@case
def legacy_numel_past_file():
    return legacy_one(2 ** 40, 2 ** 40, b"\0" * 8)


@case
def legacy_record_count_negative():
    return legacy_one(2, -1, b"\0" * 8)


@case
def legacy_view_past_root():
    pid = ptuple([pstr("storage"), pglobal("torch", "FloatStorage"),
                  pstr("k"), pstr("cpu"), pint(4),
                  ptuple([pstr("v"), pint(3), pint(2 ** 63 - 1)])]) + b"Q"
    return legacy(P2 + pid + b".", ["k"], record(4, b"\0" * 16))

# Tensors that run past their storage (zip container, 4 floats).


@case
def tensor_size_past_storage():
    return tensor_zip(0, [5], [1])


@case
def tensor_offset_past_storage():
    return tensor_zip(4, [1], [1])


@case
def tensor_stride_past_storage():
    return tensor_zip(0, [2, 2], [3, 1])


@case
def tensor_negative_stride():
    return tensor_zip(3, [4], [-1])


@case
def tensor_negative_offset():
    return tensor_zip(-1, [1], [1])


@case
def tensor_negative_size():
    return tensor_zip(0, [-1], [1])


@case
def tensor_size_stride_overflow():
    # (2**62 + 1 - 1) * 4 == 2**64: wraps to 0 in 64 bits.
    return tensor_zip(0, [2 ** 62 + 1], [4])


@case
def tensor_extent_sum_overflow():
    # Two dimensions whose extents are each < 2**64 but sum past it.
    return tensor_zip(0, [3, 3], [2 ** 62, 2 ** 62])


@case
def tensor_offset_extent_overflow():
    return tensor_zip(2 ** 63 - 1, [2], [2 ** 63 - 1])


# Zip structures that lie.


def zip_records(pkl=None, extra=()):
    if pkl is None:
        pkl = zip_pkl(state_dict([("t", rebuild_v2(
            storage_pid("0", 1, legacy=False), 0, [1], [1]))]))
    return [Entry("archive/data.pkl", pkl),
            Entry("archive/data/0", b"\0\0\x80\x3f")] + list(extra) + \
        [Entry("archive/version", b"3\n")]


@case
def zip_ok():
    return make_zip(zip_records())


@case
def zip_encrypted():
    r = zip_records()
    r[1].flags = 1
    return make_zip(r)


@case
def zip_deflated():
    r = zip_records()
    r[0] = Entry("archive/data.pkl", r[0].data, method=8,
                 payload=zlib.compress(r[0].data)[2:-4])
    return make_zip(r)


@case
def zip_duplicate():
    return make_zip(zip_records(extra=[Entry("archive/data/0", b"again")]))


@case
def zip_outside_root():
    return make_zip(zip_records(extra=[Entry("../evil/data/1", b"x")]))


@case
def zip_absolute_name():
    return make_zip(zip_records(extra=[Entry("/archive/data/1", b"x")]))


@case
def zip_overlap():
    # data/1's local header and data lie inside data.pkl's data (after its
    # STOP): the central directory points into it.
    r = zip_records()
    pkl = r[0].data
    inner = Entry("archive/data/1", b"ZZZZ")
    hdr = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 0x21,
                      zlib.crc32(inner.data), 4, 4, len(inner.name), 0) + \
        inner.name + inner.data
    r[0] = Entry("archive/data.pkl", pkl + hdr)
    inner.header_offset = 30 + len(r[0].name) + len(pkl)
    inner.payload = b""  # its bytes are only inside data.pkl's
    inner.csize = 4
    return make_zip(r + [inner])


@case
def zip_size_ffffffff_no_zip64():
    r = zip_records()
    r[1].usize = r[1].csize = 0xffffffff
    return make_zip(r)


@case
def zip64_extra_size_huge():
    r = zip_records()
    r[1].usize = r[1].csize = 0xffffffff
    r[1].cd_extra = struct.pack("<HHQQ", 1, 16, 2 ** 64 - 1, 2 ** 64 - 1)
    return make_zip(r)


@case
def zip64_extra_offset_huge():
    r = zip_records()
    r[1].header_offset = 0xffffffff
    r[1].cd_extra = struct.pack("<HHQ", 1, 8, 2 ** 63)
    return make_zip(r)


@case
def zip64_locator_outside():
    return make_zip(zip_records(), locator_offset=2 ** 63)


@case
def zip64_locator_past_end():
    return make_zip(zip_records(), locator_offset=2 ** 64 - 1)


@case
def zip64_cd_offset_huge():
    return make_zip(zip_records(), z64_fields={"cd_off": 2 ** 64 - 16})


@case
def zip64_cd_size_huge():
    return make_zip(zip_records(), z64_fields={"cd_size": 2 ** 64 - 1})


@case
def zip64_entries_huge():
    return make_zip(zip_records(), z64_fields={"entries": 2 ** 63,
                                               "disk_entries": 2 ** 63})


@case
def zip_eocd_cd_size_lie():
    return make_zip(zip_records(), zip64=False, eocd={"cd_size": 0x7fffffff})


@case
def zip_eocd_entries_lie():
    return make_zip(zip_records(), zip64=False,
                    eocd={"entries": 0xfffe, "disk_entries": 0xfffe})


@case
def zip_eocd_saturated_no_zip64():
    return make_zip(zip_records(), zip64=False,
                    eocd={"cd_off": 0xffffffff})


@case
def zip_storage_size_lie():
    # data/0 holds 4 bytes; the pickle claims 2**40 floats.
    pkl = zip_pkl(state_dict([("t", rebuild_v2(
        storage_pid("0", 2 ** 40, legacy=False), 0, [1], [1]))]))
    return make_zip(zip_records(pkl))


@case
def zip_storage_numel_overflow():
    pkl = zip_pkl(state_dict([("t", rebuild_v2(
        storage_pid("0", 2 ** 62, "DoubleStorage", legacy=False), 0, [1],
        [1]))]))
    return make_zip(zip_records(pkl))


@case
def polyglot_legacy_zip():
    # A complete legacy stream followed by a complete zip archive: zipfile
    # finds the zip (its end record is at the end), torch.load reads the
    # legacy stream (it looks at the first bytes only), and so does
    # ckpt-migrate.
    return small_legacy() + small_zip()


@case
def polyglot_zip_legacy():
    # A zip whose first entry's data is a legacy stream: still a zip.
    return make_zip([Entry("archive/data.pkl", small_legacy())] +
                    zip_records()[1:])

# Tar sizes that lie.


def patch_tar_size(data, member_index, field):
    """Rewrites the size field of the member_index-th header (PAX headers
    included) with `field` (12 bytes) and fixes the checksum."""
    data = bytearray(data)
    off, idx = 0, -1
    while off < len(data):
        hdr = data[off:off + 512]
        if hdr == b"\0" * 512:
            break
        typ = hdr[156:157]
        size = int(hdr[124:136].strip(b"\0 ") or b"0", 8)
        if typ not in (b"x", b"g"):
            idx += 1
            if idx == member_index:
                data[off + 124:off + 136] = field
                data[off + 148:off + 156] = b" " * 8
                chk = sum(data[off:off + 512])
                data[off + 148:off + 156] = b"%06o\0 " % chk
                return bytes(data)
        off += 512 + (size + 511) // 512 * 512
    raise SystemExit("no such member")


@case
def tar_size_past_file():
    return patch_tar_size(small_tar(), 3, b"77777777777\0")


@case
def tar_size_base256_huge():
    return patch_tar_size(small_tar(), 3, b"\x80" + b"\x7f" + b"\xff" * 10)


@case
def tar_size_base256_negative():
    return patch_tar_size(small_tar(), 3, b"\xff" * 12)


@case
def tar_storage_count_overflow():
    # 2**62 doubles in a member of a few bytes.
    return small_tar(storages=tar_storages(
        [("1", "DoubleStorage", 2 ** 62, b"\0" * 8)]))


@case
def tar_storage_count_negative():
    return small_tar(storages=tar_storages(
        [("1", "FloatStorage", -1, b"\0" * 12)]))


@case
def tar_storage_n_huge():
    return small_tar(storages=P2 + pint(2 ** 62) + b".")


@case
def tar_tensor_rank_huge():
    return small_tar(tensors=tar_tensors([("7", "1", 2 ** 31 - 1, [], [], 0)]))


@case
def tar_tensor_past_storage():
    return small_tar(tensors=tar_tensors([("7", "1", 1, [4], [1], 0)]))


@case
def tar_tensor_overflow():
    return small_tar(tensors=tar_tensors(
        [("7", "1", 1, [2 ** 62 + 1], [4], 0)]))


@case
def tar_view_past_root():
    return small_tar(storages=tar_storages(
        [("1", "FloatStorage", 3, struct.pack("<3f", 1, 2, 3))],
        views=b"]" + ptuple([pstr("2"), pstr("1"), pint(2),
                             pint(2 ** 63 - 1)]) + b"a"))

#===---------------------------------------------------------------------===#
# Sweeps
#===---------------------------------------------------------------------===#



#===---------------------------------------------------------------------===#
# safetensors: an 8-byte little-endian header length, a JSON header, data
#===---------------------------------------------------------------------===#

def safetensors(header, data, length=None):
    """The file for header text (str or bytes) and data bytes; `length`
    overrides the header length field."""
    h = header.encode() if isinstance(header, str) else header
    n = len(h) if length is None else length
    return struct.pack("<Q", n) + h + data


ST_A = '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}'
ST_B = '"b":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}'
ST_DATA = struct.pack("<2f", 1.0, 2.0) + struct.pack("<q", 7)


@case
def ok_safetensors():
    return safetensors("{%s,%s}" % (ST_A, ST_B), ST_DATA)


@case
def st_length_past_file():
    return safetensors("{%s,%s}" % (ST_A, ST_B), ST_DATA, length=1 << 20)


@case
def st_length_over_limit():
    return safetensors("{%s,%s}" % (ST_A, ST_B), ST_DATA, length=100000001)


@case
def st_not_json():
    return safetensors('{"a":{"dtype":"F32",,}}', b"")


@case
def st_not_utf8():
    return safetensors(b'{"\xff":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}', b"")


@case
def st_unknown_dtype():
    return safetensors('{"a":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}}',
                       ST_DATA[:8])


@case
def st_size_mismatch():
    return safetensors('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}',
                       ST_DATA[:8])


@case
def st_overlap():
    return safetensors('{%s,"b":{"dtype":"I64","shape":[1],"data_offsets":[4,12]}}'
                       % ST_A, ST_DATA[:12])


@case
def st_hole():
    return safetensors('{%s,"b":{"dtype":"I64","shape":[1],"data_offsets":[12,20]}}'
                       % ST_A, ST_DATA + b"\0" * 4)


@case
def st_short_data():
    return safetensors("{%s,%s}" % (ST_A, ST_B), ST_DATA[:12])


@case
def st_trailing_data():
    return safetensors("{%s,%s}" % (ST_A, ST_B), ST_DATA + b"\0" * 8)


@case
def st_duplicate_name():
    return safetensors("{%s,%s}" % (ST_A, ST_A), ST_DATA[:8])


@case
def st_negative_dim():
    return safetensors('{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}',
                       ST_DATA[:8])


@case
def st_huge_shape():
    # 2^62 x 2^62 elements: the product overflows 64 bits.
    return safetensors('{"a":{"dtype":"F32","shape":[4611686018427387904,'
                       '4611686018427387904],"data_offsets":[0,8]}}', ST_DATA[:8])


@case
def st_offsets_reversed():
    return safetensors('{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}',
                       ST_DATA[:8])


@case
def st_metadata_not_string():
    return safetensors('{"__metadata__":{"k":1},%s}' % ST_A, ST_DATA[:8])


@case
def st_alias_past_storage():
    # ckpt-migrate's alias record naming a view past its tensor's bytes.
    meta = '[[\\"v\\",\\"a\\",1,[4],[1]]]'
    return safetensors('{"__metadata__":{"ckpt-migrate.aliases":"%s"},%s}'
                       % (meta, ST_A), ST_DATA[:8])


@case
def st_alias_unknown_tensor():
    meta = '[[\\"v\\",\\"zz\\",0,[1],[1]]]'
    return safetensors('{"__metadata__":{"ckpt-migrate.aliases":"%s"},%s}'
                       % (meta, ST_A), ST_DATA[:8])


@case
def st_array_header():
    return safetensors('[1,2]', b"")


def tar_boundaries(data):
    """Every header field edge and block edge of each header, and every byte
    of each member's data (the pickles and records inside)."""
    cuts = set()
    fields = [0, 100, 108, 116, 124, 136, 148, 156, 157, 257, 263, 265, 297,
              329, 337, 345, 500, 511]
    off = 0
    while off + 512 <= len(data):
        hdr = data[off:off + 512]
        if hdr == b"\0" * 512:
            cuts |= {off, off + 1, off + 511}
            off += 512
            continue
        for f in fields:
            cuts |= {off + f, off + f + 1}
        size = int(hdr[124:136].strip(b"\0 ") or b"0", 8)
        cuts |= set(range(off + 512, off + 512 + size + 1))
        end = off + 512 + (size + 511) // 512 * 512
        cuts |= {end - 1}
        off = end
    return {c for c in cuts if c < len(data)}


def sweep(tool, path, mode, args):
    data = open(path, "rb").read()
    n = len(data)
    if mode == "--boundaries" and data[257:262] == b"ustar":
        cuts = tar_boundaries(data)
        # A cut inside the trailing zero blocks leaves every member whole.
        with tarfile.open(path) as t:
            last = max(m.offset_data + m.size for m in t.getmembers())
        cuts = {c for c in cuts if c < last}
    else:
        cuts = set(range(n))
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        out_dir = os.path.join(d, "out")
        os.mkdir(out_dir)
        out = os.path.join(out_dir, "o.pt")
        cut_path = os.path.join(d, "cut.pt")
        for cut in sorted(cuts):
            with open(cut_path, "wb") as f:
                f.write(data[:cut])
            try:
                p = subprocess.run([tool, cut_path] + args + ["-o", out],
                                   stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, timeout=60)
                rc, err = p.returncode, p.stderr.decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                rc, err = "timeout", ""
            left = os.listdir(out_dir)
            problems = []
            if rc != 1:
                problems.append("exit %s" % rc)
            if "error: " + cut_path + ": offset " not in err:
                problems.append("no 'FILE: offset N:' error")
            if left:
                problems.append("left %s" % left)
                for name in left:
                    os.remove(os.path.join(out_dir, name))
            if problems:
                bad += 1
                if bad <= 20:
                    print("cut at %d: %s: %s" % (cut, ", ".join(problems),
                                                 err.strip()[:200]))
    print("%d cuts of %d bytes, %d not rejected cleanly" % (len(cuts), n, bad))
    return 1 if bad else 0


def limited(argv):
    mem, cpu = 1 << 30, 60
    i = 0
    while argv[i] != "--":
        if argv[i] == "--as":
            mem = int(argv[i + 1])
        elif argv[i] == "--cpu":
            cpu = int(argv[i + 1])
        else:
            raise SystemExit("limited: bad argument " + argv[i])
        i += 2

    # Under ASan (lit sets CKPT_SANITIZED) the runtime reserves terabytes of
    # shadow address space: no RLIMIT_AS there, and more CPU time.
    sanitized = os.environ.get("CKPT_SANITIZED") == "1"
    if sanitized:
        cpu *= 4

    def setup():
        if not sanitized:
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    rc = subprocess.run(argv[i + 1:], preexec_fn=setup).returncode
    return rc if rc >= 0 else 128 - rc


def main(argv):
    if len(argv) >= 2 and argv[1] == "list":
        print("\n".join(sorted(CASES)))
        return 0
    if len(argv) >= 4 and argv[1] == "sweep":
        mode = "--every"
        rest = argv[4:]
        if rest and rest[0] in ("--every", "--boundaries"):
            mode, rest = rest[0], rest[1:]
        return sweep(argv[2], argv[3], mode, rest)
    if len(argv) >= 3 and argv[1] == "limited":
        return limited(argv[2:])
    if len(argv) >= 3:
        for name in argv[2:]:
            if name not in CASES:
                raise SystemExit("unknown case %s; `list` names them" % name)
            with open(os.path.join(argv[1], name + ".pt"), "wb") as f:
                f.write(CASES[name]())
        return 0
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
