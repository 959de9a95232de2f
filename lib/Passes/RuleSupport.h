//===- RuleSupport.h - What the rule kinds share ----------------*- C++ -*-===//
//
// Part of ckpt-migrate (private to lib/Passes). The checked parameters a
// rule kind is built from (RuleArgs), the walkers more than one family of
// kinds uses, and the factory of every kind of RuleKinds.def, which each
// family's file defines (RenameRules.cpp, OptimizerRules.cpp,
// MetadataRules.cpp) and compileRule dispatches to.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_LIB_PASSES_RULESUPPORT_H
#define CKPT_LIB_PASSES_RULESUPPORT_H

#include "GraphEdits.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Passes/RuleKinds.h"
#include "ckpt/Passes/Rules.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/Regex.h"
#include <cassert>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ckpt {

/// The parameters of one rule with its pass's option values substituted,
/// each checked and converted once by the type RuleKinds.def declares for
/// it. A rule kind's create() takes what it needs by name.
class RuleArgs {
public:
  /// Substitutes, checks and converts every parameter of \p Spec.
  static llvm::Expected<RuleArgs> create(const RuleKindInfo &Info,
                                         const RuleSpec &Spec,
                                         const OptionValues &Opts);

  /// A text parameter (String, Name, DottedName, QualifiedName, Literal).
  const std::string &getString(llvm::StringRef Name) const {
    const Arg &A = get(Name);
    assert(A.Type != RuleParamType::Int && A.Type != RuleParamType::Bit &&
           "not a text parameter");
    return A.Text;
  }
  int64_t getInt(llvm::StringRef Name) const {
    assert(get(Name).Type == RuleParamType::Int && "not an Int parameter");
    return get(Name).Int;
  }
  bool getBit(llvm::StringRef Name) const {
    assert(get(Name).Type == RuleParamType::Bit && "not a Bit parameter");
    return get(Name).Int != 0;
  }
  /// The compiled regex of a Regex parameter, or of an OptionalRegex one
  /// (null when it is empty, meaning "everything").
  std::unique_ptr<llvm::Regex> takeRegex(llvm::StringRef Name) {
    Arg &A = Args.find(Name)->second;
    assert((A.Type == RuleParamType::Regex ||
            A.Type == RuleParamType::OptionalRegex) &&
           "not a regex parameter");
    return std::move(A.Re);
  }
  /// "Kind at file:line", for a kind's own checks of its parameters.
  llvm::StringRef getWhat() const { return What; }

private:
  struct Arg {
    RuleParamType Type;
    std::string Text;
    int64_t Int = 0;
    std::unique_ptr<llvm::Regex> Re;
  };

  const Arg &get(llvm::StringRef Name) const {
    auto It = Args.find(Name);
    assert(It != Args.end() && "parameter not declared in RuleKinds.def");
    return It->second;
  }

  /// Checks and converts \p A, of parameter \p Name of kind \p Kind.
  llvm::Error convert(llvm::StringRef Kind, llvm::StringRef Name, Arg &A) const;

  std::string What;
  llvm::StringMap<Arg> Args;
};

/// The qualified class name of a pickled object: its callable global, or the
/// class inside a legacy `('module', cls, file, source)` persistent id.
std::optional<std::string> getObjectClass(const ObjectValue *O);

/// The attribute dict of a pickled object (its BUILD state), if it is one.
inline MappingValue *getAttributes(ObjectValue *O) {
  return llvm::dyn_cast_or_null<MappingValue>(O->getState());
}

/// Makes a key node of the same kind (str or Python 2 str) as \p Like.
Value *makeKey(Checkpoint &C, const Value *Like, llvm::StringRef Text);

/// Parses a small textual-IR literal: None, True, False, ints, floats and
/// double-quoted strings.
llvm::Expected<Value *> parseLiteral(Checkpoint &C, llvm::StringRef Text);

/// The factory of each rule kind: `create<Kind>Rule`.
#define CKPT_RULE_KIND(Kind)                                                   \
  llvm::Expected<std::unique_ptr<Rule>> create##Kind##Rule(RuleArgs &Args);
#include "ckpt/Passes/RuleKinds.def"

} // namespace ckpt

#endif // CKPT_LIB_PASSES_RULESUPPORT_H
