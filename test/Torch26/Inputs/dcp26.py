"""torch.distributed.checkpoint directories judged by the real torch 2.6.

  dcp26.py write DIR
      DIR/single: dcp.save of a model's and an Adam optimizer's state dicts,
      an int, a nested dict of plain values and a tensor, in one process;
      DIR/sharded: dcp.save by two processes (gloo on the loopback) of
      DTensors sharded by rows (float32) and by columns (int64), a
      replicated one, and an int.
  dcp26.py load DIR REF.pt
      dcp.load into a state dict shaped as torch.load(REF.pt) but of zeros
      (and ints 0): prints `dcp.load gives every value` when it then equals
      REF.pt, else the first path that differs.
  dcp26.py compare DIR OUT.pt
      torch's own dcp_to_torch_save(DIR) against torch.load(OUT.pt):
      prints `same as dcp_to_torch_save` when the two objects are equal
      (types, keys and their order, tensor dtypes, shapes and values), else
      the first path that differs.
"""
import os
import socket
import sys
import tempfile
import warnings

import torch
import torch.distributed as dist
import torch.distributed.checkpoint as dcp
import torch.multiprocessing as mp
import torch.nn as nn

warnings.simplefilter("ignore")


def _sharded(rank, world, out, port):
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Replicate, Shard, distribute_tensor
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port),
                      USE_LIBUV="0")
    dist.init_process_group("gloo", rank=rank, world_size=world)
    mesh = init_device_mesh("cpu", (world,))
    rows = torch.arange(30, dtype=torch.float32).view(6, 5)
    cols = torch.arange(12, dtype=torch.int64).view(3, 4)
    sd = {"model": {"rows": distribute_tensor(rows, mesh, [Shard(0)]),
                    "cols": distribute_tensor(cols, mesh, [Shard(1)]),
                    "rep": distribute_tensor(torch.ones(3), mesh, [Replicate()])},
          "epoch": 3}
    dcp.save(sd, checkpoint_id=out)
    dist.destroy_process_group()


def cmd_write(d):
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    opt = torch.optim.Adam(m.parameters())
    m(torch.randn(5, 3)).sum().backward()
    opt.step()
    sd = {"model": m.state_dict(), "optim": opt.state_dict(), "step": 7,
          "extra": {"lr": 0.1, "name": "x", "sizes": [1, 2]},
          "t": torch.arange(6, dtype=torch.int64).view(2, 3)}
    dcp.save(sd, checkpoint_id=os.path.join(d, "single"))
    with socket.socket() as s:  # a free port for the two processes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(_sharded, args=(2, os.path.join(d, "sharded"), port), nprocs=2)
    return 0


def _diff(a, b, path):
    if type(a) is not type(b):
        return "%s: %s != %s" % (path, type(a).__name__, type(b).__name__)
    if isinstance(a, dict):
        if list(a) != list(b):
            return "%s: keys %s != %s" % (path, list(a), list(b))
        for k in a:
            d = _diff(a[k], b[k], "%s[%r]" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return "%s: length %d != %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = _diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if isinstance(a, torch.Tensor):
        if a.dtype != b.dtype or a.shape != b.shape or not torch.equal(a, b):
            return "%s: tensors differ" % path
        return None
    return None if a == b else "%s: %r != %r" % (path, a, b)


def cmd_compare(d, out):
    with tempfile.TemporaryDirectory() as t:
        from torch.distributed.checkpoint.format_utils import dcp_to_torch_save
        ref = os.path.join(t, "ref.pt")
        dcp_to_torch_save(d, ref)
        a = torch.load(ref, weights_only=False)
    b = torch.load(out, weights_only=False)
    d = _diff(a, b, "$")
    print("same as dcp_to_torch_save" if d is None else "DIFFERENT: " + d)
    return 0 if d is None else 1


def _zeros(x):
    if isinstance(x, dict):
        return {k: _zeros(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_zeros(v) for v in x]
    if isinstance(x, torch.Tensor):
        return torch.zeros_like(x)
    return 0 if isinstance(x, int) and not isinstance(x, bool) else x


def cmd_load(d, ref):
    a = torch.load(ref, weights_only=False)
    b = _zeros(a)
    dcp.load(b, checkpoint_id=d)
    diff = _diff(a, b, "$")
    print("dcp.load gives every value" if diff is None else "DIFFERENT: " + diff)
    return 0 if diff is None else 1


def main(argv):
    if len(argv) == 2 and argv[0] == "write":
        return cmd_write(argv[1])
    if len(argv) == 3 and argv[0] == "load":
        return cmd_load(argv[1], argv[2])
    if len(argv) == 3 and argv[0] == "compare":
        return cmd_compare(argv[1], argv[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
