//===- RootKeys.td - An example plugin's passes in TableGen -----------===//
//
// The passes and pipeline of the example plugin examples/plugin-td, declared
// as the tool's own passes.td declares its: ckpt_add_pass_plugin(... TD
// RootKeys.td) runs ckpt-tblgen on this file for the plugin's pass base and
// registry. A pass may be C++ (`constructor`) or rules (interpreted by the
// tool), and pipelines may name either, and the tool's own passes.
//
//===----------------------------------------------------------------------===//

include "ckpt/Passes/PassBase.td"

def DropRootKey : Pass<"drop-root-key"> {
  let summary = "Drops one entry of the root mapping (example plugin)";
  let description = [{
    Removes the entry named `key` from the checkpoint's root dict, e.g. the
    optimizer state of a training checkpoint; a root without it is left
    as it is.
  }];
  let options = [
    Option<"key", "string", "optimizer", "The key of the root entry to drop">
  ];
  let statistics = [
    Statistic<"entries-dropped", "Root entries dropped">
  ];
  let constructor = "rootkeys::createDropRootKeyPass";
}

def DropBiases : Pass<"drop-biases"> {
  let summary = "Drops every *.bias key of the state dicts (example plugin)";
  let rules = [DropKeys<"\\.bias$">];
}

def WeightsOnly : Pipeline<"weights-only"> {
  let summary = "The model's weights alone (example plugin)";
  let passes = "drop-root-key{key=optimizer},drop-biases,drop-metadata";
}
