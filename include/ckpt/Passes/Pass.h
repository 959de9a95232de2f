//===- ckpt/Passes/Pass.h - Passes over the checkpoint IR -------*- C++ -*-===//
//
// Part of ckpt-migrate. A pass transforms a Checkpoint in place and reports
// what it did through statistics. Passes know the IR only: nothing of byte
// layouts, containers or pickles.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PASSES_PASS_H
#define CKPT_PASSES_PASS_H

#include "ckpt/Passes/PassSpec.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ckpt {
class Checkpoint;

/// The parsed option values of one pass instance (`pass{name=value,...}`),
/// defaults filled in from its OptionSpecs.
class OptionValues {
public:
  /// Builds the values from \p Given, checking names and types against
  /// \p Specs. Unknown names are an error listing the valid ones.
  static llvm::Expected<OptionValues>
  create(llvm::StringRef PassName, llvm::ArrayRef<OptionSpec> Specs,
         const llvm::StringMap<std::string> &Given);

  llvm::StringRef getString(llvm::StringRef Name) const;
  int64_t getInt(llvm::StringRef Name) const;
  bool getBool(llvm::StringRef Name) const;
  /// All values, in declaration order, for printing `pass{a=1,b=x}`.
  llvm::ArrayRef<std::pair<std::string, std::string>> all() const {
    return Values;
  }

private:
  std::string *find(llvm::StringRef Name);
  std::vector<std::pair<std::string, std::string>> Values;
};

/// Counters a pass increments; printed by `-stats`.
class PassStatistics {
public:
  /// Counts \p N changes of kind \p Name. \p KeepsReachable says that these
  /// changes dropped or replaced only scalars, so the set of other nodes
  /// reachable from the root is as it was (the next pass may reuse its walk).
  void add(llvm::StringRef Name, uint64_t N = 1, bool KeepsReachable = false) {
    Counts[Name] += N;
    if (N && !KeepsReachable)
      AllKeepReachable = false;
  }
  uint64_t get(llvm::StringRef Name) const { return Counts.lookup(Name); }
  const llvm::MapVector<llvm::StringRef, uint64_t> &all() const {
    return Counts;
  }
  /// Whether anything was counted (a pass that changed nothing counts
  /// nothing).
  bool empty() const;
  /// Whether every change counted kept the non-scalar reachable nodes.
  bool keepsReachable() const { return AllKeepReachable; }
  /// Notes one changed value for `-stats`' per-value list, as "PATH: OLD
  /// TYPE -> NEW TYPE", so that users know what their file now holds.
  void remark(std::string Text) { Remarks.push_back(std::move(Text)); }
  llvm::ArrayRef<std::string> remarks() const { return Remarks; }

private:
  llvm::MapVector<llvm::StringRef, uint64_t> Counts;
  std::vector<std::string> Remarks;
  bool AllKeepReachable = true;
};

/// A pass instance.
class Pass {
public:
  virtual ~Pass();
  /// The pass's argument (`strip-prefix`).
  virtual llvm::StringRef getArgument() const = 0;
  /// Transforms \p C. Errors name the value's path and what is wrong.
  virtual llvm::Error run(Checkpoint &C, PassStatistics &Stats) = 0;
};

} // namespace ckpt

#endif // CKPT_PASSES_PASS_H
