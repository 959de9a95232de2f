//===- RenameRules.cpp - Rule kinds that rename ---------------------------===//
//
// Part of ckpt-migrate. RenameKeys (with the _metadata prefixes that go with
// the keys), RenameAttribute, RenameGlobal and RenameModule.
//
//===----------------------------------------------------------------------===//

#include "RuleSupport.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

using namespace llvm;

namespace ckpt {
namespace {

class RenameKeysRule : public Rule {
public:
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
    for (Value *V : reachableNodes(C)) {
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
  RenameAttributeRule(std::unique_ptr<Regex> Cls, std::string From,
                      std::string To)
      : Cls(std::move(Cls)), From(std::move(From)), To(std::move(To)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachableNodes(C)) {
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
  RenameGlobalRule(std::string From, std::string To)
      : From(std::move(From)), To(std::move(To)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    auto [Mod, Name] = splitQualified(To);
    for (Value *V : reachableNodes(C))
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
  RenameModuleRule(std::string From, std::string To)
      : From(std::move(From)), To(std::move(To)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachableNodes(C))
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

} // namespace

Expected<std::unique_ptr<Rule>> createRenameKeysRule(RuleArgs &A) {
  return std::make_unique<RenameKeysRule>(
      A.takeRegex("from"), A.getString("to"), A.takeRegex("scope"));
}

Expected<std::unique_ptr<Rule>> createRenameAttributeRule(RuleArgs &A) {
  return std::make_unique<RenameAttributeRule>(
      A.takeRegex("cls"), A.getString("from"), A.getString("to"));
}

Expected<std::unique_ptr<Rule>> createRenameGlobalRule(RuleArgs &A) {
  return std::make_unique<RenameGlobalRule>(A.getString("from"),
                                            A.getString("to"));
}

Expected<std::unique_ptr<Rule>> createRenameModuleRule(RuleArgs &A) {
  return std::make_unique<RenameModuleRule>(A.getString("from"),
                                            A.getString("to"));
}

} // namespace ckpt
