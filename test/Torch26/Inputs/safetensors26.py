"""safetensors files judged by the real safetensors library and torch 2.6.

Runs under torch 2.6 with safetensors (the chroot of utils/torch26-python).

  safetensors26.py write DIR
      DIR/real.safetensors: what safetensors.torch.save_file writes for a
      state dict of every dtype the library maps (float8 among them), with
      metadata {"format": "pt"}; DIR/tied.pt: a state dict whose two
      entries share one tensor (tied weights) and whose _metadata holds
      BatchNorm's version 2, as torch.save writes it.
  safetensors26.py same ST PT
      load_file(ST) against torch.load(PT, weights_only=True): prints
      `same N tensors` when every tensor of ST is in PT, equal in dtype,
      shape and bytes; `PT also has K` for the others; else what differs.
  safetensors26.py roundtrip [--any-order] A.pt B.pt
      torch.load of both: prints `same state dict` when names, order (not
      with --any-order: a shard set keeps tied entries with the tensor they
      share), dtypes, shapes, bytes, which entries share storage and
      _metadata are all the same; else what differs.
  safetensors26.py shards DIR
      DIR/hf/model-0000I-of-00003.safetensors and model.safetensors.index.json
      as transformers' save_pretrained lays them out (sorted, indented
      index), from DIR/tied.pt without its tied entry; and the same state
      dict as DIR/hf.pt.
  safetensors26.py same-set INDEX PT
      the shard set loaded as transformers does (load_file of each shard the
      weight_map names, merged) against torch.load(PT): as `same`.
  safetensors26.py metadata ST
      the file's __metadata__, one `key = value` line each, sorted.
"""
import sys

import torch
import torch.nn as nn
from safetensors import safe_open
from safetensors.torch import load_file, save_file


def raw(t):
    """The tensor's elements as bytes (float8 has no torch.equal)."""
    t = t.detach().contiguous().reshape(-1)
    if t.dtype == torch.bool:
        t = t.to(torch.uint8)
    return t.view(torch.uint8).numpy().tobytes()


def same_tensor(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and raw(a) == raw(b)


def cmd_write(d):
    torch.manual_seed(0)
    sd = {
        "f64": torch.randn(3, dtype=torch.float64),
        "f32": torch.randn(2, 3),
        "f16": torch.randn(4).half(),
        "bf16": torch.randn(5).bfloat16(),
        "i64": torch.arange(3),
        "i32": torch.arange(4, dtype=torch.int32),
        "i16": torch.arange(2, dtype=torch.int16),
        "i8": torch.tensor([-1, 2], dtype=torch.int8),
        "u8": torch.tensor([0, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "f8e4m3": torch.randn(6).to(torch.float8_e4m3fn),
        "f8e5m2": torch.randn(6).to(torch.float8_e5m2),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }
    save_file(sd, d + "/real.safetensors", metadata={"format": "pt"})

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(6, 4)
            self.bn = nn.BatchNorm1d(4)
            self.head = nn.Linear(4, 6, bias=False)
            self.head.weight = self.emb.weight

    torch.save(Net().state_dict(), d + "/tied.pt")
    return 0


def _same(a, pt):
    """Prints how the tensors \p a compare with torch.load(PT)."""
    b = torch.load(pt, weights_only=True)
    bad = [k for k in a if k not in b or not same_tensor(a[k], b[k])]
    if bad:
        print("DIFFERENT: %s" % ", ".join(sorted(bad)))
        return 1
    extra = sorted(set(b) - set(a))
    print("same %d tensors%s" % (len(a), ", PT also has %d: %s" % (
        len(extra), " ".join(extra)) if extra else ""))
    return 0


def cmd_same(st, pt):
    return _same(load_file(st), pt)


def cmd_roundtrip(pa, pb, any_order=False):
    a = torch.load(pa, weights_only=True)
    b = torch.load(pb, weights_only=True)
    problems = []
    if (sorted(a) != sorted(b)) if any_order else (list(a) != list(b)):
        problems.append("names or order differ")
    for k in a:
        if k in b and not same_tensor(a[k], b[k]):
            problems.append("%s differs" % k)

    def sharing(sd):
        ptrs = {}
        for k, v in sd.items():
            ptrs.setdefault(v.untyped_storage().data_ptr(), []).append(k)
        return sorted(sorted(g) for g in ptrs.values() if len(g) > 1)
    if sharing(a) != sharing(b):
        problems.append("sharing %s != %s" % (sharing(a), sharing(b)))
    if getattr(a, "_metadata", None) != getattr(b, "_metadata", None):
        problems.append("_metadata differs")
    print("same state dict" if not problems else "DIFFERENT: " + "; ".join(problems))
    return 1 if problems else 0


def cmd_shards(d):
    import json
    import os
    sd = torch.load(d + "/tied.pt", weights_only=True)
    del sd["head.weight"]  # transformers drops tied weights before saving
    names = list(sd)
    parts = [names[0:2], names[2:4], names[4:]]
    os.makedirs(d + "/hf", exist_ok=True)
    weight_map, total = {}, 0
    for i, part in enumerate(parts):
        fname = "model-%05d-of-%05d.safetensors" % (i + 1, len(parts))
        save_file({k: sd[k].contiguous() for k in part}, d + "/hf/" + fname,
                  metadata={"format": "pt"})
        for k in part:
            weight_map[k] = fname
            total += sd[k].numel() * sd[k].element_size()
    with open(d + "/hf/model.safetensors.index.json", "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map},
                  f, indent=2, sort_keys=True)
    torch.save(dict(sd), d + "/hf.pt")  # the set holds no _metadata
    return 0


def load_set(index):
    import json
    import os
    with open(index) as f:
        wm = json.load(f)["weight_map"]
    out = {}
    for fname in sorted(set(wm.values())):
        out.update(load_file(os.path.join(os.path.dirname(index), fname)))
    return out


def cmd_same_set(index, pt):
    return _same(load_set(index), pt)


def cmd_metadata(st):
    with safe_open(st, "pt") as f:
        for k, v in sorted((f.metadata() or {}).items()):
            print("%s = %s" % (k, v))
    return 0


def main(argv):
    if len(argv) == 2 and argv[0] == "write":
        return cmd_write(argv[1])
    if len(argv) == 3 and argv[0] == "same":
        return cmd_same(argv[1], argv[2])
    if len(argv) == 3 and argv[0] == "roundtrip":
        return cmd_roundtrip(argv[1], argv[2])
    if len(argv) == 4 and argv[0] == "roundtrip" and argv[1] == "--any-order":
        return cmd_roundtrip(argv[2], argv[3], any_order=True)
    if len(argv) == 2 and argv[0] == "shards":
        return cmd_shards(argv[1])
    if len(argv) == 3 and argv[0] == "same-set":
        return cmd_same_set(argv[1], argv[2])
    if len(argv) == 2 and argv[0] == "metadata":
        return cmd_metadata(argv[1])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
