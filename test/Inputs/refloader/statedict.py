"""Module.load_state_dict of the emulated releases (formats.md 3.2).

0.3.x: flat loop, `KeyError: 'unexpected key "x" in state_dict'`,
       `KeyError: 'missing keys in state_dict: "{...}"'` [S]
0.4.0: per-module _load_from_state_dict, aggregated
       `RuntimeError: Error(s) in loading state_dict for <Cls>:\\n\\t...` [S]/[M];
       no _metadata, so no BatchNorm num_batches_tracked backfill.
1.0+:  same aggregation; `_metadata` versions; BatchNorm (version < 2 or no
       metadata) gets a zero num_batches_tracked inserted before the checks [V];
       size-mismatch wording: 1.0 "copying a param of {model} from checkpoint,
       where the shape is {ckpt} in current model." [S] (sic: the two shapes are
       printed in swapped roles), 1.3+ "copying a param with shape {ckpt} from
       checkpoint, the shape in current model is {model}." [M]
"""
import collections
import importlib
import json
import os

from . import fakes


class Node:
    def __init__(self):
        self.locals = []      # [(name, shape or None)]
        self.children = []    # child module names
        self.bn = False
        self.track = True


class ModelSpec:
    def __init__(self, class_name):
        self.class_name = class_name
        self.nodes = collections.OrderedDict()   # prefix ('' root, 'a.b') -> Node

    def node(self, prefix):
        n = self.nodes.get(prefix)
        if n is None:
            n = Node()
            self.nodes[prefix] = n
            if prefix:
                parent, _, child = prefix.rpartition(".")
                p = self.node(parent)
                if child not in p.children:
                    p.children.append(child)
        return n

    def keys(self):
        out = []

        def rec(prefix, node):
            for name, _s in node.locals:
                out.append(prefix + name)
            for c in node.children:
                rec(prefix + c + ".", self.nodes[(prefix + c)])
        rec("", self.nodes[""])
        return out


def spec_from_keys(keys, class_name="Net", shapes=None, batchnorm=None):
    spec = ModelSpec(class_name)
    spec.node("")
    shapes = shapes or {}
    for k in keys:
        prefix, _, name = k.rpartition(".")
        shp = shapes.get(k)
        spec.node(prefix).locals.append((name, tuple(shp) if shp is not None else None))
    for prefix, node in spec.nodes.items():
        names = {n for n, _ in node.locals}
        if batchnorm is not None:
            node.bn = prefix in batchnorm
        else:
            node.bn = {"running_mean", "running_var"} <= names
    return spec


def spec_from_module(modname, clsname, rel):
    """Build the key layout from a module class constructed with the host torch
    (1.13), then drop what the old release's modules did not have:
    BatchNorm's num_batches_tracked before 0.4.1 [S] (pytorch#8481)."""
    import torch
    m = importlib.import_module(modname)
    cls = getattr(m, clsname)
    inst = cls()
    spec = ModelSpec(cls.__name__)
    bn_types = (torch.nn.modules.batchnorm._BatchNorm,)
    for prefix, mod in inst.named_modules(remove_duplicate=False):
        node = spec.node(prefix)
        node.bn = isinstance(mod, bn_types)
        node.track = bool(getattr(mod, "track_running_stats", False))
        for n, p in mod._parameters.items():
            if p is not None:
                node.locals.append((n, tuple(p.shape)))
        nonpersist = getattr(mod, "_non_persistent_buffers_set", set())
        for n, b in mod._buffers.items():
            if b is None or n in nonpersist:
                continue
            if node.bn and n == "num_batches_tracked" and rel.vt < (0, 4, 1):
                continue
            node.locals.append((n, tuple(b.shape)))
        node.children = [n for n, c in mod._modules.items() if c is not None]
    return spec


def parse_spec(text, rel):
    t = text.strip()
    if t.startswith("[") or t.startswith("{"):
        data = json.loads(t)
    elif os.path.exists(t):
        with open(t) as fh:
            data = json.load(fh)
    elif ":" in t:
        modname, clsname = t.rsplit(":", 1)
        return spec_from_module(modname, clsname, rel)
    else:
        raise ValueError("--state-dict-of: expected JSON, a JSON file or module:Class, got %r" % t)
    if isinstance(data, list):
        return spec_from_keys(data)
    return spec_from_keys(data["keys"], data.get("class", "Net"), data.get("shapes"),
                          data.get("batchnorm"))


def _shape(x):
    return tuple(int(d) for d in x.shape)


def _numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def load_state_dict(rel, spec, sd, strict):
    if not hasattr(sd, "items"):
        raise AttributeError("'%s' object has no attribute 'items'" % type(sd).__name__)
    if rel.lsd == "0.3":
        return _load_03(spec, sd, strict)
    return _load_04(rel, spec, sd, strict)


def _load_03(spec, sd, strict):
    own = collections.OrderedDict()
    for k in spec.keys():
        own[k] = None
    for prefix, node in spec.nodes.items():
        for name, shp in node.locals:
            own[(prefix + "." if prefix else "") + name] = shp
    for name, param in sd.items():
        if name in own:
            shp = own[name]
            if not isinstance(param, fakes.Tensor):
                # copy_ fails, then the error message calls param.size()
                raise AttributeError("'%s' object has no attribute 'size'" % type(param).__name__)
            if shp is not None and _numel(shp) != param.numel():
                raise RuntimeError("While copying the parameter named {}, whose dimensions in the "
                                   "model are {} and whose dimensions in the checkpoint are {}."
                                   .format(name, fakes.Size(shp), fakes.Size(_shape(param))))
        elif strict:
            raise KeyError('unexpected key "{}" in state_dict'.format(name))
    if strict:
        missing = set(own.keys()) - set(sd.keys())
        if len(missing) > 0:
            # a Python set's order varies from run to run; sorted here
            text = "{" + ", ".join(repr(k) for k in sorted(missing)) + "}"
            raise KeyError('missing keys in state_dict: "{}"'.format(text))
    return len(own)


def _zero_long():
    st = fakes.FakeStorage(fakes.FakeStorageClass("LongStorage", "int64"), 1)
    st.data = bytes(8)
    t = fakes.Tensor(fakes.DTYPES["int64"], st)
    t.shape = ()
    t.stride = ()
    return t


def _load_04(rel, spec, sd, strict):
    missing_keys, unexpected_keys, error_msgs = [], [], []
    metadata = None
    if rel.vt >= (0, 4, 1):
        metadata = getattr(sd, "_metadata", None)
    sd = collections.OrderedDict(sd.items())

    def load_node(prefix, node):
        local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
        if rel.vt >= (0, 4, 1) and node.bn and node.track:
            version = local_metadata.get("version", None) if hasattr(local_metadata, "get") else None
            if version is None or version < 2:
                k = prefix + "num_batches_tracked"
                if k not in sd:
                    sd[k] = _zero_long()
        local_names = [n for n, _s in node.locals]
        for name, shp in node.locals:
            key = prefix + name
            if key in sd:
                ip = sd[key]
                if not isinstance(ip, fakes.Tensor):
                    raise AttributeError("'%s' object has no attribute 'shape'" % type(ip).__name__)
                ishape = _shape(ip)
                if shp is None:
                    continue
                if rel.lsd == "0.4.0":
                    if ishape != shp:
                        error_msgs.append(
                            "Size mismatch: copying a param of {} from checkpoint, where the shape "
                            "is {} in current model.".format(fakes.Size(shp), fakes.Size(ishape)))
                    if _numel(ishape) != _numel(shp):
                        error_msgs.append(
                            'While copying the parameter named "{}", whose dimensions in the model '
                            'are {} and whose dimensions in the checkpoint are {}.'
                            .format(key, fakes.Size(shp), fakes.Size(ishape)))
                    continue
                if len(shp) == 0 and len(ishape) == 1:
                    ishape = ()   # BC: 1-dim saved by 0.3, 0-dim in the model
                if ishape != shp:
                    if rel.lsd == "1.0":
                        error_msgs.append(
                            "size mismatch for {}: copying a param of {} from checkpoint, where "
                            "the shape is {} in current model."
                            .format(key, fakes.Size(shp), fakes.Size(ishape)))
                    else:
                        error_msgs.append(
                            "size mismatch for {}: copying a param with shape {} from checkpoint, "
                            "the shape in current model is {}."
                            .format(key, fakes.Size(ishape), fakes.Size(shp)))
            elif strict:
                missing_keys.append(key)
        if strict:
            for key in list(sd.keys()):
                if isinstance(key, str) and key.startswith(prefix):
                    input_name = key[len(prefix):].split(".", 1)[0]
                    if input_name not in node.children and input_name not in local_names:
                        unexpected_keys.append(key)
        for c in node.children:
            load_node(prefix + c + ".", spec.nodes[prefix + c])

    load_node("", spec.nodes[""])
    if strict:
        if len(unexpected_keys) > 0:
            error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                ", ".join('"{}"'.format(k) for k in unexpected_keys)))
        if len(missing_keys) > 0:
            error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                ", ".join('"{}"'.format(k) for k in missing_keys)))
    if len(error_msgs) > 0:
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            spec.class_name, "\n\t".join(error_msgs)))
    return len(spec.keys())
