//===- data-parallel.td - DataParallel / DDP key prefixes -*- tablegen -*-===//
//
// An example pass file for ckpt-migrate (see docs/WritingPasses.md).
//
// The problem: torch.nn.DataParallel and DistributedDataParallel save the
// wrapped model's state under `module.` (and torch.compile, 2.0+, under
// `_orig_mod.`), so the bare model refuses the checkpoint:
//
//   Error(s) in loading state_dict for Net:
//     Missing key(s) in state_dict: "conv.weight", ...
//     Unexpected key(s) in state_dict: "module.conv.weight", ...
//
// and the other way round when a plain checkpoint meets a wrapped model.
// The usual fix, `{k[7:]: v for k, v in sd.items()}`, also throws away
// `_metadata` (the module versions BatchNorm and others read on load); the
// passes here rename `_metadata` prefixes with the keys. Every state dict
// in the file is renamed, so a training checkpoint
// `{'model': sd, 'optimizer': ..., 'epoch': N}` works as well as a bare
// state dict; the optimizer state is keyed by parameter index and does not
// change.
//
//   ckpt-migrate -pass-file=data-parallel.td -passes=from-data-parallel \
//       ddp.pt -o plain.pt
//   ckpt-migrate -pass-file=data-parallel.td -passes=to-data-parallel \
//       plain.pt -o ddp.pt
//
// A model whose own first submodule is called `module` (or `_orig_mod`)
// cannot be told apart from a wrapped one: use the built-in
// `strip-prefix{prefix=module.}` there, which strips exactly one level.
//
//===----------------------------------------------------------------------===//

include "ckpt/Passes/PassBase.td"

def DPStrip : Pass<"dp-strip"> {
  let summary = "Strips every leading `module.` / `_orig_mod.` wrapper prefix";
  let description = [{
    Removes any run of `module.` (DataParallel, DistributedDataParallel)
    and `_orig_mod.` (torch.compile) prefixes from state-dict keys, however
    the wrappers were nested (`module.module.`, `module._orig_mod.`), and
    moves the `_metadata` entries with them: the wrapped model's root entry
    replaces the wrapper's. Keys without a prefix are left alone.
  }];
  let statistics = [
    Statistic<"keys-renamed", "State-dict keys renamed">,
    Statistic<"metadata-renamed", "_metadata module prefixes renamed">
  ];
  let rules = [RenameKeys<"^((module|_orig_mod)\\.)+(.+)$", "\\3">];
}

def DPAdd : Pass<"dp-add"> {
  let summary = "Puts every key under `prefix` unless it is there already";
  let description = [{
    Unlike the built-in `add-prefix`, running it twice does not make
    `module.module.`: a key that already starts with `prefix` is left
    alone.
  }];
  let options = [
    Option<"prefix", "string", "module.", "The wrapper's prefix">
  ];
  let statistics = [
    Statistic<"keys-renamed", "State-dict keys renamed">,
    Statistic<"metadata-renamed", "_metadata module prefixes renamed">
  ];
  let rules = [RenameKeys<"^(${prefix:regex})?(.*)$", "${prefix}\\2">];
}

def FromDataParallel : Pipeline<"from-data-parallel"> {
  let summary = "Makes a DataParallel/DDP/compiled checkpoint load into the bare model";
  let passes = "dp-strip";
}

def ToDataParallel : Pipeline<"to-data-parallel"> {
  let summary = "Makes any checkpoint of the model load into DataParallel(model)";
  let description = [{
    Strips whatever wrappers the checkpoint was saved with first, so that a
    compiled (`_orig_mod.`) checkpoint also ends up under exactly one
    `module.`; then adds it with the built-in `add-prefix`.
  }];
  let passes = "dp-strip,add-prefix{prefix=module.}";
}
