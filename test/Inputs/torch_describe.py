#!/usr/bin/python3
"""Describe every tensor of a checkpoint as real torch (1.13) loads it.

usage: torch_describe.py FILE [--stubs] [--vars]

Loads FILE with torch.load(map_location='cpu') and prints one line per tensor
in a canonical depth-first walk; `ckpt-migrate -tensors FILE` prints the same
lines, and the lit tests diff the two.

Walk (path starts as `$`):
  * torch.Tensor / nn.Parameter: one line, no descent. Tensors are not
    deduplicated: every occurrence prints a line.
  * dict (incl. OrderedDict and subclasses): items in insertion order as
    `[keyrepr]` children; keyrepr: str -> 'k' (no escaping), bool -> True/False,
    int -> decimal, None -> None, anything else -> ?. Then the object's
    attributes (see below) as `.name` children.
  * list / tuple: children `[i]` (then attributes, if any).
  * set/frozenset, str, bytes, bytearray, numbers, None, numpy objects,
    classes, functions, modules, torch dtype/device/storage objects: no lines.
  * any other object: its attributes as `.name` children.
  * a container (dict/list/tuple/object) reached a second time (by id()) is
    skipped silently.
  Attributes of an object = the state its pickle BUILD opcode(s) applied
  (dict state, or the (state, slotstate) pair of dicts), in pickle order.
  This is vars(obj) for ordinary objects; using the BUILD state instead of
  vars() keeps attributes that a class's __setstate__ invents at load time
  (e.g. RNNBase._flat_weights, Module hook dicts) and attributes set from
  REDUCE/NEWOBJ arguments out of the walk, because they are not in the file.
  `--vars` walks vars(obj) instead (for comparison only).

Line: `<path> <kind> <dtype> <shape> <stride> <offset> s<N> <xxh3> rg=<0|1>`
  kind: param (nn.Parameter) or tensor; dtype: torch dtype without `torch.`;
  shape/stride: `[2,3]`, `[]` for 0-dim; offset: storage_offset() in elements;
  s<N>: ordinal of the tensor's storage (StorageImpl identity) in order of first
  appearance in this walk; xxh3: xxhash.xxh3_64 of the storage's entire bytes,
  16 lowercase hex digits; rg: requires_grad.

--stubs: names that fail to import become stub classes (accept any
constructor args, NEWOBJ/REDUCE, and BUILD with a dict or (dict, dict)).

Exit status: 0 ok; 1 load/describe error; 3 the file is a TorchScript archive.
"""
import os
import pickle
import sys
import types
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import torch  # noqa: E402
import xxhash  # noqa: E402

_BUILD = pickle.BUILD[0]


class _Recorder:
    """Shared state of one load: BUILD states and stub classes."""

    def __init__(self, stubs):
        self.stubs = stubs
        self.build_states = {}   # id(inst) -> (inst, [state, ...])
        self.stub_classes = {}   # (module, name) -> class
        self.odd_states = {}     # id(stub) -> (stub, [non-dict state...])


def _make_stub_class(rec, module, name):
    key = (module, name)
    cls = rec.stub_classes.get(key)
    if cls is not None:
        return cls

    def __new__(klass, *args, **kwargs):
        return object.__new__(klass)

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        slotstate = None
        if isinstance(state, tuple) and len(state) == 2 and \
                (state[0] is None or isinstance(state[0], dict)) and \
                (state[1] is None or isinstance(state[1], dict)):
            state, slotstate = state
        if isinstance(state, dict):
            self.__dict__.update(state)
        elif state is not None:
            rec.odd_states.setdefault(id(self), (self, []))[1].append(state)
        if slotstate:
            self.__dict__.update(slotstate)

    def __setitem__(self, k, v):  # SETITEM(S) on a stubbed dict subclass
        rec.odd_states.setdefault(id(self), (self, []))[1].append(("item", k, v))

    def append(self, v):  # APPEND(S) on a stubbed list subclass
        rec.odd_states.setdefault(id(self), (self, []))[1].append(("append", v))

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
        "_ckpt_stub": True,
    })
    rec.stub_classes[key] = cls
    return cls


def _make_pickle_module(rec):
    base = pickle._Unpickler  # pure-Python: lets us hook BUILD

    class Unpickler(base):
        dispatch = dict(base.dispatch)

        def find_class(self, module, name):
            try:
                return super().find_class(module, name)
            except Exception:
                if not rec.stubs:
                    raise
                return _make_stub_class(rec, module, name)

        def load_build_recording(self):
            state = self.stack[-1]
            inst = self.stack[-2]
            ent = rec.build_states.setdefault(id(inst), (inst, []))
            ent[1].append(state)
            base.load_build(self)

        dispatch[_BUILD] = load_build_recording

    mod = types.ModuleType("ckpt_describe_pickle")
    mod.Unpickler = Unpickler
    mod.Pickler = pickle.Pickler
    mod.UnpicklingError = pickle.UnpicklingError
    mod.HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL
    mod.DEFAULT_PROTOCOL = pickle.DEFAULT_PROTOCOL

    def load(f, **kw):
        return Unpickler(f, **kw).load()

    def loads(data, **kw):
        import io
        return Unpickler(io.BytesIO(data), **kw).load()

    mod.load = load
    mod.loads = loads
    return mod


class Describer:
    _LEAF_TYPES = (str, bytes, bytearray, int, float, complex, bool, type(None),
                   set, frozenset, type, types.FunctionType, types.BuiltinFunctionType,
                   types.MethodType, types.ModuleType, types.BuiltinMethodType,
                   torch.dtype, torch.device, torch.layout, torch.memory_format,
                   torch.qscheme, torch.storage.TypedStorage, torch.storage.UntypedStorage)

    def __init__(self, rec, use_vars=False):
        self.rec = rec
        self.use_vars = use_vars
        self.visited = set()
        self.storage_ids = {}   # StorageImpl pointer -> ordinal
        self.keep = []          # keep storages alive while numbering
        self.out = []

    @staticmethod
    def keyrepr(k):
        if isinstance(k, bool):
            return "True" if k else "False"
        if isinstance(k, str):
            return "'" + k + "'"
        if isinstance(k, int):
            return str(int(k))
        if k is None:
            return "None"
        return "?"

    @staticmethod
    def _storage_bytes(us):
        n = us.nbytes()
        if n == 0:
            return b""
        u8 = torch.empty(0, dtype=torch.uint8).set_(us, 0, (n,), (1,))
        return u8.numpy().tobytes()

    def tensor_line(self, t, path):
        if t.layout != torch.strided:
            raise RuntimeError("%s: unsupported tensor layout %s" % (path, t.layout))
        if t.device.type != "cpu":
            raise RuntimeError("%s: tensor on device %s" % (path, t.device))
        # Plain-Tensor alias (same StorageImpl): Tensor subclasses route
        # _storage() through __torch_function__ and get a TypedStorage back.
        plain = t if type(t) in (torch.Tensor, torch.nn.Parameter) else t.as_subclass(torch.Tensor)
        us = plain._storage()  # UntypedStorage of the StorageImpl
        if isinstance(us, torch.storage.TypedStorage):
            us = us._storage
        key = us._cdata
        n = self.storage_ids.get(key)
        if n is None:
            n = len(self.storage_ids)
            self.storage_ids[key] = n
            self.keep.append(us)
        digest = xxhash.xxh3_64(self._storage_bytes(us)).hexdigest()
        kind = "param" if isinstance(t, torch.nn.Parameter) else "tensor"
        dtype = str(t.dtype)
        if dtype.startswith("torch."):
            dtype = dtype[len("torch."):]
        shape = "[" + ",".join(str(int(d)) for d in t.shape) + "]"
        stride = "[" + ",".join(str(int(d)) for d in t.stride()) + "]"
        return "%s %s %s %s %s %d s%d %s rg=%d" % (
            path, kind, dtype, shape, stride, t.storage_offset(), n, digest,
            1 if t.requires_grad else 0)

    def is_leaf(self, obj):
        if isinstance(obj, self._LEAF_TYPES):
            return True
        mod = getattr(type(obj), "__module__", "") or ""
        if mod == "numpy" or mod.startswith("numpy."):
            return True
        return False

    def attr_items(self, obj):
        if self.use_vars:
            d = getattr(obj, "__dict__", None)
            return list(d.items()) if isinstance(d, dict) else []
        ent = self.rec.build_states.get(id(obj))
        if ent is None or ent[0] is not obj:
            return []
        items = []
        for state in ent[1]:
            slotstate = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slotstate = state
            if isinstance(state, dict):
                items.extend(state.items())
            if isinstance(slotstate, dict):
                items.extend(slotstate.items())
        return items

    def walk(self, obj, path):
        stack = [(obj, path)]
        while stack:
            o, p = stack.pop()
            if isinstance(o, torch.Tensor):
                self.out.append(self.tensor_line(o, p))
                continue
            if self.is_leaf(o):
                continue
            if id(o) in self.visited:
                continue
            self.visited.add(id(o))
            children = []
            if isinstance(o, dict):
                for k, v in list(o.items()):
                    children.append((v, p + "[" + self.keyrepr(k) + "]"))
            elif isinstance(o, (list, tuple)):
                for i, v in enumerate(o):
                    children.append((v, "%s[%d]" % (p, i)))
            for k, v in self.attr_items(o):
                children.append((v, p + "." + (k if isinstance(k, str) else str(k))))
            stack.extend(reversed(children))


class TorchScriptArchive(Exception):
    pass


def _torch_load(path, pickle_module):
    """torch.load(path, map_location='cpu', pickle_module=pickle_module).

    This torch (Debian 1.13.0a0) ignores a caller's pickle_module when
    weights_only is False (`else: pickle_module = pickle`), so do what
    torch.load does with its own internals."""
    ser = torch.serialization
    kw = {"encoding": "utf-8"}
    with open(path, "rb") as f:
        if ser._is_zipfile(f):
            with ser._open_zipfile_reader(f) as zf:
                if ser._is_torchscript_zip(zf):
                    raise TorchScriptArchive()
                return ser._load(zf, "cpu", pickle_module, **kw)
        return ser._legacy_load(f, "cpu", pickle_module, **kw)


def load(path, stubs):
    rec = _Recorder(stubs)
    mod = _make_pickle_module(rec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        obj = _torch_load(path, mod)
    return obj, rec


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    flags = [a for a in argv if a.startswith("--")]
    unknown = [f for f in flags if f not in ("--stubs", "--vars")]
    if len(args) != 1 or unknown:
        sys.stderr.write("usage: torch_describe.py FILE [--stubs] [--vars]\n")
        return 2
    sys.setrecursionlimit(100000)
    torch.set_num_threads(1)
    try:
        obj, rec = load(args[0], "--stubs" in flags)
    except TorchScriptArchive:
        sys.stderr.write("torch_describe.py: %s is a TorchScript archive, "
                         "not a torch.save checkpoint\n" % args[0])
        return 3
    except Exception as e:
        sys.stderr.write("torch_describe.py: cannot load %s: %s: %s\n"
                         % (args[0], type(e).__name__, e))
        return 1
    d = Describer(rec, use_vars="--vars" in flags)
    try:
        d.walk(obj, "$")
    except Exception as e:
        sys.stderr.write("torch_describe.py: %s: %s: %s\n" % (args[0], type(e).__name__, e))
        return 1
    sys.stdout.write("".join(line + "\n" for line in d.out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
