"""torch._utils rebuild helpers with torch 2.6 signatures (weights_only mode)."""
from . import fakes
from . import state


def _rebuild_tensor(storage, storage_offset, size, stride):
    return state.CTX.make_tensor(storage, storage_offset, size, stride)


def _set_metadata(t, metadata):
    if metadata:
        # conj/neg bits etc. (torch._utils.set_tensor_metadata); the walk does
        # not print them.
        t.metadata = dict(metadata)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    tensor = _rebuild_tensor(storage, storage_offset, size, stride)
    tensor.requires_grad = requires_grad
    _set_metadata(tensor, metadata)
    tensor.backward_hooks = backward_hooks
    return tensor


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    if not isinstance(dtype, fakes.FakeDtype):
        raise TypeError("_rebuild_tensor_v3(): dtype must be a torch.dtype")
    t = state.CTX.make_tensor(storage, storage_offset, size, stride, dtype=dtype)
    t.requires_grad = requires_grad
    _set_metadata(t, metadata)
    t.backward_hooks = backward_hooks
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks):
    param = fakes.Parameter(data, requires_grad)
    param.backward_hooks = backward_hooks
    return param


def _set_obj_state(obj, st):
    if isinstance(st, tuple):
        if not len(st) == 2:
            raise RuntimeError("Invalid serialized state: %r" % (st,))
        dict_state, slots_state = st
    else:
        dict_state, slots_state = st, None
    if dict_state:
        for k, v in dict_state.items():
            setattr(obj, k, v)
    if slots_state:
        for k, v in slots_state.items():
            setattr(obj, k, v)
    return obj


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state_):
    param = fakes.Parameter(data, requires_grad)
    param.backward_hooks = backward_hooks
    return _set_obj_state(param, state_)


def _rebuild_qtensor(storage, storage_offset, size, stride, quantizer_params, requires_grad,
                     backward_hooks):
    t = state.CTX.make_tensor(storage, storage_offset, size, stride)
    t.quantizer = tuple(quantizer_params)
    t.requires_grad = requires_grad
    t.backward_hooks = backward_hooks
    return t


def _rebuild_sparse_tensor(layout, data):
    t = fakes.Tensor()
    t.layout = getattr(layout, "name", str(layout))
    if t.layout == "sparse_coo":
        if len(data) == 3:
            indices, values, size = data
        else:
            indices, values, size, _is_coalesced = data
        t.shape = tuple(size)
        if isinstance(values, fakes.Tensor):
            t.dtype = values.dtype
    state.CTX.tensors.append(t)
    return t


def _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad):
    t = fakes.Tensor(dtype)
    t.shape = tuple(size)
    t.stride = tuple(stride)
    t.requires_grad = requires_grad
    t.device_type = "meta"
    state.CTX.tensors.append(t)
    return t


def _opaque(what):
    t = fakes.Tensor()
    t.note = what
    t.layout = "opaque:" + what
    state.CTX.tensors.append(t)
    state.CTX.note("%s: accepted by the allowlist; contents not emulated" % what)
    return t


def _rebuild_wrapper_subclass(cls, dtype, size, stride, storage_offset, layout, device,
                              requires_grad):
    return _opaque("_rebuild_wrapper_subclass")


def _rebuild_nested_tensor(buffer, sizes, strides, storage_offsets):
    return _opaque("_rebuild_nested_tensor")


def _rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad):
    return _opaque("_rebuild_device_tensor_from_numpy")


def _rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    return _opaque("_rebuild_device_tensor_from_cpu_tensor")


def _rebuild_from_type_v2(func, new_type, args, state_):
    ret = func(*args)
    if type(ret) is not new_type and isinstance(ret, fakes.Tensor):
        if new_type is fakes.Parameter:
            ret = fakes.Parameter(ret, ret.requires_grad)
    return _set_obj_state(ret, state_)


def _get_layout(name):
    if not isinstance(name, str) or not name.startswith("torch."):
        raise KeyError(name)
    return fakes.FakeLayout(name[len("torch."):])


REBUILD_FUNCTIONS = [
    _rebuild_parameter, _rebuild_parameter_with_state, _rebuild_qtensor, _rebuild_tensor,
    _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_sparse_tensor,
    _rebuild_meta_tensor_no_storage, _rebuild_nested_tensor, _rebuild_wrapper_subclass,
    _rebuild_device_tensor_from_numpy, _rebuild_device_tensor_from_cpu_tensor,
]
