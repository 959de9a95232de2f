//===- ckpt/TableGen/PassModel.h - Pass records as checked data -*- C++ -*-===//
//
// Part of ckpt-migrate. The records of a pass file (PassBase.td vocabulary)
// turned into owning, validated data: ckpt-tblgen emits its tables, docs and
// declarations from it, and `-pass-file=` reads a user's file into it at run
// time. Nothing here exits the process: every problem comes back as a
// `file:line:col: error: ...` diagnostic inside an llvm::Error.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_TABLEGEN_PASSMODEL_H
#define CKPT_TABLEGEN_PASSMODEL_H

#include "ckpt/Passes/PassSpec.h"
#include "ckpt/Support/Diagnostics.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llvm {
class RecordKeeper;
class SourceMgr;
} // namespace llvm

namespace ckpt {

/// An `Option<name, type, default, description>` of a pass.
struct OptionDef {
  std::string Name;
  OptionType Type = OptionType::String;
  /// As written in the .td file (and as the command line spells it).
  std::string Default;
  std::string Description;
};

/// A `Statistic<name, description>` of a pass.
struct StatisticDef {
  std::string Name;
  std::string Description;
};

/// One rule: its kind and parameters in RuleKinds.def order. Values are
/// strings as written (with `${option}` references unexpanded); ints in
/// decimal, bits as 0 or 1.
struct RuleDef {
  std::string Kind;
  std::vector<std::pair<std::string, std::string>> Params;
  /// `file:line` of the rule's record.
  std::string Loc;
};

/// A record deriving from `Pass<argument>`.
struct PassDef {
  /// The TableGen def name (`StripPrefix`); names the generated
  /// `<DefName>Options` struct of C++ passes.
  std::string DefName;
  std::string Argument;
  std::string Summary;
  /// With common indentation and surrounding blank lines removed.
  std::string Description;
  std::vector<OptionDef> Options;
  /// Those the def declares, then those its rules' kinds count
  /// (RuleKinds.def), each name once.
  std::vector<StatisticDef> Statistics;
  std::vector<RuleDef> Rules;
  /// C++ factory function name (possibly `ns::qualified`), or "".
  std::string Constructor;
  /// `file:line` of the def.
  std::string Loc;

  const OptionDef *findOption(llvm::StringRef Name) const;
  const StatisticDef *findStatistic(llvm::StringRef Name) const;
};

/// A record deriving from `Pipeline<name>`.
struct PipelineDef {
  std::string DefName;
  std::string Name;
  std::string Summary;
  std::string Description;
  /// Pass text, as `-passes=` takes it (syntax checked).
  std::string Passes;
  /// The PyTorch release targeted ("" for none).
  std::string Target;
  std::string Loc;
};

/// Everything a pass file defines, in definition order.
struct PassFileModel {
  std::vector<PassDef> Passes;
  std::vector<PipelineDef> Pipelines;
  /// Warnings (rendered diagnostics) TableGen reported while parsing.
  std::vector<std::string> Warnings;

  const PassDef *findPass(llvm::StringRef Argument) const;
  const PipelineDef *findPipeline(llvm::StringRef Name) const;
};

/// How buildPassModel checks and renders.
struct BuildOptions {
  /// Stripped (with the following '/') from the start of file names in
  /// `Loc` strings, so that generated files do not depend on where the
  /// source tree is. Diagnostics always use the full name.
  std::string LocBase;
  /// Whether a name in a pipeline's pass text must be a pass or pipeline of
  /// this same file. ckpt-tblgen sets it for the built-in passes.td; a user's
  /// file may name built-in passes, which the pass manager resolves.
  bool RequireKnownPassNames = false;
};

/// Reads every Pass and Pipeline record of \p Records into a model, checking:
/// option types and defaults; unique pass arguments, pipeline names and
/// option/statistic names; rule kinds and parameters against RuleKinds.def;
/// `${option}` references; regex parameters (compiled after substituting
/// option defaults); that a pass has rules or a constructor; the syntax of
/// pipeline pass text, the options it gives to passes of this file, and
/// cycles between pipelines. \p SM must hold the buffers the records were
/// parsed from (llvm::SrcMgr inside TableGenMain). All problems found are
/// returned together as one DiagnosticError. A file without the Pass or
/// Pipeline classes simply has none of them.
llvm::Expected<PassFileModel> buildPassModel(const llvm::RecordKeeper &Records,
                                             const llvm::SourceMgr &SM,
                                             const BuildOptions &Opts = {});

/// Parses the TableGen file \p Path (with `include`s searched in
/// \p IncludeDirs) and builds its model. TableGen's errors come back as a
/// DiagnosticError; the process never exits. Because TableGen's evaluator
/// still calls std::exit on a few errors (`!cast` to an undefined record),
/// on Unix the file is first parsed in a forked child, and only a file the
/// child parsed without error is parsed again here (about a millisecond).
/// Call it before registering output files with
/// llvm::sys::RemoveFileOnSignal: a child that TableGen ends runs LLVM's
/// interrupt handlers, which remove the files registered at fork time.
/// Not thread-safe: TableGen's parser uses the global llvm::SrcMgr.
llvm::Expected<PassFileModel>
parsePassFile(llvm::StringRef Path, llvm::ArrayRef<std::string> IncludeDirs,
              const BuildOptions &Opts = {});

/// The same for a file already in memory; \p BufferName names it in
/// diagnostics.
llvm::Expected<PassFileModel>
parsePassBuffer(llvm::StringRef Contents, llvm::StringRef BufferName,
                llvm::ArrayRef<std::string> IncludeDirs,
                const BuildOptions &Opts = {});

/// A model together with PassSpec/PipelineSpec views of it, for handing a
/// user's pass file to the pass manager like the built-in tables.
class PassSpecSet {
public:
  /// Builds the views. \p LookupFactory maps a pass's `constructor` name to a
  /// factory; a constructor it does not know (null) is an error naming the
  /// pass's location.
  static llvm::Expected<std::unique_ptr<PassSpecSet>>
  create(PassFileModel Model,
         llvm::function_ref<PassFactory(llvm::StringRef Constructor)>
             LookupFactory);

  const PassFileModel &getModel() const { return Model; }
  llvm::ArrayRef<PassSpec> getPasses() const { return Passes; }
  llvm::ArrayRef<PipelineSpec> getPipelines() const { return Pipelines; }

private:
  PassSpecSet() = default;
  PassSpecSet(const PassSpecSet &) = delete;
  PassSpecSet &operator=(const PassSpecSet &) = delete;

  PassFileModel Model;
  std::vector<std::vector<OptionSpec>> OptionStorage;
  std::vector<std::vector<StatisticSpec>> StatisticStorage;
  std::vector<std::vector<RuleParam>> ParamStorage;
  std::vector<std::vector<RuleSpec>> RuleStorage;
  std::vector<PassSpec> Passes;
  std::vector<PipelineSpec> Pipelines;
};

/// Returns the C++ member name of option \p Name in a generated
/// `<DefName>Options` struct: `max-depth` -> `maxDepth`, with a `_` appended
/// to C++ keywords.
std::string getOptionCppName(llvm::StringRef Name);

/// Returns the C++ name of statistic \p Name in a generated pass base:
/// `storages-widened` -> `NumStoragesWidened`.
std::string getStatisticCppName(llvm::StringRef Name);

/// Removes surrounding blank lines and the indentation common to all
/// non-blank lines of \p Text (a `[{ ... }]` description).
std::string dedentDescription(llvm::StringRef Text);

} // namespace ckpt

#endif // CKPT_TABLEGEN_PASSMODEL_H
