// A small pass file exercising every field of the PassBase.td vocabulary.
include "ckpt/Passes/PassBase.td"

def StripPrefix : Pass<"strip-prefix"> {
  let summary = "Strips a prefix from every state-dict key";
  let description = [{
    Removes `prefix` from the start of every key that has it, as
    `torch.nn.DataParallel` adds `module.`.

      Indented lines keep their extra indentation.
  }];
  let options = [
    Option<"prefix", "string", "module.", "The prefix to strip">,
    Option<"max-depth", "int", "-3", "How deep to look | pipes escaped">,
    Option<"dry-run", "bool", "false", "Only count">
  ];
  let statistics = [Statistic<"renamed", "Keys renamed">];
  let rules = [
    RenameKeys<"^${prefix:regex}(.*)", "\\1">,
    DropKeys<"num_batches_tracked$">,
    SetMetadataVersion<"^${prefix:regex}", 2>,
    DropMetadata
  ];
}

def DropNewerMetadata : Pass<"drop-newer-metadata"> {
  let summary = "Drops metadata newer releases add";
  let rules = [DropRecord<".data/serialization_id">, OptimizerStepToNumber];
}

def Verify : Pass<"verify"> {
  let summary = "Checks the checkpoint in C++";
  let options = [Option<"strict", "bool", "1", "Fail on warnings">,
                 Option<"class", "string", "", "A keyword-named option">];
  let constructor = "createVerifyPass";
}

def Portable : Pipeline<"portable"> {
  let summary = "For C++ readers";
  let description = [{
    Plain dicts, plain tensors.
  }];
  let passes = "strip-prefix{prefix=model.,max-depth=2},verify";
  let target = "1.4";
}

def Everything : Pipeline<"everything"> {
  let passes = "portable,drop-newer-metadata";
}
