"""torch 2.6 `torch.load` default (weights_only=True) emulation.

The opcode loop, allowlist and messages follow a public copy of
torch/_weights_only_unpickler.py of the 2.5/2.6 era (messages of the form
`add_safe_globals([name])`, DTensor/NJT special cases, no `builtins.complex`,
no uint1-7/int1-7 dtypes, no SETITEM target checks) and the 2.6
`_get_wo_message` text seen in user reports [S]:
  "Weights only load failed. ... In PyTorch 2.6, we changed the default value
   of the `weights_only` argument ... WeightsUnpickler error: Unsupported
   global: GLOBAL numpy.core.multiarray.scalar was not an allowed global by
   default. Please use `torch.serialization.add_safe_globals([scalar])` ..."
Supported opcodes are only those of protocol 2 that torch.save emits; a
protocol-4 FRAME is `Unsupported operand 149` (pytorch#118092; PR #118166 that
would add protocol 3-5 was closed) [S].
The bold ANSI escape (\\033[1m...\\033[0m) torch puts around "do those steps
only if you trust the source of the checkpoint" is left out.
"""
import _compat_pickle
import codecs
import collections
import re
from pickle import (APPEND, APPENDS, BINFLOAT, BINGET, BININT, BININT1, BININT2, BINPERSID,
                    BINPUT, BINUNICODE, BUILD, EMPTY_DICT, EMPTY_LIST, EMPTY_SET, EMPTY_TUPLE,
                    GLOBAL, LONG1, LONG_BINGET, LONG_BINPUT, MARK, NEWFALSE, NEWOBJ, NEWTRUE, NONE,
                    PROTO, REDUCE, SETITEM, SETITEMS, SHORT_BINSTRING, STOP, TUPLE, TUPLE1, TUPLE2,
                    TUPLE3, UnpicklingError, decode_long)
from struct import unpack
from sys import maxsize

from . import fakes
from . import rebuild_new
from . import state

UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
    "`torch.load` from `False` to `True`. "
    "Re-running `torch.load` with `weights_only` set to `False` will likely succeed, "
    "but it can result in arbitrary code execution. Do it only if you got the file from a "
    "trusted source."
)
DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default with "
    "weights_only https://pytorch.org/docs/stable/generated/torch.load.html."
)


def get_wo_message(message):
    has_unsafe_global = re.search(r"GLOBAL (\S+) was not an allowed global by default.",
                                  message) is not None
    has_blocklist = re.search(r"whose module (\S+) is blocked", message) is not None
    has_import = re.search(r"(\S+) must be (\S+) to load", message) is not None
    if has_unsafe_global:
        updated = (
            "Weights only load failed. This file can still be loaded, to do so you have two "
            "options, do those steps only if you trust the source of the checkpoint. "
            "\n\t(1) " + UNSAFE_MESSAGE + "\n\t(2) Alternatively, to load with "
            "`weights_only=True` please check the recommended steps in the following error "
            "message.\n\tWeightsUnpickler error: " + message)
    else:
        if has_import:
            return "Weights only load failed. %s\n %s\n" % (message, UNSAFE_MESSAGE)
        updated = "Weights only load failed. " + UNSAFE_MESSAGE + "\n"
        if not has_blocklist:
            updated += ("Please file an issue with the following so that we can make "
                        "`weights_only=True` compatible with your use case: WeightsUnpickler "
                        "error: ")
        updated += message
    return updated + DOCS_MESSAGE


_blocklisted_modules = ["sys", "os", "posix", "nt"]

_STORAGE_26 = [
    ("DoubleStorage", "float64"), ("FloatStorage", "float32"), ("HalfStorage", "float16"),
    ("LongStorage", "int64"), ("IntStorage", "int32"), ("ShortStorage", "int16"),
    ("CharStorage", "int8"), ("ByteStorage", "uint8"), ("BoolStorage", "bool"),
    ("BFloat16Storage", "bfloat16"), ("ComplexDoubleStorage", "complex128"),
    ("ComplexFloatStorage", "complex64"), ("QInt8Storage", "qint8"),
    ("QUInt8Storage", "quint8"), ("QInt32Storage", "qint32"),
    ("QUInt4x2Storage", "quint4x2"), ("QUInt2x4Storage", "quint2x4"),
]
# keys of _dtype_to_storage_type_map() and _new_dtypes() of 2.6 [V] STORAGE-cur
_DTYPES_26 = ["float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8",
              "bool", "bfloat16", "complex128", "complex64", "qint8", "qint32", "quint8",
              "quint4x2", "quint2x4",
              "float8_e5m2", "float8_e4m3fn", "float8_e5m2fnuz", "float8_e4m3fnuz",
              "bits8", "bits16", "bits1x8", "bits2x4", "bits4x2", "complex32",
              "uint16", "uint32", "uint64"]
_TENSOR_TYPES_26 = ["Double", "Float", "Half", "BFloat16", "Long", "Int", "Short", "Char",
                    "Byte", "Bool"]


def build_allowed():
    rc = {
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "torch.nn.parameter.Parameter": fakes.Parameter,
        "torch.serialization._get_layout": rebuild_new._get_layout,
        "torch.Size": fakes.Size,
        "torch.Tensor": fakes.Tensor,
        "torch.device": fakes.device,
        "_codecs.encode": codecs.encode,
        "builtins.bytearray": bytearray,
        "builtins.set": set,
    }
    for d in _DTYPES_26:
        rc["torch." + d] = fakes.DTYPES[d]
    for t in _TENSOR_TYPES_26:
        name = t + "Tensor"
        dt = {"Double": "float64", "Float": "float32", "Half": "float16",
              "BFloat16": "bfloat16", "Long": "int64", "Int": "int32", "Short": "int16",
              "Char": "int8", "Byte": "uint8", "Bool": "bool"}[t]
        for mod in ("torch", "torch.cuda"):
            rc[mod + "." + name] = fakes.LegacyTensorType(name, dt, module=mod)
        for mod in ("torch.sparse", "torch.cuda.sparse"):
            if t != "Bool":
                lt = fakes.LegacyTensorType(name, dt, module=mod)
                rc[mod + "." + name] = lt
    for name, dt in _STORAGE_26:
        rc["torch." + name] = fakes.FakeStorageClass(name, dt)
        rc["torch.cuda." + name] = fakes.FakeStorageClass(name, dt, module="torch.cuda")
    rc["torch.UntypedStorage"] = fakes.FakeStorageClass("UntypedStorage", "uint8")
    rc["torch.TypedStorage"] = fakes.FakeStorageClass("TypedStorage", "uint8")
    for q in ("per_tensor_affine", "per_tensor_symmetric", "per_channel_affine",
              "per_channel_symmetric", "per_channel_affine_float_qparams"):
        rc["torch." + q] = fakes.FakeQScheme(q)
    for f in rebuild_new.REBUILD_FUNCTIONS:
        rc["torch._utils." + f.__name__] = f
    rc["torch._tensor._rebuild_from_type_v2"] = rebuild_new._rebuild_from_type_v2
    return rc


_ALLOWED = None


def allowed():
    global _ALLOWED
    if _ALLOWED is None:
        _ALLOWED = build_allowed()
        _ALLOWED_VALUES[:] = list(_ALLOWED.values())
    return _ALLOWED


_ALLOWED_VALUES = []


def _in_values(obj):
    allowed()
    for v in _ALLOWED_VALUES:
        if v is obj:
            return True
    try:
        return obj in _ALLOWED_VALUES
    except Exception:
        return False


def _read_global_instruction(readline):
    module = readline()[:-1].decode("utf-8")
    name = readline()[:-1].decode("utf-8")
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    return module, name


class Unpickler:
    def __init__(self, file, *, encoding="bytes"):
        self.encoding = encoding
        self.readline = file.readline
        self.read = file.read
        self.memo = {}
        self.proto = -1

    def load(self):
        self.metastack = []
        self.stack = []
        self.append = self.stack.append
        read = self.read
        ctx = state.CTX
        al = allowed()
        while True:
            key = read(1)
            if not key:
                raise EOFError
            op = key[0]
            if op == GLOBAL[0]:
                module, name = _read_global_instruction(self.readline)
                full_path = "%s.%s" % (module, name)
                if module in _blocklisted_modules:
                    raise UnpicklingError(
                        "Trying to load unsupported GLOBAL %s whose module %s is blocked."
                        % (full_path, module))
                if full_path in al:
                    self.append(al[full_path])
                elif full_path in ("torch.nested._internal.nested_tensor.NestedTensor",
                                   "torch.nested._internal.nested_tensor._rebuild_njt",
                                   "torch._dynamo.decorators._DimRange"):
                    raise UnpicklingError(
                        "``torch.nested`` and ``torch._dynamo`` must be imported to load nested "
                        "jagged tensors (NJTs)")
                elif full_path in ("torch.distributed.device_mesh.DeviceMesh",
                                   "torch.distributed.tensor._dtensor_spec.DTensorSpec",
                                   "torch.distributed.tensor._dtensor_spec.TensorMeta",
                                   "torch.distributed.tensor.DTensor",
                                   "torch.distributed.tensor.placement_types.Partial",
                                   "torch.distributed.tensor.placement_types.Replicate",
                                   "torch.distributed.tensor.placement_types.Shard"):
                    raise UnpicklingError(
                        "``torch.distributed.tensor`` must be imported to load DTensors")
                else:
                    raise UnpicklingError(
                        "Unsupported global: GLOBAL %s was not an allowed global by default. "
                        "Please use `torch.serialization.add_safe_globals([%s])` or the "
                        "`torch.serialization.safe_globals([%s])` context manager to allowlist "
                        "this global if you trust this class/function." % (full_path, name, name))
            elif op == NEWOBJ[0]:
                args = self.stack.pop()
                cls = self.stack.pop()
                if cls is fakes.Parameter:
                    self.append(fakes.Parameter(*args))
                elif _in_values(cls):
                    self.append(cls.__new__(cls, *args))
                else:
                    raise UnpicklingError(
                        "Can only create new object for nn.Parameter or classes allowlisted "
                        "via `add_safe_globals` but got %s" % (cls,))
            elif op == REDUCE[0]:
                args = self.stack.pop()
                func = self.stack[-1]
                if not _in_values(func):
                    raise UnpicklingError(
                        "Trying to call reduce for unrecognized function %s" % (func,))
                self.stack[-1] = func(*args)
            elif op == BUILD[0]:
                st = self.stack.pop()
                inst = self.stack[-1]
                if type(inst) is fakes.Tensor:
                    # Legacy unpickling
                    inst.set_(*st)
                elif type(inst) is fakes.Parameter:
                    inst.__setstate__(st)
                elif type(inst) is collections.OrderedDict:
                    ctx.record_build(inst, st)
                    inst.__dict__.update(st)
                elif _in_values(type(inst)):
                    ctx.record_build(inst, st)
                    if hasattr(inst, "__setstate__"):
                        inst.__setstate__(st)
                    else:
                        slotstate = None
                        if isinstance(st, tuple) and len(st) == 2:
                            st, slotstate = st
                        if st:
                            inst.__dict__.update(st)
                        if slotstate:
                            for k, v in slotstate.items():
                                setattr(inst, k, v)
                else:
                    raise UnpicklingError(
                        "Can only build Tensor, Parameter, OrderedDict or types allowlisted "
                        "via `add_safe_globals`, but got %s" % (type(inst),))
            elif op == APPEND[0]:
                item = self.stack.pop()
                list_obj = self.stack[-1]
                if type(list_obj) is not list:
                    raise UnpicklingError("Can only append to lists, but got %s" % (type(list_obj),))
                list_obj.append(item)
            elif op == APPENDS[0]:
                items = self.pop_mark()
                list_obj = self.stack[-1]
                if type(list_obj) is not list:
                    raise UnpicklingError("Can only extend lists, but got %s" % (type(list_obj),))
                list_obj.extend(items)
            elif op == SETITEM[0]:
                (v, k) = (self.stack.pop(), self.stack.pop())
                self.stack[-1][k] = v
            elif op == SETITEMS[0]:
                items = self.pop_mark()
                for i in range(0, len(items), 2):
                    self.stack[-1][items[i]] = items[i + 1]
            elif op == MARK[0]:
                self.metastack.append(self.stack)
                self.stack = []
                self.append = self.stack.append
            elif op == TUPLE[0]:
                items = self.pop_mark()
                self.append(tuple(items))
            elif op == TUPLE1[0]:
                self.stack[-1] = (self.stack[-1],)
            elif op == TUPLE2[0]:
                self.stack[-2:] = [(self.stack[-2], self.stack[-1])]
            elif op == TUPLE3[0]:
                self.stack[-3:] = [(self.stack[-3], self.stack[-2], self.stack[-1])]
            elif op == NONE[0]:
                self.append(None)
            elif op == NEWFALSE[0]:
                self.append(False)
            elif op == NEWTRUE[0]:
                self.append(True)
            elif op == EMPTY_TUPLE[0]:
                self.append(())
            elif op == EMPTY_LIST[0]:
                self.append([])
            elif op == EMPTY_DICT[0]:
                self.append({})
            elif op == EMPTY_SET[0]:
                self.append(set())
            elif op == BININT[0]:
                self.append(unpack("<i", read(4))[0])
            elif op == BININT1[0]:
                self.append(self.read(1)[0])
            elif op == BININT2[0]:
                self.append(unpack("<H", read(2))[0])
            elif op == BINFLOAT[0]:
                self.append(unpack(">d", self.read(8))[0])
            elif op == BINUNICODE[0]:
                strlen = unpack("<I", read(4))[0]
                if strlen > maxsize:
                    raise UnpicklingError("String is too long")
                self.append(str(read(strlen), "utf-8", "surrogatepass"))
            elif op == SHORT_BINSTRING[0]:
                strlen = read(1)[0]
                strdata = read(strlen)
                if self.encoding != "bytes":
                    strdata = strdata.decode(self.encoding, "strict")
                self.append(strdata)
            elif op == BINPERSID[0]:
                pid = self.stack.pop()
                # (sic: 2.6 lets any non-int pid through this first check)
                if type(pid) is not tuple and not type(pid) is not int:
                    raise UnpicklingError(
                        "persistent_load id must be tuple or int, but got %s" % (type(pid),))
                if (type(pid) is tuple and len(pid) > 0
                        and _maybe_decode_ascii(pid[0]) != "storage"):
                    raise UnpicklingError(
                        "Only persistent_load of storage is allowed, but got %s" % (pid[0],))
                self.append(self.persistent_load(pid))
            elif op in (BINGET[0], LONG_BINGET[0]):
                idx = (read(1) if op == BINGET[0] else unpack("<I", read(4)))[0]
                self.append(self.memo[idx])
            elif op in (BINPUT[0], LONG_BINPUT[0]):
                i = (read(1) if op == BINPUT[0] else unpack("<I", read(4)))[0]
                if i < 0:
                    raise ValueError("negative argument")
                self.memo[i] = self.stack[-1]
            elif op == LONG1[0]:
                n = read(1)[0]
                data = read(n)
                self.append(decode_long(data))
            elif op == PROTO[0]:
                self.proto = read(1)[0]
                if self.proto != 2:
                    state.CTX.note(
                        "UserWarning: Detected pickle protocol %d in the checkpoint, which was not "
                        "the default pickle protocol used by `torch.load` (2). The weights_only "
                        "Unpickler might not support all instructions implemented by this "
                        "protocol, please file an issue for adding support if you encounter this."
                        % self.proto)
            elif op == STOP[0]:
                rc = self.stack.pop()
                return rc
            else:
                raise UnpicklingError("Unsupported operand %d" % op)

    def pop_mark(self):
        items = self.stack
        self.stack = self.metastack.pop()
        self.append = self.stack.append
        return items

    def persistent_load(self, pid):
        raise UnpicklingError("unsupported persistent id encountered")


def _maybe_decode_ascii(s):
    if isinstance(s, bytes):
        return s.decode("ascii")
    return s


def load(file, encoding="ASCII"):
    return Unpickler(file, encoding=encoding).load()
