//===- attention-rename.td - The tutorial's pass file -----*- tablegen -*-===//
//
// The pass file docs/WritingPasses.md builds, step by step: version 2 of a
// model renamed `encoder.layers.N` to `blocks.N`, and each layer's `attn`
// to `attention`. Use it as:
//
//   ckpt-migrate -pass-file=attention-rename.td -passes=v1-to-v2 v1.pt -o v2.pt
//
//===----------------------------------------------------------------------===//

include "ckpt/Passes/PassBase.td"

def AttentionRename : Pass<"attention-rename"> {
  let summary = "Renames encoder.layers.N.attn to blocks.N.attention";
  let description = [{
    Version 2 of the model keeps its layers in `blocks` instead of
    `encoder.layers`, and calls each layer's attention `attention`, not
    `attn`. Renames the state-dict keys and their `_metadata` entries.
  }];
  let options = [
    Option<"old", "string", "encoder.layers", "Where version 1 keeps the layers">,
    Option<"new", "string", "blocks", "Where version 2 keeps them">
  ];
  let statistics = [
    Statistic<"keys-renamed", "State-dict keys renamed">,
    Statistic<"metadata-renamed", "_metadata entries renamed">
  ];
  let rules = [
    RenameKeys<"^${old:regex}\\.([0-9]+)\\.attn\\.", "${new}.\\1.attention.">,
    RenameKeys<"^${old:regex}\\.([0-9]+)\\.", "${new}.\\1.">
  ];
}

def V1ToV2 : Pipeline<"v1-to-v2"> {
  let summary = "Makes a version-1 checkpoint (DataParallel or not) load into version 2";
  let passes = "strip-prefix,attention-rename";
}
