//===- Rules.cpp - The declarative rule engine ----------------------------===//
//
// Part of ckpt-migrate. Each rule kind of RuleKinds.def is the class
// `<Kind>Rule` here; compileRule substitutes, checks and converts the
// parameters by the types the table declares and dispatches to the class's
// create() from the same table. Rules see the IR only through the typed nodes
// and a few walkers below.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Passes/Rules.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Passes/OptionRefs.h"
#include "ckpt/Passes/RuleKinds.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/Regex.h"
#include <cmath>
#include <cstring>
#include <functional>

using namespace llvm;

namespace ckpt {

Rule::~Rule() = default;

namespace {

//===----------------------------------------------------------------------===//
// Walkers
//===----------------------------------------------------------------------===//

/// Every node reachable from the root, each once.
std::vector<Value *> reachable(Checkpoint &C) {
  return C.getReachableForPass();
}

/// The qualified class name of a pickled object: its callable global, or the
/// class inside a legacy `('module', cls, file, source)` persistent id.
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

/// The attribute dict of a pickled object (its BUILD state), if it is one.
MappingValue *getAttributes(ObjectValue *O) {
  return dyn_cast_or_null<MappingValue>(O->getState());
}

/// The entries of a module's `_parameters`/`_buffers` OrderedDict.
SmallVectorImpl<DictItem> *getEntries(Value *V) {
  if (auto *O = dyn_cast_or_null<ObjectValue>(V))
    return &O->getDictItems();
  if (auto *M = dyn_cast_or_null<MappingValue>(V))
    return &M->getItems();
  return nullptr;
}

/// Calls Fn(module, prefix) for every pickled nn.Module, with the dotted path
/// state-dict keys of its entries would have ("" for a root module).
void forEachModule(Checkpoint &C,
                   function_ref<void(ObjectValue *, StringRef)> Fn) {
  std::vector<Value *> All = reachable(C);
  auto IsModule = [](Value *V) -> MappingValue * {
    auto *O = dyn_cast<ObjectValue>(V);
    MappingValue *A = O ? getAttributes(O) : nullptr;
    return A && A->lookup("_modules") && A->lookup("_parameters") ? A
                                                                  : nullptr;
  };
  // Modules reached through another module's _modules are not roots.
  DenseSet<Value *> Children;
  for (Value *V : All)
    if (MappingValue *A = IsModule(V))
      if (auto *E = getEntries(A->lookup("_modules")))
        for (DictItem &It : *E)
          Children.insert(It.second);
  DenseSet<Value *> Done;
  std::function<void(Value *, std::string)> Visit = [&](Value *V,
                                                        std::string Prefix) {
    MappingValue *A = IsModule(V);
    if (!A || !Done.insert(V).second)
      return;
    Fn(cast<ObjectValue>(V), Prefix);
    if (auto *E = getEntries(A->lookup("_modules")))
      for (DictItem &It : *E)
        if (auto Name = getStringValue(It.first))
          Visit(It.second, Prefix.empty() ? Name->str()
                                          : Prefix + "." + Name->str());
  };
  for (Value *V : All)
    if (IsModule(V) && !Children.count(V))
      Visit(V, "");
}

/// Makes a key node of the same kind (str or Python 2 str) as \p Like.
Value *makeKey(Checkpoint &C, const Value *Like, StringRef Text) {
  if (isa<Py2StrValue>(Like))
    return C.create<Py2StrValue>(Text.str());
  return C.create<StrValue>(Text.str());
}

std::vector<OptimizerStateValue *> optimizerStates(Checkpoint &C) {
  std::vector<OptimizerStateValue *> Out;
  for (Value *V : reachable(C))
    if (auto *O = dyn_cast<OptimizerStateValue>(V))
      Out.push_back(O);
  return Out;
}

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

/// Parses a small textual-IR literal: None, True, False, ints, floats and
/// double-quoted strings.
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

/// The parameters of one rule with its pass's option values substituted,
/// each checked and converted once by the type RuleKinds.def declares for
/// it. A rule kind's create() takes what it needs by name.
class RuleArgs {
public:
  /// Substitutes, checks and converts every parameter of \p Spec.
  static Expected<RuleArgs> create(const RuleKindInfo &Info,
                                   const RuleSpec &Spec,
                                   const OptionValues &Opts);

  /// A text parameter (String, Name, DottedName, QualifiedName, Literal).
  const std::string &getString(StringRef Name) const {
    const Arg &A = get(Name);
    assert(A.Type != RuleParamType::Int && A.Type != RuleParamType::Bit &&
           "not a text parameter");
    return A.Text;
  }
  int64_t getInt(StringRef Name) const {
    assert(get(Name).Type == RuleParamType::Int && "not an Int parameter");
    return get(Name).Int;
  }
  bool getBit(StringRef Name) const {
    assert(get(Name).Type == RuleParamType::Bit && "not a Bit parameter");
    return get(Name).Int != 0;
  }
  /// The compiled regex of a Regex parameter, or of an OptionalRegex one
  /// (null when it is empty, meaning "everything").
  std::unique_ptr<Regex> takeRegex(StringRef Name) {
    Arg &A = Args.find(Name)->second;
    assert((A.Type == RuleParamType::Regex ||
            A.Type == RuleParamType::OptionalRegex) &&
           "not a regex parameter");
    return std::move(A.Re);
  }
  /// "Kind at file:line", for a kind's own checks of its parameters.
  StringRef getWhat() const { return What; }

private:
  struct Arg {
    RuleParamType Type;
    std::string Text;
    int64_t Int = 0;
    std::unique_ptr<Regex> Re;
  };

  const Arg &get(StringRef Name) const {
    auto It = Args.find(Name);
    assert(It != Args.end() && "parameter not declared in RuleKinds.def");
    return It->second;
  }

  /// Checks and converts \p A, of parameter \p Name of kind \p Kind.
  Error convert(StringRef Kind, StringRef Name, Arg &A) const;

  std::string What;
  StringMap<Arg> Args;
};

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
      return std::move(E);
    Result.Args.try_emplace(PI.Name, std::move(A));
  }
  return std::move(Result);
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
// Renames
//===----------------------------------------------------------------------===//

class RenameKeysRule : public Rule {
public:
  static Expected<std::unique_ptr<Rule>> create(RuleArgs &A) {
    return std::make_unique<RenameKeysRule>(
        A.takeRegex("from"), A.getString("to"), A.takeRegex("scope"));
  }

  RenameKeysRule(std::unique_ptr<Regex> From, std::string To,
                 std::unique_ptr<Regex> Scope)
      : From(std::move(From)), To(std::move(To)), Scope(std::move(Scope)) {}

  /// The new name of \p Key, or std::nullopt when the rule leaves it.
  std::optional<std::string> rename(StringRef Key) const {
    if (Scope && !Scope->match(Key))
      return std::nullopt;
    if (!From->match(Key))
      return std::nullopt;
    std::string New = From->sub(To, Key);
    if (New == Key)
      return std::nullopt;
    return New;
  }

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachable(C)) {
      auto *SD = dyn_cast<StateDictValue>(V);
      if (!SD)
        continue;
      StringSet<> Names;
      SmallVector<DictItem, 16> Items;
      for (DictItem &It : SD->getItems()) {
        auto K = getStringValue(It.first);
        std::optional<std::string> New = K ? rename(*K) : std::nullopt;
        if (New) {
          Items.push_back({makeKey(C, It.first, *New), It.second});
          Stats.add("keys-renamed");
        } else {
          Items.push_back(It);
        }
      }
      for (DictItem &It : Items) {
        StringRef K = *getStringValue(It.first);
        if (!Names.insert(K).second)
          return makeError("renaming keys makes two entries named '{0}'", K);
      }
      SD->getItems().assign(Items.begin(), Items.end());
      if (auto *M = SD->getMetadataItems())
        renameMetadata(C, *M, Stats);
    }
    return Error::success();
  }

private:
  /// The new name of module prefix \p P: the prefix of what a key directly
  /// under it ("p.<name>", or "<name>" for the root "") is renamed to.
  std::optional<std::string> renamePrefix(StringRef P) const {
    static constexpr StringLiteral Probe = "__ckpt_probe__";
    std::string Key = P.empty() ? Probe.str() : (P + "." + Probe).str();
    std::optional<std::string> R = rename(Key);
    if (!R)
      return std::nullopt;
    StringRef S = *R;
    if (!S.consume_back(Probe))
      return std::nullopt; // the rename does not act on whole prefixes
    if (!S.empty() && !S.consume_back("."))
      return std::nullopt;
    return S.str();
  }

  /// Keeps `_metadata` prefixes in step with the keys they hold.
  void renameMetadata(Checkpoint &C, SmallVectorImpl<DictItem> &M,
                      PassStatistics &Stats) {
    SmallVector<DictItem, 16> Items;
    StringMap<size_t> Index;
    for (DictItem &It : M) {
      auto P = getStringValue(It.first);
      std::optional<std::string> New = P ? renamePrefix(*P) : std::nullopt;
      if (New && *New == *P)
        New.reset();
      DictItem Out = It;
      if (New) {
        Out.first = makeKey(C, It.first, *New);
        Stats.add("metadata-renamed");
      }
      StringRef Name = *getStringValue(Out.first);
      auto [Pos, Inserted] = Index.insert({Name, Items.size()});
      if (Inserted)
        Items.push_back(Out);
      else if (New)
        Items[Pos->second] = Out; // the renamed module's entry wins
    }
    M.assign(Items.begin(), Items.end());
  }

  std::unique_ptr<Regex> From;
  std::string To;
  std::unique_ptr<Regex> Scope;
};

class RenameAttributeRule : public Rule {
public:
  static Expected<std::unique_ptr<Rule>> create(RuleArgs &A) {
    return std::make_unique<RenameAttributeRule>(
        A.takeRegex("cls"), A.getString("from"), A.getString("to"));
  }

  RenameAttributeRule(std::unique_ptr<Regex> Cls, std::string From,
                      std::string To)
      : Cls(std::move(Cls)), From(std::move(From)), To(std::move(To)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachable(C)) {
      auto *O = dyn_cast<ObjectValue>(V);
      auto Name = O ? getObjectClass(O) : std::nullopt;
      MappingValue *A = O ? getAttributes(O) : nullptr;
      if (!Name || !A || !Cls->match(*Name))
        continue;
      if (A->lookup(To) && A->lookup(From))
        return makeError("renaming attribute '{0}' of {1} collides with its "
                         "attribute '{2}'",
                         From, *Name, To);
      for (DictItem &It : A->getItems())
        if (auto K = getStringValue(It.first); K && *K == From) {
          It.first = makeKey(C, It.first, To);
          Stats.add("attributes-renamed");
        }
    }
    return Error::success();
  }

private:
  std::unique_ptr<Regex> Cls;
  std::string From, To;
};

/// Splits "a.b.C" into ("a.b", "C").
std::pair<std::string, std::string> splitQualified(StringRef Q) {
  size_t Dot = Q.rfind('.');
  if (Dot == StringRef::npos)
    return {"", Q.str()};
  return {Q.take_front(Dot).str(), Q.drop_front(Dot + 1).str()};
}

class RenameGlobalRule : public Rule {
public:
  static Expected<std::unique_ptr<Rule>> create(RuleArgs &A) {
    return std::make_unique<RenameGlobalRule>(A.getString("from"),
                                              A.getString("to"));
  }

  RenameGlobalRule(std::string From, std::string To)
      : From(std::move(From)), To(std::move(To)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    auto [Mod, Name] = splitQualified(To);
    for (Value *V : reachable(C))
      if (auto *G = dyn_cast<GlobalValue>(V))
        if (G->getQualifiedName() == From) {
          G->setModule(Mod);
          G->setName(Name);
          Stats.add("globals-renamed");
        }
    return Error::success();
  }

private:
  std::string From, To;
};

class RenameModuleRule : public Rule {
public:
  static Expected<std::unique_ptr<Rule>> create(RuleArgs &A) {
    return std::make_unique<RenameModuleRule>(A.getString("from"),
                                              A.getString("to"));
  }

  RenameModuleRule(std::string From, std::string To)
      : From(std::move(From)), To(std::move(To)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachable(C))
      if (auto *G = dyn_cast<GlobalValue>(V)) {
        StringRef M = G->getModule();
        if (M == From || M.starts_with(From + ".")) {
          G->setModule(To + M.drop_front(From.size()).str());
          Stats.add("globals-renamed");
        }
      }
    return Error::success();
  }

private:
  std::string From, To;
};

//===----------------------------------------------------------------------===//
// Optimizer state
//===----------------------------------------------------------------------===//

/// Reads the single element of a 0-dim or 1-element tensor as a double.
std::optional<double> readScalar(const TensorValue *T) {
  const StorageValue *S = T->getStorage();
  if (!S || !S->hasData() || T->getNumElements() != 1)
    return std::nullopt;
  uint64_t Size = getDTypeSize(T->getDType());
  uint64_t Off = uint64_t(T->getOffset()) * Size;
  if (Off + Size > S->getData().size())
    return std::nullopt;
  const char *P = S->getData().data() + Off;
  using namespace support;
  switch (T->getDType()) {
  case DType::Float32: {
    uint32_t U = endian::read<uint32_t, llvm::endianness::little>(P);
    float F;
    std::memcpy(&F, &U, 4);
    return F;
  }
  case DType::Float64: {
    uint64_t U = endian::read<uint64_t, llvm::endianness::little>(P);
    double D;
    std::memcpy(&D, &U, 8);
    return D;
  }
  case DType::Int64:
    return double(endian::read<int64_t, llvm::endianness::little>(P));
  case DType::Int32:
    return double(endian::read<int32_t, llvm::endianness::little>(P));
  default:
    return std::nullopt;
  }
}

/// Calls Fn on every per-parameter state dict of every optimizer state.
template <typename F> void forEachParamState(Checkpoint &C, F Fn) {
  for (OptimizerStateValue *O : optimizerStates(C))
    if (MappingValue *PS = O->getParamState())
      for (DictItem &It : PS->getItems())
        if (auto *M = dyn_cast<MappingValue>(It.second))
          Fn(*M);
}

class OptimizerStepToNumberRule : public Rule {
public:
  static Expected<std::unique_ptr<Rule>> create(RuleArgs &) {
    return std::make_unique<OptimizerStepToNumberRule>();
  }

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    Error Err = Error::success();
    forEachParamState(C, [&](MappingValue &M) {
      for (DictItem &It : M.getItems()) {
        auto K = getStringValue(It.first);
        auto *T = dyn_cast<TensorValue>(It.second);
        if (!K || *K != "step" || !T || Err)
          continue;
        std::optional<double> D = readScalar(T);
        if (!D) {
          Err = makeError("an optimizer step tensor of dtype {0} with {1} "
                          "elements is not a readable scalar",
                          getDTypeTorchName(T->getDType()),
                          T->getNumElements());
          return;
        }
        // Steps count whole iterations: an integral value becomes an int.
        if (std::trunc(*D) == *D && std::fabs(*D) < 9e15)
          It.second = C.create<IntValue>(int64_t(*D));
        else
          It.second = C.create<FloatValue>(*D);
        Stats.add("steps-to-number");
      }
    });
    return Err;
  }
};

class OptimizerStepToTensorRule : public Rule {
public:
  static Expected<std::unique_ptr<Rule>> create(RuleArgs &A) {
    StringRef Name = A.getString("dtype");
    std::optional<DType> T = parseDTypeIRName(Name);
    if (!T ||
        !(*T == DType::Float32 || *T == DType::Float64 || *T == DType::Int64))
      return makeError("{0}: dtype must be f32, f64 or i64, not '{1}'",
                       A.getWhat(), Name);
    return std::make_unique<OptimizerStepToTensorRule>(*T);
  }

  explicit OptimizerStepToTensorRule(DType T) : T(T) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    forEachParamState(C, [&](MappingValue &M) {
      for (DictItem &It : M.getItems()) {
        auto K = getStringValue(It.first);
        if (!K || *K != "step")
          continue;
        double D;
        if (auto *I = dyn_cast<IntValue>(It.second))
          D = double(I->getValue());
        else if (auto *F = dyn_cast<FloatValue>(It.second))
          D = F->getValue();
        else
          continue;
        It.second = makeScalarTensor(C, D);
        Stats.add("steps-to-tensor");
      }
    });
    return Error::success();
  }

private:
  Value *makeScalarTensor(Checkpoint &C, double D) {
    std::string Bytes(getDTypeSize(T), '\0');
    if (T == DType::Float64) {
      std::memcpy(Bytes.data(), &D, 8);
    } else if (T == DType::Int64) {
      int64_t I = int64_t(D);
      std::memcpy(Bytes.data(), &I, 8);
    } else {
      float F = float(D);
      std::memcpy(Bytes.data(), &F, 4);
    }
    auto *S = C.create<StorageValue>(T, 1, "cpu", "");
    S->setData(C.saveBytes(std::move(Bytes)), std::nullopt);
    C.getStorages().push_back(S);
    auto *TV = C.create<TensorValue>(TensorValue::Form::RebuildTensorV2, S, T);
    TV->setShape({}, {});
    return TV; // Null hooks: a fresh OrderedDict() when written.
  }

  DType T;
};

std::vector<MappingValue *> paramGroups(Checkpoint &C) {
  std::vector<MappingValue *> Out;
  for (OptimizerStateValue *O : optimizerStates(C))
    if (ListValue *G = O->getParamGroups())
      for (Value *E : G->elements())
        if (auto *M = dyn_cast<MappingValue>(E))
          Out.push_back(M);
  return Out;
}

class AddParamGroupKeyRule : public Rule {
public:
  static Expected<std::unique_ptr<Rule>> create(RuleArgs &A) {
    return std::make_unique<AddParamGroupKeyRule>(A.getString("key"),
                                                  A.getString("value"));
  }

  AddParamGroupKeyRule(std::string Key, std::string Literal)
      : Key(std::move(Key)), Literal(std::move(Literal)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (MappingValue *M : paramGroups(C)) {
      if (M->lookup(Key))
        continue;
      auto V = parseLiteral(C, Literal);
      if (!V)
        return V.takeError();
      M->set(C.create<StrValue>(Key), *V);
      Stats.add("param-group-keys-added");
    }
    return Error::success();
  }

private:
  std::string Key, Literal;
};

class DropParamGroupKeyRule : public Rule {
public:
  static Expected<std::unique_ptr<Rule>> create(RuleArgs &A) {
    return std::make_unique<DropParamGroupKeyRule>(A.getString("key"));
  }

  explicit DropParamGroupKeyRule(std::string Key) : Key(std::move(Key)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (MappingValue *M : paramGroups(C)) {
      auto &Items = M->getItems();
      size_t Before = Items.size();
      bool OnlyScalars = true;
      llvm::erase_if(Items, [&](const DictItem &It) {
        auto K = getStringValue(It.first);
        if (!K || *K != Key)
          return false;
        OnlyScalars &= It.second->isScalar();
        return true;
      });
      Stats.add("param-group-keys-dropped", Before - Items.size(),
                /*KeepsReachable=*/OnlyScalars);
    }
    return Error::success();
  }

private:
  std::string Key;
};

//===----------------------------------------------------------------------===//
// Stripping newer metadata
//===----------------------------------------------------------------------===//

class DropKeysRule : public Rule {
public:
  static Expected<std::unique_ptr<Rule>> create(RuleArgs &A) {
    return std::make_unique<DropKeysRule>(A.takeRegex("pattern"));
  }

  explicit DropKeysRule(std::unique_ptr<Regex> Pattern)
      : Pattern(std::move(Pattern)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    auto Drop = [&](SmallVectorImpl<DictItem> &Items, StringRef Prefix) {
      size_t Before = Items.size();
      llvm::erase_if(Items, [&](const DictItem &It) {
        auto K = getStringValue(It.first);
        if (!K)
          return false;
        if (Prefix.empty())
          return Pattern->match(*K);
        SmallString<128> Full;
        return Pattern->match((Prefix + "." + *K).toStringRef(Full));
      });
      Stats.add("keys-dropped", Before - Items.size());
    };
    for (Value *V : reachable(C))
      if (auto *SD = dyn_cast<StateDictValue>(V))
        Drop(SD->getItems(), "");
    // Whole pickled modules: the same keys among their parameters/buffers.
    forEachModule(C, [&](ObjectValue *M, StringRef Prefix) {
      MappingValue *A = getAttributes(M);
      for (StringRef Attr : {"_parameters", "_buffers"})
        if (auto *E = getEntries(A->lookup(Attr)))
          Drop(*E, Prefix);
    });
    return Error::success();
  }

private:
  std::unique_ptr<Regex> Pattern;
};

class SetMetadataVersionRule : public Rule {
public:
  static Expected<std::unique_ptr<Rule>> create(RuleArgs &A) {
    return std::make_unique<SetMetadataVersionRule>(
        A.takeRegex("prefix"), A.getInt("version"), A.getInt("from"),
        A.getString("ifKey"));
  }

  SetMetadataVersionRule(std::unique_ptr<Regex> Prefix, int64_t Version,
                         int64_t From, std::string IfKey)
      : Prefix(std::move(Prefix)), Version(Version), From(From),
        IfKey(std::move(IfKey)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachable(C)) {
      auto *SD = dyn_cast<StateDictValue>(V);
      auto *M = SD ? SD->getMetadataItems() : nullptr;
      if (!M)
        continue;
      for (DictItem &It : *M) {
        auto P = getStringValue(It.first);
        auto *Entry = dyn_cast<MappingValue>(It.second);
        if (!P || !Entry || !Prefix->match(*P))
          continue;
        if (!IfKey.empty() &&
            !SD->lookup(P->empty() ? IfKey : (*P + "." + IfKey).str()))
          continue;
        for (DictItem &E : Entry->getItems()) {
          auto K = getStringValue(E.first);
          auto *I = dyn_cast<IntValue>(E.second);
          if (!K || *K != "version" || !I)
            continue;
          if ((From != -1 && I->getValue() != From) || I->getValue() == Version)
            continue;
          E.second = C.create<IntValue>(Version);
          Stats.add("metadata-versions-set");
        }
      }
    }
    return Error::success();
  }

private:
  std::unique_ptr<Regex> Prefix;
  int64_t Version, From;
  std::string IfKey;
};

class DropMetadataRule : public Rule {
public:
  static Expected<std::unique_ptr<Rule>> create(RuleArgs &) {
    return std::make_unique<DropMetadataRule>();
  }

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachable(C)) {
      auto *SD = dyn_cast<StateDictValue>(V);
      auto *S = SD ? dyn_cast_or_null<MappingValue>(SD->getState()) : nullptr;
      if (!S || !S->lookup("_metadata"))
        continue;
      llvm::erase_if(S->getItems(), [](const DictItem &It) {
        auto K = getStringValue(It.first);
        return K && *K == "_metadata";
      });
      if (S->size() == 0)
        SD->setState(nullptr);
      Stats.add("metadata-dropped");
    }
    return Error::success();
  }
};

class DropAttributeRule : public Rule {
public:
  static Expected<std::unique_ptr<Rule>> create(RuleArgs &A) {
    return std::make_unique<DropAttributeRule>(A.takeRegex("cls"),
                                               A.getString("attr"));
  }

  DropAttributeRule(std::unique_ptr<Regex> Cls, std::string Attr)
      : Cls(std::move(Cls)), Attr(std::move(Attr)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachable(C)) {
      auto *O = dyn_cast<ObjectValue>(V);
      auto Name = O ? getObjectClass(O) : std::nullopt;
      MappingValue *A = O ? getAttributes(O) : nullptr;
      if (!Name || !A || !Cls->match(*Name))
        continue;
      size_t Before = A->size();
      llvm::erase_if(A->getItems(), [&](const DictItem &It) {
        auto K = getStringValue(It.first);
        return K && *K == Attr;
      });
      Stats.add("attributes-dropped", Before - A->size());
    }
    return Error::success();
  }

private:
  std::unique_ptr<Regex> Cls;
  std::string Attr;
};

class DropRecordRule : public Rule {
public:
  static Expected<std::unique_ptr<Rule>> create(RuleArgs &A) {
    return std::make_unique<DropRecordRule>(A.getString("name"));
  }

  explicit DropRecordRule(std::string Name) : Name(std::move(Name)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    auto &Records = C.getContainer().Records;
    size_t Before = Records.size();
    llvm::erase_if(Records,
                   [&](const ExtraRecord &R) { return R.Name == Name; });
    Stats.add("records-dropped", Before - Records.size());
    return Error::success();
  }

private:
  std::string Name;
};

} // namespace

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
    return Kind##Rule::create(*Args);
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
