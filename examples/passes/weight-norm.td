//===- weight-norm.td - Weight-norm key styles ------------*- tablegen -*-===//
//
// An example pass file for ckpt-migrate (see docs/WritingPasses.md).
//
// The problem: torch.nn.utils.weight_norm (deprecated in PyTorch 2.1)
// stores a normalised weight as two parameters, `weight_g` (the norm) and
// `weight_v` (the direction); its replacement,
// torch.nn.utils.parametrizations.weight_norm, stores the same two tensors
// as `parametrizations.weight.original0` and `...original1`. A checkpoint of
// one style does not load into a model built with the other:
//
//   Missing key(s) in state_dict: "conv.parametrizations.weight.original0",
//   "conv.parametrizations.weight.original1".
//   Unexpected key(s) in state_dict: "conv.weight_g", "conv.weight_v".
//
// The tensors are the same (g keeps its shape: [out, 1, 1] for a Conv1d and
// dim=0), so renaming the keys is the whole migration, in either direction:
//
//   ckpt-migrate -pass-file=weight-norm.td -passes=weight-norm-to-parametrize \
//       old.pt -o new.pt
//   ckpt-migrate -pass-file=weight-norm.td -passes=weight-norm-to-legacy \
//       new.pt -o old.pt
//
// _metadata: its entries are per module and no module moves, so the rules
// leave them as they are. The parametrized model has three modules more
// per weight (`conv.parametrizations`, `conv.parametrizations.weight` and
// `conv.parametrizations.weight.0`); a legacy checkpoint has no entries for
// them and gets none (none of these modules reads a version, and torch
// treats a missing entry as "no version"); going back to the legacy style,
// their entries stay in `_metadata`, where no module of the legacy model
// looks them up. The entries of every real module (a BatchNorm's version
// 2, say) are kept in both directions.
//
// A weight normalised under another name (`weight_hh_l0` of an LSTM) is
// given with the `name` option.
//
//===----------------------------------------------------------------------===//

include "ckpt/Passes/PassBase.td"

def WeightNormToParametrize : Pass<"weight-norm-to-parametrize"> {
  let summary = "weight_g/weight_v -> parametrizations.weight.original0/1";
  let description = [{
    For models moved to torch.nn.utils.parametrizations.weight_norm
    (PyTorch 2.1+): `P.weight_g` becomes `P.parametrizations.weight.original0`
    and `P.weight_v` becomes `P.parametrizations.weight.original1`.
  }];
  let options = [
    Option<"name", "string", "weight", "The normalised parameter's name">
  ];
  let statistics = [Statistic<"keys-renamed", "State-dict keys renamed">];
  let rules = [
    RenameKeys<"^(.*\\.)?${name:regex}_g$", "\\1parametrizations.${name}.original0">,
    RenameKeys<"^(.*\\.)?${name:regex}_v$", "\\1parametrizations.${name}.original1">
  ];
}

def WeightNormToLegacy : Pass<"weight-norm-to-legacy"> {
  let summary = "parametrizations.weight.original0/1 -> weight_g/weight_v";
  let description = [{
    For code that still uses torch.nn.utils.weight_norm, or a PyTorch
    older than 2.1: the inverse of `weight-norm-to-parametrize`.
  }];
  let options = [
    Option<"name", "string", "weight", "The normalised parameter's name">
  ];
  let statistics = [Statistic<"keys-renamed", "State-dict keys renamed">];
  let rules = [
    RenameKeys<"^(.*\\.)?parametrizations\\.${name:regex}\\.original0$", "\\1${name}_g">,
    RenameKeys<"^(.*\\.)?parametrizations\\.${name:regex}\\.original1$", "\\1${name}_v">
  ];
}
