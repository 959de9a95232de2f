"""Writes hostile checkpoints for test/Scan: each hides a call to os.system
(or another code-running global) somewhere a scanner that reads only the
first pickle, only GLOBAL opcodes, or only data.pkl would miss it. Nothing
here is ever unpickled. Usage: make_malicious.py OUTDIR"""
import io
import os
import pickle
import sys
import zipfile

out = sys.argv[1]


def path(name):
    return os.path.join(out, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)


class System:
    """pickles as posix.system('true') (os.system's real module)."""

    def __reduce__(self):
        return (os.system, ("true",))


# 1. GLOBAL + REDUCE, protocol 2: \x80\x02 c posix\nsystem\n ...
write("global.pkl", pickle.dumps(System(), protocol=2))

# 2. STACK_GLOBAL whose module and name come from the memo: the strings are
# pushed, memoized, popped, and fetched back just before STACK_GLOBAL.
write("stack_global_memo.pkl",
      b"\x80\x04"                     # 0: PROTO 4
      b"\x8c\x02os\x94"               # 2: SHORT_BINUNICODE 'os', MEMOIZE (0)
      b"\x8c\x06system\x94"           # 7: SHORT_BINUNICODE 'system', MEMOIZE (1)
      b"00"                           # 16: POP POP
      b"h\x00h\x01"                   # 18: BINGET 0, BINGET 1
      b"\x93"                         # 22: STACK_GLOBAL -> os.system
      b"\x8c\x04true\x85R."           # 23: 'true', TUPLE1 (29), REDUCE (30), STOP
      )

# 3. INST (protocol 0): the class and the call in one opcode.
write("inst.pkl", b"(S'true'\nios\nsystem\n.")

# 4. builtins.getattr(builtins.__import__('os'), 'system')('true'): the
# dangerous callable is never named by a GLOBAL.
write("getattr_chain.pkl",
      b"\x80\x02"                     # 0
      b"cbuiltins\ngetattr\n"         # 2: GLOBAL builtins.getattr
      b"cbuiltins\n__import__\n"      # 20: GLOBAL builtins.__import__
      b"X\x02\x00\x00\x00os\x85R"     # 41: 'os', TUPLE1, REDUCE (49)
      b"X\x06\x00\x00\x00system\x86R" # 50: 'system', TUPLE2, REDUCE (62)
      b"X\x04\x00\x00\x00true\x85R."  # 63: 'true', TUPLE1, REDUCE (73), STOP
      )

# 5. builtins.eval of a string; protocol 2 names it __builtin__.eval.
write("eval.pkl", pickle.dumps(eval, protocol=2)[:-1] +
      b"X\x0d\x00\x00\x00print('boom')\x85R.")

# 6. A legacy stream whose fifth pickle (the storage keys torch.load reads
# after the object) calls posix.system; the first four are ordinary.
buf = io.BytesIO()
for x in (0x1950a86a20f9469cfc6c, 1001,
          dict(protocol_version=1001, little_endian=True,
               type_sizes=dict(short=2, int=4, long=4)), {"epoch": 3}):
    pickle.dump(x, buf, protocol=2)
keys_at = buf.tell()
pickle.dump(System(), buf, protocol=2)
write("legacy_5th.pt", buf.getvalue())
print("legacy_5th keys pickle at 0x%x" % keys_at)

# 7. A zip checkpoint whose data.pkl is clean and whose second record
# extra.pkl calls posix.system; and the same with extra.pkl deflated (torch's
# miniz reader inflates it; the strict zip reader refuses compressed records).
clean = pickle.dumps({"epoch": 3}, protocol=2)
for name, method in (("zip_second_pkl.pt", zipfile.ZIP_STORED),
                     ("zip_deflated_pkl.pt", zipfile.ZIP_DEFLATED)):
    with zipfile.ZipFile(path(name), "w") as z:
        z.writestr("archive/data.pkl", clean, compress_type=zipfile.ZIP_STORED)
        z.writestr("archive/extra.pkl", pickle.dumps(System(), protocol=2),
                   compress_type=method)
        z.writestr("archive/version", "3\n", compress_type=zipfile.ZIP_STORED)
    with zipfile.ZipFile(path(name)) as z:
        info = z.getinfo("archive/extra.pkl")
        print("%s extra.pkl header at 0x%x" % (name, info.header_offset))

# 8. Fail closed: a malicious GLOBAL, then bytes that are no pickle.
write("truncated.pkl", pickle.dumps(System(), protocol=2)[:20] + b"\xff\xff")

# 9. BUILD on a global: sets attributes of a class (no call at all).
write("build_global.pkl",
      b"\x80\x02ctorch.nn.modules.module\nModule\n"
      b"N}X\x04\x00\x00\x00evilK\x01s\x86b.")
