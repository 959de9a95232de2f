//===- ckpt/TableGen/RuleKinds.h - The table of rule kinds ------*- C++ -*-===//
//
// Part of ckpt-migrate. RuleKinds.def as data: every rule kind with its
// parameters and their types. Header-only and constexpr, so the rule engine
// can use it without linking the TableGen library.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_TABLEGEN_RULEKINDS_H
#define CKPT_TABLEGEN_RULEKINDS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <cstddef>
#include <iterator>

namespace ckpt {

/// What a rule parameter holds (see RuleKinds.def).
enum class RuleParamType { String, Regex, OptionalRegex, Int, Bit };

/// Every rule kind, in RuleKinds.def order, for switches in the rule engine.
enum class RuleKind {
#define CKPT_RULE_KIND(Kind) Kind,
#include "ckpt/TableGen/RuleKinds.def"
};

/// One parameter of a rule kind.
struct RuleParamInfo {
  llvm::StringRef Name;
  RuleParamType Type;
};

/// One rule kind and its parameters, in storage order.
struct RuleKindInfo {
  RuleKind Kind;
  llvm::StringRef Name;
  llvm::ArrayRef<RuleParamInfo> Params;
};

namespace detail {
/// All parameters of all kinds, grouped by kind as RuleKinds.def lists them.
inline constexpr RuleParamInfo RuleParamTable[] = {
#define CKPT_RULE_PARAM(Kind, Name, Type) {#Name, RuleParamType::Type},
#include "ckpt/TableGen/RuleKinds.def"
};
/// The kind each entry of RuleParamTable belongs to.
inline constexpr RuleKind RuleParamOwner[] = {
#define CKPT_RULE_PARAM(Kind, Name, Type) RuleKind::Kind,
#include "ckpt/TableGen/RuleKinds.def"
};

constexpr size_t firstRuleParam(RuleKind K) {
  size_t I = 0;
  while (I < std::size(RuleParamOwner) && RuleParamOwner[I] != K)
    ++I;
  return I;
}

constexpr size_t countRuleParams(RuleKind K) {
  size_t N = 0;
  for (RuleKind Owner : RuleParamOwner)
    N += Owner == K;
  return N;
}

inline constexpr RuleKindInfo RuleKindTable[] = {
#define CKPT_RULE_KIND(Kind)                                                   \
  {RuleKind::Kind, #Kind,                                                      \
   llvm::ArrayRef<RuleParamInfo>(RuleParamTable +                              \
                                     firstRuleParam(RuleKind::Kind),           \
                                 countRuleParams(RuleKind::Kind))},
#include "ckpt/TableGen/RuleKinds.def"
};
} // namespace detail

/// Returns every rule kind, in RuleKinds.def order.
inline llvm::ArrayRef<RuleKindInfo> getRuleKinds() {
  return detail::RuleKindTable;
}

/// Returns the description of \p K.
inline const RuleKindInfo &getRuleKindInfo(RuleKind K) {
  return detail::RuleKindTable[static_cast<size_t>(K)];
}

/// Returns the kind named \p Name (the TableGen kind string, e.g.
/// "RenameKeys"), or null if there is none.
inline const RuleKindInfo *lookupRuleKind(llvm::StringRef Name) {
  for (const RuleKindInfo &Info : detail::RuleKindTable)
    if (Info.Name == Name)
      return &Info;
  return nullptr;
}

/// Returns the name of \p T as RuleKinds.def spells it.
inline llvm::StringRef getRuleParamTypeName(RuleParamType T) {
  switch (T) {
  case RuleParamType::String:
    return "String";
  case RuleParamType::Regex:
    return "Regex";
  case RuleParamType::OptionalRegex:
    return "OptionalRegex";
  case RuleParamType::Int:
    return "Int";
  case RuleParamType::Bit:
    return "Bit";
  }
  return "";
}

} // namespace ckpt

#endif // CKPT_TABLEGEN_RULEKINDS_H
