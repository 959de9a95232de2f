#!/usr/bin/env python3
"""Writes the inputs of the test/Container lit tests, and prints the listing
Python's zipfile/tarfile see, for `ckpt-migrate -list-records` to match.

  archives.py make KIND OUT     write one input file (KIND: see MAKERS)
  archives.py expect-zip FILE   listing computed with zipfile
  archives.py expect-tar FILE   listing computed with tarfile

Only the `torch-*` kinds import torch.
"""
import gzip
import io
import pickle
import struct
import sys
import tarfile
import zipfile

STORED = zipfile.ZIP_STORED


def write(out, data):
    with open(out, "wb") as f:
        f.write(data)


def make_zip(out, entries, compression=STORED):
    """Writes a zip whose entries are (name, bytes[, compress_type])."""
    with zipfile.ZipFile(out, "w", compression=compression) as z:
        for entry in entries:
            name, data = entry[0], entry[1]
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = entry[2] if len(entry) > 2 else STORED
            z.writestr(info, data)


def hand_records(root):
    """The records of a small checkpoint, as a hand-made (unaligned) zip."""
    return [(root + "/data.pkl", pickle.dumps({"a": 1}, protocol=2)),
            (root + "/data/0", bytes(range(32))),
            (root + "/data/1", b"\x00" * 100),
            (root + "/version", b"3\n")]


def make_stored(out):
    make_zip(out, hand_records("hand"))


def make_deflated(out):
    entries = hand_records("hand")
    entries[0] = entries[0] + (zipfile.ZIP_DEFLATED,)
    make_zip(out, entries)


def make_duplicate(out):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name"
        make_zip(out, hand_records("hand") + [("hand/data/0", b"again")])


def make_outside_root(out):
    make_zip(out, hand_records("hand") + [("other/data/2", b"x")])


def make_no_subdir(out):
    make_zip(out, [("data.pkl", pickle.dumps({}, protocol=2)),
                   ("hand/version", b"3\n")])


def make_empty_zip(out):
    make_zip(out, [])


def make_truncated_zip(out):
    buf = io.BytesIO()
    make_zip(buf, hand_records("hand"))
    write(out, buf.getvalue()[:-10])


def make_tar(out):
    """A 0.1.x-style tar (PAX format, as torch wrote with tarfile), plus a
    member whose long name needs a pax `path` record."""
    kwargs = {"fileobj": out} if isinstance(out, io.BytesIO) else {"name": out}
    with tarfile.open(mode="w", format=tarfile.PAX_FORMAT, **kwargs) as t:
        for name, data in [("sys_info", pickle.dumps({"protocol_version": 1000},
                                                     protocol=2)),
                           ("pickle", pickle.dumps(1, protocol=2)),
                           ("tensors", pickle.dumps(0, protocol=2)),
                           ("storages", b"s" * 600),
                           ("long/" + "n" * 120, b"long name")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


def make_gnu_tar(out):
    with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
        for name, data in [("g" * 130, b"gnu long name"), ("short", b"x")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


def make_bad_checksum_tar(out):
    buf = io.BytesIO()
    make_tar(buf)
    data = bytearray(buf.getvalue())
    data[1] ^= 0x20  # "sys_info" -> "sYs_info", checksum left as it was
    write(out, bytes(data))


def make_empty(out):
    write(out, b"")


def make_lfs(out):
    write(out, b"version https://git-lfs.github.com/spec/v1\n"
               b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa"
               b"5e2ca24d17e2393\n"
               b"size 46970\n")


def make_html(out):
    write(out, b"\n  <!DOCTYPE html>\n<html><head><title>404 Not Found"
               b"</title></head></html>\n")


def make_gzip(out):
    buf = io.BytesIO()
    make_zip(buf, hand_records("hand"))
    write(out, gzip.compress(buf.getvalue()))


def make_preview(out):
    write(out, b"PYTORCH1" + struct.pack("<Q", 2) + b"\xef" * 48)


def make_text(out):
    write(out, b"model weights go here\n")


def make_pickle0(out):
    write(out, pickle.dumps({"a": [1, 2.5, "x"]}, protocol=0))


def make_pickle2(out):
    write(out, pickle.dumps({"a": [1, 2.5, "x"]}, protocol=2))


def make_script_like(out):
    """The layout torch.jit.save writes (data.pkl and the tensors stored, the
    code/ records deflated, constants.pkl, version), made without torch."""
    make_zip(out, [("ts/data.pkl", pickle.dumps({"a": 1}, protocol=2)),
                   ("ts/code/__torch__/torch/nn/modules/linear.py",
                    b"class Linear(Module):\n  __parameters__ = [\"weight\", ]\n" * 4,
                    zipfile.ZIP_DEFLATED),
                   ("ts/code/__torch__/torch/nn/modules/linear.py.debug_pkl",
                    pickle.dumps((0, ()), protocol=2), zipfile.ZIP_DEFLATED),
                   ("ts/constants.pkl", pickle.dumps((), protocol=2)),
                   ("ts/data/0", bytes(16)),
                   ("ts/version", b"3\n")])


def make_torch_zip(out):
    import torch
    torch.save({"w%d" % i: torch.arange(i + 1, dtype=torch.float32)
                for i in range(12)}, out)


def make_torch_buffer(out):
    import torch
    buf = io.BytesIO()
    torch.save({"w": torch.ones(3)}, buf)
    write(out, buf.getvalue())


def make_torch_legacy(out):
    import torch
    torch.save({"w": torch.ones(3)}, out, _use_new_zipfile_serialization=False)


def make_torch_jit(out):
    import torch
    torch.jit.save(torch.jit.trace(torch.nn.Linear(2, 2), torch.zeros(1, 2)),
                   out)


MAKERS = {name[len("make_"):].replace("_", "-"): fn
          for name, fn in list(globals().items()) if name.startswith("make_")
          and name not in ("make_zip",)}


def expect_zip(path):
    """The -list-records lines for `path`, from zipfile and the raw local
    headers (zipfile does not expose data offsets)."""
    raw = open(path, "rb").read()
    infos = zipfile.ZipFile(path).infolist()
    root = infos[0].filename.split("/", 1)[0]
    print("container: zip")
    print("root: " + root)
    for i in infos:
        h = i.header_offset
        name_len, extra_len = struct.unpack("<HH", raw[h + 26:h + 30])
        data = h + 30 + name_len + extra_len
        print("record %s offset %d size %d crc32 0x%08x align64 %s"
              % (i.filename[len(root) + 1:], data, i.file_size, i.CRC,
                 "yes" if data % 64 == 0 else "no"))


def expect_tar(path):
    print("container: tar")
    with tarfile.open(path) as t:
        for m in t.getmembers():
            if m.isreg():
                print("member %s offset %d size %d"
                      % (m.name, m.offset_data, m.size))


def main(argv):
    if len(argv) == 4 and argv[1] == "make" and argv[2] in MAKERS:
        MAKERS[argv[2]](argv[3])
    elif len(argv) == 3 and argv[1] == "expect-zip":
        expect_zip(argv[2])
    elif len(argv) == 3 and argv[1] == "expect-tar":
        expect_tar(argv[2])
    else:
        sys.exit("usage: archives.py make {%s} OUT | expect-zip FILE | "
                 "expect-tar FILE" % ",".join(sorted(MAKERS)))


if __name__ == "__main__":
    main(sys.argv)
