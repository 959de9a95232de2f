"""Lightweight stand-ins for the torch objects a checkpoint pickle builds.

No torch import: tensors are (dtype, shape, stride, offset, storage) records,
storages hold raw bytes. Class names/modules mimic torch so that error texts
which print a type (`<class 'torch.Tensor'>`) read as torch's would.
"""
import collections


class FakeDtype:
    __slots__ = ("name", "itemsize", "kind")

    def __init__(self, name, itemsize, kind):
        self.name = name
        self.itemsize = itemsize
        self.kind = kind   # f float, c complex, i int, u uint, b bool, q quantized, x bits

    @property
    def is_floating_point(self):
        return self.kind == "f"

    def __repr__(self):
        return "torch." + self.name


_DTYPE_INFO = [
    ("float64", 8, "f"), ("float32", 4, "f"), ("float16", 2, "f"), ("bfloat16", 2, "f"),
    ("int64", 8, "i"), ("int32", 4, "i"), ("int16", 2, "i"), ("int8", 1, "i"),
    ("uint8", 1, "u"), ("bool", 1, "b"),
    ("complex32", 4, "c"), ("complex64", 8, "c"), ("complex128", 16, "c"),
    ("qint8", 1, "q"), ("quint8", 1, "q"), ("qint32", 4, "q"),
    ("quint4x2", 1, "q"), ("quint2x4", 1, "q"),
    ("float8_e5m2", 1, "f"), ("float8_e4m3fn", 1, "f"),
    ("float8_e5m2fnuz", 1, "f"), ("float8_e4m3fnuz", 1, "f"),
    ("uint16", 2, "u"), ("uint32", 4, "u"), ("uint64", 8, "u"),
    ("bits8", 1, "x"), ("bits16", 2, "x"), ("bits1x8", 1, "x"),
    ("bits2x4", 1, "x"), ("bits4x2", 1, "x"),
]
for _x in range(1, 8):
    _DTYPE_INFO.append(("uint%d" % _x, 1, "u"))
    _DTYPE_INFO.append(("int%d" % _x, 1, "i"))

DTYPES = {n: FakeDtype(n, s, k) for (n, s, k) in _DTYPE_INFO}


class FakeLayout:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


class FakeQScheme:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


class device:
    """torch.device(type, index) / torch.device('cuda:0')."""

    def __init__(self, type, index=None):
        if not isinstance(type, str):
            raise TypeError("device(): argument 'type' must be str, not %s" % builtin_type_name(type))
        if ":" in type and index is None:
            type, idx = type.split(":", 1)
            index = int(idx)
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return "device(type='%s')" % self.type
        return "device(type='%s', index=%d)" % (self.type, self.index)


device.__module__ = "torch"


class Size(tuple):
    def __repr__(self):
        return "torch.Size([" + ", ".join(str(int(x)) for x in self) + "])"

    __str__ = __repr__


Size.__module__ = "torch"


def builtin_type_name(o):
    return type(o).__name__


class FakeStorageClass:
    """torch.<T>Storage (legacy typed class) or torch.UntypedStorage.

    Calling it (`data_type(size)`, as old persistent_load does) allocates an
    uninitialized storage of `size` elements."""

    def __init__(self, name, dtype, module="torch"):
        self.__name__ = name
        self.name = name
        self.module = module
        self.dtype = DTYPES[dtype]

    @property
    def _dtype(self):
        return self.dtype

    def __call__(self, size=0, *args):
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError("%s(): argument 'size' must be int, not %s"
                            % (self.name, type(size).__name__))
        return FakeStorage(self, size)

    @property
    def typename(self):
        return "%s.%s" % (self.module, self.name)

    def __repr__(self):
        return "<class '%s'>" % self.typename


class FakeStorage:
    """A storage: `numel` elements of `dtype`; raw bytes filled by the loader.

    A storage slice (legacy view_metadata) is a separate storage object whose
    bytes alias its base, as torch's storage slicing makes a new StorageImpl."""

    def __init__(self, cls, numel, base=None, elem_offset=0):
        self.cls = cls
        self.dtype = cls.dtype
        self.numel = numel
        self.base = base
        self.elem_offset = elem_offset
        self.location = "cpu"
        self.key = None
        self.data = None          # bytes once filled (root storages only)
        self.resizable = True

    @property
    def nbytes(self):
        return self.numel * self.dtype.itemsize

    def size(self):
        return self.numel

    def __len__(self):
        return self.numel

    def raw_bytes(self):
        if self.base is not None:
            off = self.elem_offset * self.dtype.itemsize
            return self.base.raw_bytes()[off:off + self.nbytes]
        if self.data is None:
            # never filled: torch would hold uninitialized memory here.
            return bytes(self.nbytes)
        if len(self.data) < self.nbytes:
            return bytes(self.data) + bytes(self.nbytes - len(self.data))
        return bytes(self.data[:self.nbytes])

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            start, stop, step = idx.indices(self.numel)
            if step != 1:
                raise RuntimeError("Trying to slice with a step of %d, but only a step of 1 is supported" % step)
            return FakeStorage(self.cls, max(stop - start, 0), base=self, elem_offset=start)
        raise TypeError("storage element access is not emulated")

    def resize_(self, n):
        if not self.resizable:
            raise RuntimeError("Trying to resize storage that is not resizable")
        self.numel = n
        return self

    def typename(self):
        if self.location.startswith("cuda"):
            return "torch.cuda." + self.cls.name
        return self.cls.typename

    def __repr__(self):
        return "<%s numel=%d key=%r>" % (self.cls.typename, self.numel, self.key)


def _contig_stride(shape):
    st = []
    acc = 1
    for d in reversed(shape):
        st.append(acc)
        acc *= max(int(d), 1)
    return tuple(reversed(st))


def extent(shape, stride, offset):
    """Elements a strided view needs from its storage (0 if it is empty)."""
    if any(int(d) == 0 for d in shape):
        return 0
    return offset + sum((int(d) - 1) * int(s) for d, s in zip(shape, stride)) + 1


class Tensor:
    """torch.Tensor stand-in (strided unless `layout` says otherwise)."""

    def __init__(self, dtype=None, storage=None):
        dtype = dtype or DTYPES["float32"]
        self.dtype = dtype
        if storage is None:
            storage = FakeStorage(FakeStorageClass("?Storage", dtype.name), 0)
        self.storage = storage
        self.offset = 0
        self.shape = (0,)
        self.stride = (1,)
        self.requires_grad = False
        self.backward_hooks = None
        self.layout = "strided"
        self.device_type = None     # set for meta tensors
        self.quantizer = None
        self.subclass = None        # name of a Tensor subclass (2.x)
        self.py_state = None
        self.note = None            # what could not be emulated

    # -- torch API used by pickles --------------------------------------
    def set_(self, storage, storage_offset=0, size=None, stride=None):
        if not isinstance(storage, FakeStorage):
            raise TypeError("set_(): argument 'source' must be Storage, not %s" % type(storage).__name__)
        if size is None:
            size = (storage.numel,)
        size = tuple(int(x) for x in size)
        stride = _contig_stride(size) if stride is None else tuple(int(x) for x in stride)
        self.storage = storage
        if storage.cls.name != "UntypedStorage":
            self.dtype = storage.dtype
        self.offset = int(storage_offset)
        self.shape = size
        self.stride = stride
        return self

    @property
    def is_leaf(self):
        return True

    def copy_from(self, other):
        self.dtype = other.dtype
        self.storage = other.storage
        self.offset = other.offset
        self.shape = other.shape
        self.stride = other.stride
        self.layout = other.layout
        self.quantizer = other.quantizer
        self.device_type = other.device_type

    @property
    def data(self):
        t = Tensor(self.dtype, self.storage)
        t.copy_from(self)
        return t

    @data.setter
    def data(self, other):
        if not isinstance(other, Tensor):
            raise TypeError("Variable data has to be a tensor, but got %s" % type(other).__name__)
        self.copy_from(other)

    def __setstate__(self, state):
        # Tensor.__setstate__ of 0.4 .. 2.x (and 0.3's Variable) [V] TENSOR-0.4
        if not self.is_leaf:
            raise RuntimeError("__setstate__ can be only called on leaf Tensors")
        if len(state) == 4:
            # legacy serialization of Tensor
            self.set_(*state)
            return
        elif len(state) == 5:
            # legacy serialization of Variable
            self.data = state[0]
            state = (state[3], state[4], state[2])
        self.requires_grad, _, self.backward_hooks = state

    def size(self):
        return Size(self.shape)

    def dim(self):
        return len(self.shape)

    def numel(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    def as_numpy(self):
        """A numpy view of the tensor's elements (standard dtypes only), for
        value comparisons in tests."""
        import numpy as np
        np_dtype = {"float64": "<f8", "float32": "<f4", "float16": "<f2", "int64": "<i8",
                    "int32": "<i4", "int16": "<i2", "int8": "i1", "uint8": "u1", "bool": "?",
                    "complex64": "<c8", "complex128": "<c16", "qint8": "i1", "quint8": "u1",
                    "qint32": "<i4", "uint16": "<u2", "uint32": "<u4", "uint64": "<u8"}.get(
                        self.dtype.name)
        if np_dtype is None or self.layout != "strided":
            raise TypeError("as_numpy: dtype %s / layout %s not supported"
                            % (self.dtype.name, self.layout))
        base = np.frombuffer(self.storage.raw_bytes(), dtype=np_dtype)
        item = base.itemsize
        return np.lib.stride_tricks.as_strided(
            base[self.offset:] if base.size else base, shape=self.shape,
            strides=tuple(s * item for s in self.stride), writeable=False)

    def __repr__(self):
        return "<%s %s %s>" % (type(self).__name__, self.dtype, list(self.shape))


Tensor.__module__ = "torch"
Tensor.__qualname__ = "Tensor"


class Parameter(Tensor):
    def __new__(cls, data=None, requires_grad=True):
        self = object.__new__(cls)
        Tensor.__init__(self)
        if data is not None:
            if not isinstance(data, Tensor):
                raise TypeError("_make_subclass(): argument 'data' (position 2) must be Tensor, not %s"
                                % type(data).__name__)
            self.copy_from(data)
        self.requires_grad = bool(requires_grad)
        return self

    def __init__(self, *args, **kwargs):
        pass

    def __repr__(self):
        return "<Parameter %s %s>" % (self.dtype, list(self.shape))


Parameter.__module__ = "torch.nn.parameter"
Parameter.__qualname__ = "Parameter"


class Variable:
    """torch.autograd.variable.Variable: NEWOBJ/REDUCE give a plain tensor
    (0.4+ semantics; 0.3's Variable also comes back as a Tensor in 1.13)."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        t = Tensor()
        if data is not None:
            t.copy_from(data)
        t.requires_grad = bool(requires_grad)
        return t


Variable.__module__ = "torch.autograd.variable"


class LegacyTensorType:
    """torch.FloatTensor & co: `torch.FloatTensor()` -> empty tensor."""

    def __init__(self, name, dtype, module="torch"):
        self.__name__ = name
        self.name = name
        self.module = module
        self.dtype = DTYPES[dtype]

    def __call__(self, *args):
        t = Tensor(self.dtype)
        if len(args) == 1 and isinstance(args[0], FakeStorage):
            t.set_(args[0])
        elif args:
            t.note = "legacy tensor constructor with arguments %r not emulated" % (args,)
        return t

    def __repr__(self):
        return "<class '%s.%s'>" % (self.module, self.name)


def is_tensor(o):
    return isinstance(o, Tensor)


# ---------------------------------------------------------------------------
# Stub classes for user code (and torch.nn modules): accept any constructor
# arguments, REDUCE/NEWOBJ and BUILD with a dict or (dict, slotstate).

class StubRegistry:
    def __init__(self, on_build=None):
        self.on_build = on_build
        self.classes = collections.OrderedDict()   # (module, name) -> class
        self.items = {}        # id(inst) -> (inst, [('item', k, v) | ('append', v)])

    def get(self, module, name):
        key = (module, name)
        cls = self.classes.get(key)
        if cls is not None:
            return cls
        reg = self

        def __new__(klass, *args, **kwargs):
            return object.__new__(klass)

        def __init__(self, *args, **kwargs):
            pass

        def __setstate__(self, state):
            if reg.on_build is not None:
                reg.on_build(self, state)
            slotstate = None
            if isinstance(state, tuple) and len(state) == 2 and \
                    (state[0] is None or isinstance(state[0], dict)) and \
                    (state[1] is None or isinstance(state[1], dict)):
                state, slotstate = state
            if isinstance(state, dict):
                self.__dict__.update(state)
            if slotstate:
                self.__dict__.update(slotstate)

        def __setitem__(self, k, v):
            reg.items.setdefault(id(self), (self, []))[1].append(("item", k, v))

        def append(self, v):
            reg.items.setdefault(id(self), (self, []))[1].append(("append", v))

        def extend(self, vs):
            for v in vs:
                append(self, v)

        def __call__(self, *args, **kwargs):
            return self

        qual = name.split(".")[-1] if isinstance(name, str) else str(name)
        cls = type(qual, (object,), {
            "__new__": __new__, "__init__": __init__, "__setstate__": __setstate__,
            "__setitem__": __setitem__, "append": append, "extend": extend,
            "__call__": __call__, "__module__": str(module), "__qualname__": str(name),
            "_refload_stub": True,
        })
        self.classes[key] = cls
        return cls


def is_stub_class(c):
    return isinstance(c, type) and getattr(c, "_refload_stub", False)


def type_label(o):
    """'collections.OrderedDict', 'builtins.dict', 'stub.model.Net', ..."""
    t = type(o)
    if getattr(t, "_refload_stub", False):
        return "stub.%s.%s" % (t.__module__, t.__qualname__)
    return "%s.%s" % (t.__module__, t.__qualname__)
