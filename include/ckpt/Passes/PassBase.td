//===- PassBase.td - The vocabulary of ckpt-migrate passes -*- tablegen -*-===//
//
// Part of ckpt-migrate. Include this from a pass file:
//
//   include "ckpt/Passes/PassBase.td"
//
// A pass is a record deriving from Pass<"argument">: a summary, a
// description, typed options, statistics, and either a list of declarative
// rules (applied in order by the rule engine) or a C++ constructor. A
// pipeline is a record deriving from Pipeline<"name">: pass text as
// `-passes=` takes it, and optionally the PyTorch release it targets.
//
// Rule parameters may use a pass option as ${name} (substituted as is) or
// ${name:regex} (escaped for use inside a regular expression).
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PASSES_PASSBASE_TD
#define CKPT_PASSES_PASSBASE_TD

//===----------------------------------------------------------------------===//
// Options and statistics
//===----------------------------------------------------------------------===//

/// A pass option: `-passes=pass{name=value}`. Type is "string", "int" or
/// "bool"; the default is spelled as on the command line.
class Option<string Name, string Type, string Default, string Desc> {
  string name = Name;
  string type = Type;
  string defaultValue = Default;
  string description = Desc;
}

/// A counter shown by `-stats`.
class Statistic<string Name, string Desc> {
  string name = Name;
  string description = Desc;
}

//===----------------------------------------------------------------------===//
// Declarative rules
//===----------------------------------------------------------------------===//

/// Base of every rule: `kind` names what the rule engine does; every other
/// field is a parameter.
class Rule<string Kind> {
  string kind = Kind;
}

// --- Renames --------------------------------------------------------------

/// Renames state-dict keys matching the regex `from` to `to` (with \1..\9
/// captures), considering only keys that match `scope` (all when empty).
/// `_metadata` prefixes are renamed in step. A rename onto an existing key
/// is an error.
class RenameKeys<string From, string To, string Scope = ""> : Rule<"RenameKeys"> {
  string from = From;
  string to = To;
  string scope = Scope;
}

/// Renames attribute `from` to `to` in the state of every pickled object
/// whose class (module.Name) matches the regex `cls`.
class RenameAttribute<string Cls, string From, string To> : Rule<"RenameAttribute"> {
  string cls = Cls;
  string from = From;
  string to = To;
}

/// Renames a global (module.Name, e.g. a model class that moved).
class RenameGlobal<string From, string To> : Rule<"RenameGlobal"> {
  string from = From;
  string to = To;
}

/// Renames a module and its submodules in every global
/// (`models.yolo` -> `yolov5.models.yolo`).
class RenameModule<string From, string To> : Rule<"RenameModule"> {
  string from = From;
  string to = To;
}

// --- Optimizer state ---------------------------------------------------------

/// Replaces every optimizer `step` tensor with a Python number (< 1.12).
def OptimizerStepToNumber : Rule<"OptimizerStepToNumber">;

/// Replaces every optimizer `step` number with a 0-dim tensor of `dtype`
/// (1.12+ layout).
class OptimizerStepToTensor<string Dtype = "f32"> : Rule<"OptimizerStepToTensor"> {
  string dtype = Dtype;
}

/// Adds `key` with `value` (a textual-IR literal: False, None, 0.0, ...) to
/// every optimizer param_group that lacks it.
class AddParamGroupKey<string Key, string Value> : Rule<"AddParamGroupKey"> {
  string key = Key;
  string value = Value;
}

/// Removes `key` from every optimizer param_group.
class DropParamGroupKey<string Key> : Rule<"DropParamGroupKey"> {
  string key = Key;
}

// --- Stripping newer metadata --------------------------------------------

/// Drops state-dict entries whose key matches the regex `pattern`, and the
/// same entries of pickled modules' _parameters/_buffers.
class DropKeys<string Pattern> : Rule<"DropKeys"> {
  string pattern = Pattern;
}

/// Sets `_metadata[prefix]["version"]` to `version` for every prefix matching
/// the regex `prefix` whose current version is `from` (any when -1).
class SetMetadataVersion<string Prefix, int Version, int From = -1,
                         string IfKey = ""> : Rule<"SetMetadataVersion"> {
  string prefix = Prefix;
  int version = Version;
  int from = From;
  /// When set, only prefixes p whose state dict holds the key `p.IfKey`
  /// (`IfKey` for the root): e.g. "num_batches_tracked" picks BatchNorms.
  string ifKey = IfKey;
}

/// Removes the `_metadata` attribute of every state dict.
def DropMetadata : Rule<"DropMetadata">;

/// Removes attribute `attr` from the state of every pickled object whose
/// class matches the regex `cls`.
class DropAttribute<string Cls, string Attr> : Rule<"DropAttribute"> {
  string cls = Cls;
  string attr = Attr;
}

/// Removes a container record (zip: `byteorder`, `.data/serialization_id`,
/// ...).
class DropRecord<string Name> : Rule<"DropRecord"> {
  string name = Name;
}

//===----------------------------------------------------------------------===//
// Passes and pipelines
//===----------------------------------------------------------------------===//

class Pass<string Arg> {
  string argument = Arg;
  string summary = "";
  code description = [{}];
  list<Option> options = [];
  list<Statistic> statistics = [];
  list<Rule> rules = [];
  /// For passes implemented in C++: the name of a function
  /// `llvm::Expected<std::unique_ptr<ckpt::Pass>> NAME(const OptionValues &)`.
  string constructor = "";
}

class Pipeline<string Name> {
  string name = Name;
  string summary = "";
  code description = [{}];
  /// Pass text, as `-passes=` takes it.
  string passes = "";
  /// The PyTorch release the pipeline targets ("" for none).
  string target = "";
}

#endif // CKPT_PASSES_PASSBASE_TD
