"""torch.distributed.checkpoint directories judged by the real torch 2.6.

  dcp26.py write DIR
      DIR/single: dcp.save of a model's and an Adam optimizer's state dicts,
      an int, a nested dict of plain values and a tensor, in one process;
      DIR/sharded: the layout two ranks' dcp.save writes for DTensors
      sharded by rows (float32) and by columns (int64), a replicated one
      and an int, built with DCP's own classes (see _write_sharded).
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
import sys
import tempfile
import warnings

import torch
import torch.distributed.checkpoint as dcp
import torch.nn as nn

warnings.simplefilter("ignore")


def _write_sharded(out):
    """What dcp.save of DTensors writes from two ranks, laid out directly
    with DCP's own classes (no process group, no network: deterministic):
    rows (6x5 float32) split by rows, cols (3x4 int64) by columns, each
    rank's chunks back to back in __<rank>_0.distcp, and rep replicated
    (rank 0 writes it)."""
    import io
    import pickle
    from torch.distributed.checkpoint.filesystem import _StorageInfo
    from torch.distributed.checkpoint.metadata import (
        BytesStorageMetadata, ChunkStorageMetadata, Metadata, MetadataIndex,
        TensorProperties, TensorStorageMetadata)
    os.makedirs(out)
    rows = torch.arange(30, dtype=torch.float32).view(6, 5)
    cols = torch.arange(12, dtype=torch.int64).view(3, 4)
    rep = torch.ones(3)
    files = {0: io.BytesIO(), 1: io.BytesIO()}
    sd_meta, planner, storage = {}, {}, {}

    def put(rank, fqn, value, offsets=None):
        f = files[rank]
        start = f.tell()
        torch.save(value, f)
        idx = (MetadataIndex(fqn, torch.Size(offsets), 0) if offsets is not None
               else MetadataIndex(fqn))
        storage[idx] = _StorageInfo("__%d_0.distcp" % rank, start, f.tell() - start)

    def tensor(fqn, path, full, chunks):
        sd_meta[fqn] = TensorStorageMetadata(
            TensorProperties(dtype=full.dtype), full.size(),
            [ChunkStorageMetadata(torch.Size(o), c.size()) for _, o, c in chunks])
        planner[fqn] = path
        for rank, o, c in chunks:
            put(rank, fqn, c.clone(), o)

    tensor("model.rows", ("model", "rows"), rows,
           [(0, (0, 0), rows[:3]), (1, (3, 0), rows[3:])])
    tensor("model.cols", ("model", "cols"), cols,
           [(0, (0, 0), cols[:, :2]), (1, (0, 2), cols[:, 2:])])
    tensor("model.rep", ("model", "rep"), rep, [(0, (0,), rep)])
    sd_meta["epoch"] = BytesStorageMetadata()
    planner["epoch"] = ("epoch",)
    put(0, "epoch", 3)
    for rank, f in files.items():
        with open(os.path.join(out, "__%d_0.distcp" % rank), "wb") as o:
            o.write(f.getvalue())
    with open(os.path.join(out, ".metadata"), "wb") as o:
        pickle.dump(Metadata(sd_meta, planner, storage), o)


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
    _write_sharded(os.path.join(d, "sharded"))
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
