"""torch._utils rebuild helpers with the signatures of releases <= 1.5.

Module-level functions so that Python's own arity errors read as torch's:
`_rebuild_tensor_v2() takes 6 positional arguments but 7 were given`.
"""
import collections

from . import fakes
from . import state


def _rebuild_tensor(storage, storage_offset, size, stride):
    # 0.3 (UTILS-0.3): <Type>Tensor().set_(storage, offset, size, stride);
    # 0.4/1.x: torch.tensor([], dtype=storage.dtype).set_(...) [V]
    return state.CTX.make_tensor(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks):
    # 0.4.0 .. 1.x: exactly 6 parameters [V] (TENSOR-0.4, UTILS-1.0)
    tensor = _rebuild_tensor(storage, storage_offset, size, stride)
    tensor.requires_grad = requires_grad
    tensor.backward_hooks = backward_hooks
    return tensor


def _rebuild_parameter(data, requires_grad, backward_hooks):
    # 1.0+ (UTILS-1.0) [V]
    param = fakes.Parameter(data, requires_grad)
    param.backward_hooks = backward_hooks
    return param


def _rebuild_qtensor(storage, storage_offset, size, stride, quantizer_params, requires_grad,
                     backward_hooks):
    # 1.3+ [M]: quantizer_params = (qscheme, scale, zero_point) or
    # (qscheme, scales, zero_points, axis)
    t = state.CTX.make_tensor(storage, storage_offset, size, stride)
    qscheme = quantizer_params[0]
    if not isinstance(qscheme, fakes.FakeQScheme):
        raise RuntimeError("Can't deserialize quantized tensor with qscheme %r" % (qscheme,))
    t.quantizer = tuple(quantizer_params)
    t.requires_grad = requires_grad
    t.backward_hooks = backward_hooks
    return t


def _rebuild_sparse_tensor(layout, data):
    # 1.4+ [L]: (indices, values, size)
    if isinstance(layout, fakes.FakeLayout) and layout.name == "sparse_coo":
        indices, values, size = data
        t = fakes.Tensor(values.dtype if isinstance(values, fakes.Tensor) else None)
        t.layout = "sparse_coo"
        t.shape = tuple(size)
        t.stride = ()
        t.sparse_parts = (indices, values)
        state.CTX.tensors.append(t)
        return t
    raise NotImplementedError("rebuilding sparse tensor for layout %s" % (layout,))


def _rebuild_xla_tensor(data, dtype, device, requires_grad):
    raise state.EmulatorLimit("_rebuild_xla_tensor (XLA device tensors) is not emulated")


def _get_thnn_function_backend():
    return state.CTX.stubs.get("torch.nn.backends.thnn", "THNNFunctionBackend")()


def _get_layout(name):
    # torch.serialization._get_layout: 'torch.sparse_coo' -> layout
    if not isinstance(name, str) or not name.startswith("torch."):
        raise KeyError(name)
    return fakes.FakeLayout(name[len("torch."):])


def build_namespace(rel):
    """full name -> object, for the names release `rel` can resolve."""
    from . import releases as R
    ns = {}
    vt = rel.vt
    for name, dt, first, _c in R.STORAGE_CLASSES:
        if vt >= first:
            ns["torch." + name] = fakes.FakeStorageClass(name, dt)
            ns["torch.cuda." + name] = fakes.FakeStorageClass(name, dt, module="torch.cuda")
    for name, dt, first, _c in R.TENSOR_CLASSES:
        if vt >= first:
            ns["torch." + name] = fakes.LegacyTensorType(name, dt)
            ns["torch.cuda." + name] = fakes.LegacyTensorType(name, dt, module="torch.cuda")
    for name, dt, first, _c in R.DTYPE_OBJECTS:
        if vt >= first:
            ns["torch." + name] = fakes.DTYPES[dt]
    for name, kind, first, _c in R.TORCH_MISC:
        if vt < first:
            continue
        if kind == "Size":
            ns["torch.Size"] = fakes.Size
        elif kind == "Tensor":
            ns["torch.Tensor"] = fakes.Tensor
        elif kind == "device":
            ns["torch.device"] = fakes.device
        elif kind == "layout":
            ns["torch." + name] = fakes.FakeLayout(name)
        elif kind == "qscheme":
            ns["torch." + name] = fakes.FakeQScheme(name)
    funcs = {
        "_rebuild_tensor": _rebuild_tensor,
        "_rebuild_tensor_v2": _rebuild_tensor_v2,
        "_rebuild_parameter": _rebuild_parameter,
        "_rebuild_qtensor": _rebuild_qtensor,
        "_rebuild_sparse_tensor": _rebuild_sparse_tensor,
        "_rebuild_xla_tensor": _rebuild_xla_tensor,
    }
    for name, first, last, _c in R.UTILS_FUNCS:
        if name in funcs and vt >= first and (last is None or vt <= last):
            ns["torch._utils." + name] = funcs[name]
    named = {
        "torch.nn.parameter.Parameter": fakes.Parameter,
        "torch.autograd.variable.Variable": fakes.Variable,
        "torch.nn.backends.thnn._get_thnn_function_backend": _get_thnn_function_backend,
        "torch.serialization._get_layout": _get_layout,
    }
    for full, obj in named.items():
        first, _c = R.TORCH_NAMED[full]
        if vt >= first:
            ns[full] = obj
    ns["collections.OrderedDict"] = collections.OrderedDict
    return ns
