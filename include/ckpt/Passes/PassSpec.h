//===- ckpt/Passes/PassSpec.h - Passes and pipelines as data ----*- C++ -*-===//
//
// Part of ckpt-migrate. What a `.td` file says about a pass or a pipeline,
// as plain data: ckpt-tblgen -gen-pass-registry emits static tables of these
// from passes.td, and `-pass-file=` builds the same from a user's file at run
// time, so one interpreter serves both.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PASSES_PASSSPEC_H
#define CKPT_PASSES_PASSSPEC_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <memory>
#include <optional>

namespace ckpt {
class Pass;
class OptionValues;

/// The type of a pass option.
enum class OptionType { String, Int, Bool };

/// Returns "string", "int" or "bool", as `.td` files and `-print-passes`
/// spell \p T.
llvm::StringRef getOptionTypeName(OptionType T);

/// Parses the value of an int option: decimal, optionally signed, 64-bit.
std::optional<int64_t> parseIntOption(llvm::StringRef Value);

/// Parses the value of a bool option: true, false, 1 or 0.
std::optional<bool> parseBoolOption(llvm::StringRef Value);

/// Checks \p Value as an option of type \p T (a default in a `.td` file or
/// a value on the command line). The error says what was expected.
llvm::Error checkOptionValue(OptionType T, llvm::StringRef Value);

/// One option of a pass: `name=value` in `-passes=pass{name=value}`.
struct OptionSpec {
  llvm::StringRef Name;
  OptionType Type;
  /// Default value, spelled as on the command line.
  llvm::StringRef Default;
  llvm::StringRef Description;
};

/// A counter a pass reports under `-stats`.
struct StatisticSpec {
  llvm::StringRef Name;
  llvm::StringRef Description;
};

/// One named parameter of a rule (every field of the rule's record).
struct RuleParam {
  llvm::StringRef Name;
  llvm::StringRef Value;
};

/// One declarative rewrite rule: its kind (the TableGen class, e.g.
/// "RenameKeys") and parameters. Parameter values may name pass options as
/// `${option}` (substituted as is) or `${option:regex}` (regex-escaped).
struct RuleSpec {
  llvm::StringRef Kind;
  llvm::ArrayRef<RuleParam> Params;
  /// Where the rule was written (`file:line`), for diagnostics.
  llvm::StringRef Loc;
};

/// Creates a C++ pass (`let constructor`) from its parsed options.
using PassFactory =
    llvm::Expected<std::unique_ptr<Pass>> (*)(const OptionValues &);

/// A pass: `Pass<"argument">` in TableGen.
struct PassSpec {
  llvm::StringRef Argument;
  llvm::StringRef Summary;
  llvm::StringRef Description;
  llvm::ArrayRef<OptionSpec> Options;
  llvm::ArrayRef<StatisticSpec> Statistics;
  /// Declarative rules, applied in order.
  llvm::ArrayRef<RuleSpec> Rules;
  /// For passes implemented in C++; null for rule-only passes.
  PassFactory Factory = nullptr;
  /// Where the pass was defined (`file:line`).
  llvm::StringRef Loc;
};

/// A named pipeline: `Pipeline<"name">` in TableGen.
struct PipelineSpec {
  llvm::StringRef Name;
  llvm::StringRef Summary;
  llvm::StringRef Description;
  /// The pipeline text, as `-passes=` takes it.
  llvm::StringRef Passes;
  /// The PyTorch release the pipeline targets ("" for none).
  llvm::StringRef Target;
  llvm::StringRef Loc;
};

/// The passes and pipelines compiled from passes.td.
llvm::ArrayRef<PassSpec> getBuiltinPassSpecs();
llvm::ArrayRef<PipelineSpec> getBuiltinPipelineSpecs();

} // namespace ckpt

#endif // CKPT_PASSES_PASSSPEC_H
