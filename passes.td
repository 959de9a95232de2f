//===- passes.td - ckpt-migrate passes and pipelines ------*- tablegen -*-===//
//
// The project's migration passes and pipelines, in the vocabulary of
// include/ckpt/Passes/PassBase.td. ckpt-tblgen turns this file into the
// built-in pass registry (PassRegistry.inc), the declarations of C++ passes
// (PassDecls.inc) and docs/Passes.md; every output lists passes and
// pipelines in the order they are defined here.
//
//===----------------------------------------------------------------------===//

include "ckpt/Passes/PassBase.td"

//===----------------------------------------------------------------------===//
// Renames
//===----------------------------------------------------------------------===//

def StripPrefix : Pass<"strip-prefix"> {
  let summary = "Removes a prefix from state-dict keys";
  let description = [{
    `torch.nn.DataParallel` and `DistributedDataParallel` save the wrapped
    module's state under `module.`, so a model loaded without the wrapper
    finds none of its keys. This pass renames `module.x` to `x` (or strips
    another `prefix`), renaming the matching `_metadata` entries in step.
    Keys without the prefix are left alone; a rename onto an existing key is
    an error.
  }];
  let options = [
    Option<"prefix", "string", "module.", "The prefix to remove">
  ];
  let rules = [RenameKeys<"^${prefix:regex}(.*)$", "\\1">];
}
