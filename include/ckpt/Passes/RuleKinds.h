//===- ckpt/Passes/RuleKinds.h - The table of rule kinds --------*- C++ -*-===//
//
// Part of ckpt-migrate. RuleKinds.def as data: every rule kind with its
// parameters, their types and the statistics it counts. Header-only and
// constexpr; the rule engine, the pass-file reader and ckpt-tblgen's docs
// all read it.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PASSES_RULEKINDS_H
#define CKPT_PASSES_RULEKINDS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <cstddef>
#include <iterator>

namespace ckpt {

/// What a rule parameter holds (see RuleKinds.def).
enum class RuleParamType {
  String,
  Name,
  DottedName,
  QualifiedName,
  Literal,
  Regex,
  OptionalRegex,
  Int,
  Bit
};

/// Every rule kind, in RuleKinds.def order, for switches in the rule engine.
enum class RuleKind {
#define CKPT_RULE_KIND(Kind) Kind,
#include "ckpt/Passes/RuleKinds.def"
};

/// One parameter of a rule kind.
struct RuleParamInfo {
  llvm::StringRef Name;
  RuleParamType Type;
};

/// One statistic a rule kind counts.
struct RuleStatisticInfo {
  llvm::StringRef Name;
  llvm::StringRef Description;
};

/// One rule kind, its parameters in storage order and its statistics.
struct RuleKindInfo {
  RuleKind Kind;
  llvm::StringRef Name;
  llvm::ArrayRef<RuleParamInfo> Params;
  llvm::ArrayRef<RuleStatisticInfo> Statistics;
};

namespace detail {
/// All parameters of all kinds, grouped by kind as RuleKinds.def lists them.
inline constexpr RuleParamInfo RuleParamTable[] = {
#define CKPT_RULE_PARAM(Kind, Name, Type) {#Name, RuleParamType::Type},
#include "ckpt/Passes/RuleKinds.def"
};
/// The kind each entry of RuleParamTable belongs to.
inline constexpr RuleKind RuleParamOwner[] = {
#define CKPT_RULE_PARAM(Kind, Name, Type) RuleKind::Kind,
#include "ckpt/Passes/RuleKinds.def"
};

/// All statistics of all kinds, grouped by kind, and their kinds.
inline constexpr RuleStatisticInfo RuleStatisticTable[] = {
#define CKPT_RULE_STATISTIC(Kind, Name, Description) {Name, Description},
#include "ckpt/Passes/RuleKinds.def"
    {"", ""} // Keeps the array non-empty.
};
inline constexpr RuleKind RuleStatisticOwner[] = {
#define CKPT_RULE_STATISTIC(Kind, Name, Description) RuleKind::Kind,
#include "ckpt/Passes/RuleKinds.def"
};

/// The index of the first entry of \p Owners that belongs to \p K.
template <size_t N>
constexpr size_t firstOwned(const RuleKind (&Owners)[N], RuleKind K) {
  size_t I = 0;
  while (I < N && Owners[I] != K)
    ++I;
  return I;
}

/// How many entries of \p Owners belong to \p K.
template <size_t N>
constexpr size_t countOwned(const RuleKind (&Owners)[N], RuleKind K) {
  size_t Count = 0;
  for (RuleKind Owner : Owners)
    Count += Owner == K;
  return Count;
}

inline constexpr RuleKindInfo RuleKindTable[] = {
#define CKPT_RULE_KIND(Kind)                                                   \
  {RuleKind::Kind, #Kind,                                                      \
   llvm::ArrayRef<RuleParamInfo>(                                              \
       RuleParamTable + firstOwned(RuleParamOwner, RuleKind::Kind),            \
       countOwned(RuleParamOwner, RuleKind::Kind)),                            \
   llvm::ArrayRef<RuleStatisticInfo>(                                          \
       RuleStatisticTable + firstOwned(RuleStatisticOwner, RuleKind::Kind),    \
       countOwned(RuleStatisticOwner, RuleKind::Kind))},
#include "ckpt/Passes/RuleKinds.def"
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
  case RuleParamType::Name:
    return "Name";
  case RuleParamType::DottedName:
    return "DottedName";
  case RuleParamType::QualifiedName:
    return "QualifiedName";
  case RuleParamType::Literal:
    return "Literal";
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

/// Returns the TableGen type of a parameter of type \p T in PassBase.td:
/// "string", "int" or "bit".
inline llvm::StringRef getRuleParamTableGenType(RuleParamType T) {
  switch (T) {
  case RuleParamType::Int:
    return "int";
  case RuleParamType::Bit:
    return "bit";
  default:
    return "string";
  }
}

} // namespace ckpt

#endif // CKPT_PASSES_RULEKINDS_H
