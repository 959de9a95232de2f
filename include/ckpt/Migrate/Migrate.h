//===- ckpt/Migrate/Migrate.h - One run over one file or many ---*- C++ -*-===//
//
// Part of ckpt-migrate. What the tool does with each input, as a library:
// read it (a checkpoint file, textual IR, a shard set or a DCP directory),
// run the pipeline, verify for the target release and write the result
// atomically, or print what was asked for (listings, summaries, IR). The
// driver only turns command-line options into a MigrateOptions.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_MIGRATE_MIGRATE_H
#define CKPT_MIGRATE_MIGRATE_H

#include "ckpt/Container/Container.h"
#include "ckpt/Passes/PassManager.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ckpt {
struct TargetSpec;

/// What to do with each input.
struct MigrateOptions {
  /// The name errors start with (`ckpt-migrate: error: ...`).
  std::string ToolName = "ckpt-migrate";

  // --- Passes --------------------------------------------------------------
  /// The parsed pipeline, run on every input.
  std::vector<PipelineEntry> Pipeline;
  PassInstrumentation Instrumentation;
  /// Run the pipeline and report whether it changes anything; write nothing.
  bool DryRun = false;

  // --- Reading -------------------------------------------------------------
  /// Lower pickled objects to typed nodes (-no-lower turns it off).
  bool Lower = true;
  /// The most memory a read may use (-memory-limit).
  std::optional<uint64_t> MemoryLimit;
  /// Verify textual IR and the result of passes (-disable-verify).
  bool VerifyIR = true;

  // --- Writing -------------------------------------------------------------
  /// The release to encode for; null for the input's own encoding.
  const TargetSpec *Target = nullptr;
  /// The release the result must load in; null for none. A Target is
  /// always verified.
  const TargetSpec *VerifyFor = nullptr;
  /// The container to write (-format); none for the output name's, the
  /// target's or the input's.
  std::optional<ContainerKind> Format;
  /// Write a shard set of files of at most this many bytes.
  std::optional<uint64_t> MaxShardSize;
  /// Show a progress line while copying at least ProgressMinBytes.
  bool ShowProgress = false;
  uint64_t ProgressMinBytes = 256 << 20;

  // --- Printing instead of writing -----------------------------------------
  bool ListRecords = false; ///< -list-records
  bool DumpPickle = false;  ///< -dump-pickle
  bool Summary = false;     ///< -summary
  bool ListTensors = false; ///< -tensors
  bool PrintIR = false;     ///< -S
  bool InlineData = false;  ///< -inline-data (with -S)

  /// Free the IR after each input. A single run leaves it to the process's
  /// exit: freeing millions of nodes one by one only costs time (as clang's
  /// -disable-free).
  bool FreeIR = true;

  /// Whether the run prints text rather than writing a checkpoint.
  bool wantsText() const {
    return PrintIR || Summary || ListTensors || ListRecords || DumpPickle ||
           DryRun;
  }
};

/// Migrates \p Input into \p Output ("-" for stdout), or prints what
/// \p Opts asks for. Every error is reported on \p Diag (reportError's form)
/// and makes the result false; a failed run writes no output.
bool migrateFile(llvm::StringRef Input, llvm::StringRef Output,
                 const MigrateOptions &Opts, llvm::raw_ostream &Diag);

/// Migrates each of \p Inputs into \p OutputDir under its own name, up to
/// \p Jobs at once; one failure does not stop the others. Each file's
/// diagnostics are printed together on \p Diag, with a `[i/n] migrated`
/// line per file when \p Ticker, and a summary at the end. Returns the
/// number of files that failed (every file, if the directory cannot be
/// made or two inputs share a name).
unsigned migrateFiles(llvm::ArrayRef<std::string> Inputs,
                      llvm::StringRef OutputDir, const MigrateOptions &Opts,
                      unsigned Jobs, bool Ticker, llvm::raw_ostream &Diag);

} // namespace ckpt

#endif // CKPT_MIGRATE_MIGRATE_H
