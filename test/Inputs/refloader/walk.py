"""The tensor walk of test/Inputs/torch_describe.py, over emulated objects.

Line: `<path> <kind> <dtype> <shape> <stride> <offset> s<N> <xxh3> rg=<0|1>`
(see torch_describe.py for the walk rules; reimplemented here because that
script imports torch and loads with torch.load).
Attributes of an object are the state its BUILD opcode(s) applied: recorded
for stub classes; for real allowlisted objects (OrderedDict, Namespace, ...)
their __dict__, which only BUILD fills. Items that SETITEM(S)/APPEND(S) put
into a stub (a dict or list subclass of user code) are walked as `[k]` / `[i]`
children, as the real class would be.
"""
import types

import xxhash

from . import fakes


class WalkError(Exception):
    pass


class Describer:
    def __init__(self, ctx):
        self.ctx = ctx
        self.visited = set()
        self.storage_ids = {}    # id(storage) -> ordinal
        self.keep = []
        self.out = []
        self.tensor_ids = set()
        self.param_ids = set()

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

    def is_leaf(self, o):
        if isinstance(o, (str, bytes, bytearray, int, float, complex, bool, type(None), set,
                          frozenset, type, types.FunctionType, types.BuiltinFunctionType,
                          types.MethodType, types.ModuleType, types.BuiltinMethodType,
                          fakes.FakeDtype, fakes.device, fakes.FakeLayout, fakes.FakeQScheme,
                          fakes.FakeStorage, fakes.FakeStorageClass, fakes.LegacyTensorType)):
            return True
        mod = getattr(type(o), "__module__", "") or ""
        return mod == "numpy" or mod.startswith("numpy.")

    def tensor_line(self, t, path):
        self.tensor_ids.add(id(t))
        if isinstance(t, fakes.Parameter):
            self.param_ids.add(id(t))
        if t.layout != "strided":
            raise WalkError("%s: unsupported tensor layout %s" % (path, "torch." + t.layout))
        if t.device_type is not None:
            raise WalkError("%s: tensor on device %s" % (path, t.device_type))
        st = t.storage
        n = self.storage_ids.get(id(st))
        if n is None:
            n = len(self.storage_ids)
            self.storage_ids[id(st)] = n
            self.keep.append(st)
        digest = xxhash.xxh3_64(st.raw_bytes()).hexdigest()
        kind = "param" if isinstance(t, fakes.Parameter) else "tensor"
        shape = "[" + ",".join(str(int(d)) for d in t.shape) + "]"
        stride = "[" + ",".join(str(int(d)) for d in t.stride) + "]"
        return "%s %s %s %s %s %d s%d %s rg=%d" % (
            path, kind, t.dtype.name, shape, stride, t.offset, n, digest,
            1 if t.requires_grad else 0)

    def attr_items(self, o):
        if getattr(type(o), "_refload_stub", False):
            ent = self.ctx.build_states.get(id(o))
            if ent is None or ent[0] is not o:
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
        d = getattr(o, "__dict__", None)
        if isinstance(d, dict):
            return list(d.items())
        return []

    def walk(self, obj, path="$"):
        stack = [(obj, path)]
        while stack:
            o, p = stack.pop()
            if isinstance(o, fakes.Tensor):
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
            elif getattr(type(o), "_refload_stub", False):
                ent = self.ctx.stubs.items.get(id(o))
                if ent is not None and ent[0] is o:
                    i = 0
                    for it in ent[1]:
                        if it[0] == "item":
                            children.append((it[2], p + "[" + self.keyrepr(it[1]) + "]"))
                        else:
                            children.append((it[1], "%s[%d]" % (p, i)))
                            i += 1
            for k, v in self.attr_items(o):
                children.append((v, p + "." + (k if isinstance(k, str) else str(k))))
            stack.extend(reversed(children))
