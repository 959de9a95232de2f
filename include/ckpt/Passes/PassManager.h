//===- ckpt/Passes/PassManager.h - Pipelines of passes ----------*- C++ -*-===//
//
// Part of ckpt-migrate. The registry of passes and pipelines (built-in from
// passes.td, plus users' own), the `-passes=` text parser, and the pass
// manager with LLVM's instrumentation: print-before/after, print-changed
// (a diff of the IR), verify-each, time-passes and statistics.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PASSES_PASSMANAGER_H
#define CKPT_PASSES_PASSMANAGER_H

#include "ckpt/Passes/Pass.h"
#include "ckpt/Passes/PassSpec.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <memory>
#include <string>
#include <vector>

namespace ckpt {

/// Every pass and pipeline the tool knows, by name.
class PassRegistry {
public:
  /// A registry holding the built-in passes and pipelines of passes.td.
  static PassRegistry createWithBuiltins();

  /// Adds a pass or pipeline; a name already taken is an error.
  llvm::Error addPass(const PassSpec &Spec);
  llvm::Error addPipeline(const PipelineSpec &Spec);

  const PassSpec *lookupPass(llvm::StringRef Name) const;
  const PipelineSpec *lookupPipeline(llvm::StringRef Name) const;

  /// Names close to \p Name (edit distance), for "did you mean" errors.
  std::vector<std::string> getNearMatches(llvm::StringRef Name) const;

  const std::vector<const PassSpec *> &passes() const { return Passes; }
  const std::vector<const PipelineSpec *> &pipelines() const {
    return Pipelines;
  }

  /// Prints every pass and pipeline with its summary and options
  /// (`-print-passes`).
  void print(llvm::raw_ostream &OS) const;

private:
  std::vector<const PassSpec *> Passes;
  std::vector<const PipelineSpec *> Pipelines;
  llvm::StringMap<const PassSpec *> PassByName;
  llvm::StringMap<const PipelineSpec *> PipelineByName;
};

/// One pass of a parsed pipeline: which pass, with which options.
struct PipelineEntry {
  const PassSpec *Spec;
  OptionValues Options;
  /// `name{a=1,b=x}` as it runs, for printing and instrumentation.
  std::string Text;
  /// The pipelines it came from (outermost first), for diagnostics.
  std::string Origin;
};

/// Parses `-passes=` text (`a,b{opt=val,opt2="x,y"},pipeline-name`) against
/// \p R, expanding pipelines. Unknown names and options are errors listing
/// near matches. Also returns the target release named by the last pipeline
/// that names one ("" if none).
llvm::Expected<std::vector<PipelineEntry>>
parsePassPipeline(llvm::StringRef Text, const PassRegistry &R,
                  std::string *TargetOut = nullptr);

/// Instantiates the pass of \p E: the rule interpreter for declarative
/// passes, the C++ factory otherwise.
llvm::Expected<std::unique_ptr<Pass>> createPass(const PipelineEntry &E);

/// Instrumentation switches of the pass manager.
struct PassInstrumentation {
  bool PrintAfterAll = false;
  bool PrintBeforeAll = false;
  std::vector<std::string> PrintBefore, PrintAfter;
  /// Print a unified diff of the IR for every pass that changed it, and a
  /// note for every pass that did not.
  bool PrintChanged = false;
  bool VerifyEach = false;
  bool TimePasses = false;
  bool Stats = false;
};

/// Runs a parsed pipeline over a checkpoint.
class PassManager {
public:
  PassManager(std::vector<PipelineEntry> Entries, PassInstrumentation PI,
              llvm::raw_ostream &Log)
      : Entries(std::move(Entries)), PI(std::move(PI)), Log(Log) {}

  /// Runs every pass in order; stops at the first error, which names the
  /// pass. Removes storages no longer referenced after each pass.
  llvm::Error run(Checkpoint &C);

  /// Whether any pass changed the IR (for -dry-run reports).
  bool changedAnything() const { return Changed; }

private:
  std::vector<PipelineEntry> Entries;
  PassInstrumentation PI;
  llvm::raw_ostream &Log;
  bool Changed = false;
};

/// Removes from C.getStorages() every storage the root no longer reaches.
void pruneUnreferencedStorages(Checkpoint &C);

} // namespace ckpt

#endif // CKPT_PASSES_PASSMANAGER_H
