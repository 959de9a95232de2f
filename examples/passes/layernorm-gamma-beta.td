//===- layernorm-gamma-beta.td - TF-style LayerNorm names -*- tablegen -*-===//
//
// An example pass file for ckpt-migrate (see docs/WritingPasses.md).
//
// The problem: checkpoints converted from TensorFlow, and those of early
// PyTorch BERT ports (pytorch-pretrained-bert), name LayerNorm's parameters
// `gamma` and `beta`; torch.nn.LayerNorm calls them `weight` and `bias`:
//
//   Missing key(s) in state_dict: "bert.embeddings.LayerNorm.weight", ...
//   Unexpected key(s) in state_dict: "bert.embeddings.LayerNorm.gamma", ...
//
// Renaming every `.gamma` would be wrong: other modules have real
// parameters called `gamma` (layer scale in ConvNeXt/CaiT, attention
// gates), and these must keep their names. The rules rename only keys
// whose module is a LayerNorm by name (RenameKeys' `scope` regex), and
// leave `attn.gamma`, `attn.gamma_scale` and every other key alone.
//
//   ckpt-migrate -pass-file=layernorm-gamma-beta.td \
//       -passes=layernorm-gamma-beta old-bert.pt -o bert.pt
//
//   # Your LayerNorms are called something else (`ln_f`, `final_norm`):
//   ckpt-migrate -pass-file=layernorm-gamma-beta.td \
//       '-passes=layernorm-gamma-beta{norm=ln_f|final_norm}' in.pt -o out.pt
//
// Module names only: a LayerNorm the model calls `proj` is not found (ask
// `ckpt-migrate -S in.pt` for the keys, or name it in `norm`).
//
//===----------------------------------------------------------------------===//

include "ckpt/Passes/PassBase.td"

def LayerNormGammaBeta : Pass<"layernorm-gamma-beta"> {
  let summary = "Renames LayerNorm gamma/beta to weight/bias";
  let description = [{
    A key `P.M.gamma` becomes `P.M.weight`, and `P.M.beta` becomes
    `P.M.bias`, when the module name `M` matches the regex `norm` in full
    (default: BERT's `LayerNorm`, fairseq's `*layer_norm`, `norm`,
    `norm1`, ..., GPT-2's `ln_1`/`ln_f`, `ln`). Module prefixes do not
    change, so `_metadata` stays as it is.
  }];
  let options = [
    Option<"norm", "string", "LayerNorm|[a-z_]*layer_norm|norm[0-9]*|ln(_[a-z0-9]+)?",
           "Regex for the names of the LayerNorm modules">
  ];
  let statistics = [Statistic<"keys-renamed", "State-dict keys renamed">];
  let rules = [
    RenameKeys<"\\.gamma$", ".weight", "(^|\\.)(${norm})\\.gamma$">,
    RenameKeys<"\\.beta$", ".bias", "(^|\\.)(${norm})\\.beta$">
  ];
}
