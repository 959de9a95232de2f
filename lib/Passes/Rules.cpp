//===- Rules.cpp - The declarative rule engine ----------------------------===//
//
// Part of ckpt-migrate. compileRule substitutes a rule's parameters, checks
// and converts them by the types RuleKinds.def declares (RuleArgs), and
// dispatches to the kind's factory from the same table; the kinds live in
// RenameRules.cpp, OptimizerRules.cpp and MetadataRules.cpp. Rules see the IR
// only through the typed nodes and the walkers of RuleSupport.h.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Passes/Rules.h"
#include "RuleSupport.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Passes/OptionRefs.h"
#include "ckpt/Passes/RuleKinds.h"
#include "ckpt/Support/Error.h"
#include "llvm/Support/Regex.h"

using namespace llvm;

namespace ckpt {

Rule::~Rule() = default;

//===----------------------------------------------------------------------===//
// Walkers and literals shared by the rule kinds
//===----------------------------------------------------------------------===//

std::optional<std::string> getObjectClass(const ObjectValue *O) {
  const Value *Callable = O->getCallable();
  if (auto *P = dyn_cast_or_null<PersistentRefValue>(Callable))
    if (auto *T = dyn_cast<TupleValue>(P->getId()))
      for (Value *E : T->elements())
        if (auto *G = dyn_cast<GlobalValue>(E))
          return G->getQualifiedName();
  if (auto *G = dyn_cast_or_null<GlobalValue>(Callable))
    return G->getQualifiedName();
  return std::nullopt;
}

Value *makeKey(Checkpoint &C, const Value *Like, StringRef Text) {
  if (isa<Py2StrValue>(Like))
    return C.create<Py2StrValue>(Text.str());
  return C.create<StrValue>(Text.str());
}

Expected<Value *> parseLiteral(Checkpoint &C, StringRef Text) {
  Text = Text.trim();
  if (Text == "None")
    return C.getNone();
  if (Text == "True" || Text == "False")
    return C.getBool(Text == "True");
  int64_t I;
  if (!Text.getAsInteger(10, I))
    return C.create<IntValue>(I);
  double D;
  if (!Text.getAsDouble(D))
    return C.create<FloatValue>(D);
  if (Text.size() >= 2 && Text.front() == '"' && Text.back() == '"')
    return C.create<StrValue>(Text.drop_front().drop_back().str());
  return makeError("'{0}' is not a literal (None, True, False, a number or "
                   "a \"string\")",
                   Text);
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

namespace {
/// Compiles a regex parameter, naming the rule on failure.
Expected<std::unique_ptr<Regex>> compileRegex(StringRef Pattern,
                                              StringRef What) {
  if (Pattern.empty())
    return makeError("{0}: the regex is empty (give the pass's option a "
                     "value)",
                     What);
  auto R = std::make_unique<Regex>(Pattern);
  std::string Err;
  if (!R->isValid(Err))
    return makeError("{0}: invalid regex '{1}': {2}", What, Pattern, Err);
  return R;
}

} // namespace

Expected<RuleArgs> RuleArgs::create(const RuleKindInfo &Info,
                                    const RuleSpec &Spec,
                                    const OptionValues &Opts) {
  RuleArgs Result;
  Result.What = (Spec.Kind + (Spec.Loc.empty() ? "" : " at " + Spec.Loc)).str();
  auto Lookup = [&](StringRef Name) -> std::optional<std::string> {
    for (auto &[K, Val] : Opts.all())
      if (K == Name)
        return Val;
    return std::nullopt;
  };
  // Substitute everything first: a bad ${option} is reported before the
  // values are checked.
  StringMap<std::string> Texts;
  for (const RuleParam &P : Spec.Params) {
    auto V = expandOptionRefs(P.Value, Lookup);
    if (!V)
      return V.takeError();
    Texts[P.Name] = std::move(*V);
  }
  for (const RuleParamInfo &PI : Info.Params) {
    Arg A;
    A.Type = PI.Type;
    A.Text = Texts.lookup(PI.Name);
    if (Error E = Result.convert(Info.Name, PI.Name, A))
      return E;
    Result.Args.try_emplace(PI.Name, std::move(A));
  }
  return Result;
}

Error RuleArgs::convert(StringRef Kind, StringRef Name, Arg &A) const {
  StringRef V = A.Text;
  switch (A.Type) {
  case RuleParamType::String:
    return Error::success();
  case RuleParamType::Name:
  case RuleParamType::DottedName:
  case RuleParamType::QualifiedName:
    // A pass option left at its empty default would write `@"":""`.
    if (V.empty())
      return makeError("{0}: '{1}' is empty (give the pass's option a "
                       "value)",
                       What, Name);
    if (A.Type == RuleParamType::Name)
      return Error::success();
    if (V.starts_with(".") || V.ends_with("."))
      return makeError("{0}: '{1}' is not a dotted Python name", Kind, V);
    if (A.Type == RuleParamType::QualifiedName && !V.contains('.'))
      return makeError("{0}: '{1}' must be module.Name", Kind, V);
    return Error::success();
  case RuleParamType::Literal: {
    Checkpoint Probe;
    if (auto L = parseLiteral(Probe, V); !L)
      return makeError("{0}: {1}", What, toString(L.takeError()));
    return Error::success();
  }
  case RuleParamType::OptionalRegex:
    if (V.empty())
      return Error::success();
    [[fallthrough]];
  case RuleParamType::Regex: {
    auto Re = compileRegex(V, What);
    if (!Re)
      return Re.takeError();
    A.Re = std::move(*Re);
    return Error::success();
  }
  case RuleParamType::Int:
    if (V.getAsInteger(10, A.Int))
      return makeError("{0}: '{1}' must be an int, not '{2}'", What, Name, V);
    return Error::success();
  case RuleParamType::Bit:
    if (V != "0" && V != "1")
      return makeError("{0}: '{1}' must be 0 or 1, not '{2}'", What, Name, V);
    A.Int = V == "1";
    return Error::success();
  }
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Compilation
//===----------------------------------------------------------------------===//

Expected<std::unique_ptr<Rule>> compileRule(const RuleSpec &Spec,
                                            const OptionValues &Opts) {
  const RuleKindInfo *Info = lookupRuleKind(Spec.Kind);
  if (!Info)
    return makeError("unknown rule kind '{0}'", Spec.Kind);
  auto Args = RuleArgs::create(*Info, Spec, Opts);
  if (!Args)
    return Args.takeError();
  switch (Info->Kind) {
#define CKPT_RULE_KIND(Kind)                                                   \
  case RuleKind::Kind:                                                         \
    return create##Kind##Rule(*Args);
#include "ckpt/Passes/RuleKinds.def"
  }
  llvm_unreachable("every RuleKind is handled");
}

Expected<std::unique_ptr<Pass>> RulePass::create(const PassSpec &Spec,
                                                 const OptionValues &Opts) {
  std::unique_ptr<RulePass> P(new RulePass(Spec));
  for (const RuleSpec &R : Spec.Rules) {
    auto Compiled = compileRule(R, Opts);
    if (!Compiled)
      return Compiled.takeError();
    P->Rules.push_back(std::move(*Compiled));
  }
  return std::unique_ptr<Pass>(std::move(P));
}

Error RulePass::run(Checkpoint &C, PassStatistics &Stats) {
  for (auto &R : Rules)
    if (Error E = R->apply(C, Stats))
      return E;
  return Error::success();
}

} // namespace ckpt
