//===- ckpt/Passes/Rules.h - The declarative rule engine --------*- C++ -*-===//
//
// Part of ckpt-migrate. One implementation of each rule kind of
// ckpt/Passes/RuleKinds.def, shared by the passes compiled from passes.td
// and those read from users' files at run time.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PASSES_RULES_H
#define CKPT_PASSES_RULES_H

#include "ckpt/Passes/Pass.h"
#include "llvm/Support/Error.h"
#include <memory>

namespace ckpt {
class Checkpoint;

/// One compiled rule: its parameters substituted and its regexes compiled.
class Rule {
public:
  virtual ~Rule();
  virtual llvm::Error apply(Checkpoint &C, PassStatistics &Stats) = 0;
};

/// Compiles \p Spec with the option values of its pass. Errors name the
/// rule's kind and location.
llvm::Expected<std::unique_ptr<Rule>> compileRule(const RuleSpec &Spec,
                                                  const OptionValues &Opts);

/// A pass made of declarative rules, applied in order.
class RulePass : public Pass {
public:
  static llvm::Expected<std::unique_ptr<Pass>>
  create(const PassSpec &Spec, const OptionValues &Opts);

  llvm::StringRef getArgument() const override { return Spec.Argument; }
  llvm::Error run(Checkpoint &C, PassStatistics &Stats) override;

private:
  explicit RulePass(const PassSpec &Spec) : Spec(Spec) {}
  const PassSpec &Spec;
  std::vector<std::unique_ptr<Rule>> Rules;
};

} // namespace ckpt

#endif // CKPT_PASSES_RULES_H
