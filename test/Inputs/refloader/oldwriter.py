"""Hand-build checkpoints in the style of old torch.save writers (for tests).

Mimics torch's legacy writer (formats.md 1.3: magic, 1001, sys_info, object
pickle with persistent ids, sorted key list, `int64 LE count + LE data`
records) and its zip writer (formats.md 1.4: `<archive>/data.pkl`,
`data/<key>`, `version`), with pickle protocol 2 and a persistent_id hook.
No torch import: globals are written by name through `G(module, name)`.

    from refloader import oldwriter as ow
    w = ow.tensor("float32", [1.0, 2.0, 3.0, 4.0], (2, 2))           # v2, 1.x style
    w3 = ow.tensor("float32", [1.0], (1,), style="v1")                # 0.3 _rebuild_tensor
    sd = collections.OrderedDict([("fc.weight", w)])
    ow.write_legacy("x.pt", sd)
    ow.write_zip("y.pt", sd, version=2)
"""
import collections
import io
import pickle
import struct
import zipfile

MAGIC_NUMBER = 0x1950a86a20f9469cfc6c
PROTOCOL_VERSION = 1001

_G_CACHE = {}

STORAGE_OF = {
    "float64": "DoubleStorage", "float32": "FloatStorage", "float16": "HalfStorage",
    "int64": "LongStorage", "int32": "IntStorage", "int16": "ShortStorage",
    "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
    "bfloat16": "BFloat16Storage",
}
NP_OF = {"float64": "<f8", "float32": "<f4", "float16": "<f2", "int64": "<i8",
         "int32": "<i4", "int16": "<i2", "int8": "i1", "uint8": "u1", "bool": "?"}
ITEMSIZE = {"float64": 8, "float32": 4, "float16": 2, "int64": 8, "int32": 4, "int16": 2,
            "int8": 1, "uint8": 1, "bool": 1, "bfloat16": 2}


class G:
    """A global written as GLOBAL 'module name' (never imported)."""

    def __new__(cls, module, name):
        key = (module, name)
        g = _G_CACHE.get(key)
        if g is None:
            g = object.__new__(cls)
            g.module = module
            g.name = name
            _G_CACHE[key] = g
        return g

    def __call__(self, *a):  # pickle wants REDUCE callables to be callable
        raise TypeError("G is a marker")

    def __repr__(self):
        return "G(%s.%s)" % (self.module, self.name)


class Reduce:
    """Any `func(*args)` REDUCE, optionally followed by BUILD `state`."""

    def __init__(self, func, args, state=None):
        self.func = func
        self.args = tuple(args)
        self.state = state

    def __reduce__(self):
        if self.state is None:
            return (self.func, self.args)
        return (self.func, self.args, self.state)


class Storage:
    _next = [140000000]

    def __init__(self, dtype, data, numel=None, key=None, location="cpu", cls_name=None,
                 pid_len=None):
        self.dtype = dtype
        self.data = bytes(data)
        self.numel = numel if numel is not None else len(self.data) // ITEMSIZE.get(dtype, 1)
        if key is None:
            Storage._next[0] += 64
            key = str(Storage._next[0])
        self.key = key
        self.location = location
        self.cls_name = cls_name or STORAGE_OF[dtype]
        self.count_header = None      # override the record's count header
        self.pid_len = pid_len        # force a 5- or 6-tuple persistent id

    @staticmethod
    def of(dtype, values, **kw):
        if dtype == "bfloat16":
            import numpy as np
            f = np.asarray(values, dtype="<f4").view("<u4")
            data = (f >> 16).astype("<u2").tobytes()
        else:
            import numpy as np
            data = np.asarray(values, dtype=NP_OF[dtype]).tobytes()
        return Storage(dtype, data, **kw)


def _contig(shape):
    st, acc = [], 1
    for d in reversed(shape):
        st.append(acc)
        acc *= max(d, 1)
    return tuple(reversed(st))


class Tensor:
    """style: 'v2' (0.4+/1.x: _rebuild_tensor_v2 with 6 args), 'v2meta' (7 args,
    2.x conj/neg metadata), 'v1' (0.1.11-0.3 _rebuild_tensor)."""

    def __init__(self, storage, offset, size, stride=None, requires_grad=False, style="v2",
                 hooks="od", metadata=None):
        self.storage = storage
        self.offset = offset
        self.size = tuple(size)
        self.stride = tuple(stride) if stride is not None else _contig(self.size)
        self.requires_grad = requires_grad
        self.style = style
        self.hooks = hooks
        self.metadata = metadata

    def __reduce__(self):
        hooks = collections.OrderedDict() if self.hooks == "od" else None
        if self.style == "v1":
            return (G("torch._utils", "_rebuild_tensor"),
                    (self.storage, self.offset, self.size, self.stride))
        args = (self.storage, self.offset, self.size, self.stride, self.requires_grad, hooks)
        if self.style == "v2meta":
            args = args + (self.metadata or {"conj": True},)
        return (G("torch._utils", "_rebuild_tensor_v2"), args)


class Param:
    """style: 'rebuild' (1.0+: _rebuild_parameter), 'reduce' (0.4.1:
    Parameter(data, requires_grad) REDUCE), 'tensor' (0.4.0: a plain tensor)."""

    def __init__(self, tensor, requires_grad=True, style="rebuild"):
        self.tensor = tensor
        self.requires_grad = requires_grad
        self.style = style

    def __reduce__(self):
        if self.style == "rebuild":
            return (G("torch._utils", "_rebuild_parameter"),
                    (self.tensor, self.requires_grad, collections.OrderedDict()))
        if self.style == "reduce":
            return (G("torch.nn.parameter", "Parameter"), (self.tensor, self.requires_grad))
        return self.tensor.__reduce__()


def tensor(dtype, values, shape=None, style="v2", requires_grad=False, hooks="od", **kw):
    """A contiguous tensor over a fresh storage (kw: Storage options)."""
    st = Storage.of(dtype, values, **kw)
    if shape is None:
        shape = (st.numel,)
    return Tensor(st, 0, shape, requires_grad=requires_grad, style=style, hooks=hooks)


class OldPickler(pickle._Pickler):
    def __init__(self, f, fmt, protocol=2):
        pickle._Pickler.__init__(self, f, protocol=protocol)
        self.fmt = fmt
        self.storages = collections.OrderedDict()

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, G):
            x = self.memo.get(id(obj))
            if x is not None:
                self.write(self.get(x[0]))
                return
            self.write(pickle.GLOBAL + ("%s\n%s\n" % (obj.module, obj.name)).encode("utf-8"))
            self.memoize(obj)
            return
        pickle._Pickler.save(self, obj, save_persistent_id)

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            self.storages.setdefault(obj.key, obj)
            n = obj.pid_len or (6 if self.fmt == "legacy" else 5)
            pid = ("storage", G("torch", obj.cls_name), obj.key, obj.location, obj.numel, None)
            return pid[:n]
        return None


def dumps_main(obj, fmt, protocol=2, pickler=None):
    buf = io.BytesIO()
    p = (pickler or OldPickler)(buf, fmt, protocol)
    p.dump(obj)
    return buf.getvalue(), p.storages


def write_legacy(path, obj, protocol=2, magic=MAGIC_NUMBER, proto_version=PROTOCOL_VERSION,
                 extra_keys=(), key_order=None, pickler=None):
    main, storages = dumps_main(obj, "legacy", protocol, pickler)
    keys = list(key_order) if key_order is not None else sorted(storages.keys())
    keys += list(extra_keys)
    with open(path, "wb") as f:
        pickle.dump(magic, f, protocol=2)
        pickle.dump(proto_version, f, protocol=2)
        pickle.dump({"protocol_version": PROTOCOL_VERSION, "little_endian": True,
                     "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
        f.write(main)
        pickle.dump(keys, f, protocol=2)
        for k in keys:
            st = storages.get(k)
            if st is None:
                continue
            count = st.numel if st.count_header is None else st.count_header
            f.write(struct.pack("<q", count))
            f.write(st.data)


def write_zip(path, obj, version=3, archive="archive", protocol=2, records=None,
              pickler=None):
    main, storages = dumps_main(obj, "zip", protocol, pickler)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(archive + "/data.pkl", main)
        for k in sorted(storages.keys()):
            z.writestr("%s/data/%s" % (archive, k), storages[k].data)
        for name, data in (records or {}).items():
            z.writestr("%s/%s" % (archive, name), data)
        if version is not None:
            z.writestr(archive + "/version", "%s\n" % version)


def write_raw(path, pickle_bytes):
    with open(path, "wb") as f:
        f.write(pickle_bytes)
