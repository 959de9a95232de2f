//===- MetadataRules.cpp - Rule kinds that drop newer metadata ------------===//
//
// Part of ckpt-migrate. DropKeys (in state dicts and whole pickled modules),
// SetMetadataVersion, DropMetadata, DropAttribute and DropRecord.
//
//===----------------------------------------------------------------------===//

#include "RuleSupport.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallString.h"
#include <functional>

using namespace llvm;

namespace ckpt {
namespace {

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
  std::vector<Value *> All = reachableNodes(C);
  auto IsModule = [](Value *V) -> MappingValue * {
    auto *O = dyn_cast<ObjectValue>(V);
    MappingValue *A = O ? getAttributes(O) : nullptr;
    return A && A->lookup("_modules") && A->lookup("_parameters") ? A : nullptr;
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
          Visit(It.second,
                Prefix.empty() ? Name->str() : Prefix + "." + Name->str());
  };
  for (Value *V : All)
    if (IsModule(V) && !Children.count(V))
      Visit(V, "");
}

class DropKeysRule : public Rule {
public:
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
    for (Value *V : reachableNodes(C))
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
  SetMetadataVersionRule(std::unique_ptr<Regex> Prefix, int64_t Version,
                         int64_t From, std::string IfKey)
      : Prefix(std::move(Prefix)), Version(Version), From(From),
        IfKey(std::move(IfKey)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachableNodes(C)) {
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
  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachableNodes(C)) {
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
  DropAttributeRule(std::unique_ptr<Regex> Cls, std::string Attr)
      : Cls(std::move(Cls)), Attr(std::move(Attr)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachableNodes(C)) {
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

Expected<std::unique_ptr<Rule>> createDropKeysRule(RuleArgs &A) {
  return std::make_unique<DropKeysRule>(A.takeRegex("pattern"));
}

Expected<std::unique_ptr<Rule>> createSetMetadataVersionRule(RuleArgs &A) {
  return std::make_unique<SetMetadataVersionRule>(
      A.takeRegex("prefix"), A.getInt("version"), A.getInt("from"),
      A.getString("ifKey"));
}

Expected<std::unique_ptr<Rule>> createDropMetadataRule(RuleArgs &) {
  return std::make_unique<DropMetadataRule>();
}

Expected<std::unique_ptr<Rule>> createDropAttributeRule(RuleArgs &A) {
  return std::make_unique<DropAttributeRule>(A.takeRegex("cls"),
                                             A.getString("attr"));
}

Expected<std::unique_ptr<Rule>> createDropRecordRule(RuleArgs &A) {
  return std::make_unique<DropRecordRule>(A.getString("name"));
}

} // namespace ckpt
