//===- RuleKindsTest.cpp - RuleKinds.def against PassBase.td --------------===//
//
// Part of ckpt-migrate. The rule kinds are listed twice: as TableGen classes
// users write (PassBase.td) and as the table the rule engine and ckpt-tblgen
// read (RuleKinds.def). This test keeps the two in step.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Passes/RuleKinds.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/TableGen/Parser.h"
#include "llvm/TableGen/Record.h"
#include "gtest/gtest.h"

using namespace ckpt;
using namespace llvm;

namespace {

/// The parameter type a TableGen field type corresponds to, or "" if none.
std::string paramTypeFor(const RecTy *T) {
  if (isa<StringRecTy>(T))
    return "string";
  if (isa<IntRecTy>(T))
    return "int";
  if (isa<BitRecTy>(T))
    return "bit";
  return "";
}

TEST(RuleKindsTest, TableIsConsistent) {
  StringSet<> Names;
  for (const RuleKindInfo &K : getRuleKinds()) {
    EXPECT_TRUE(Names.insert(K.Name).second) << K.Name.str();
    EXPECT_EQ(&getRuleKindInfo(K.Kind), &K);
    EXPECT_EQ(lookupRuleKind(K.Name), &K);
    StringSet<> Params;
    for (const RuleParamInfo &P : K.Params)
      EXPECT_TRUE(Params.insert(P.Name).second)
          << K.Name.str() << "." << P.Name.str();
    // Every kind counts what it changes: -stats and the pass manager's
    // check of declared statistics rely on it.
    EXPECT_FALSE(K.Statistics.empty()) << K.Name.str();
    StringSet<> Stats;
    for (const RuleStatisticInfo &S : K.Statistics) {
      EXPECT_TRUE(Stats.insert(S.Name).second)
          << K.Name.str() << ": " << S.Name.str();
      EXPECT_FALSE(S.Description.empty()) << S.Name.str();
    }
  }
  EXPECT_EQ(lookupRuleKind("NoSuchKind"), nullptr);
  const RuleKindInfo *Rename = lookupRuleKind("RenameKeys");
  ASSERT_NE(Rename, nullptr);
  ASSERT_EQ(Rename->Params.size(), 3u);
  EXPECT_EQ(Rename->Params[0].Name, "from");
  EXPECT_EQ(Rename->Params[0].Type, RuleParamType::Regex);
  EXPECT_EQ(Rename->Params[2].Type, RuleParamType::OptionalRegex);
  EXPECT_TRUE(lookupRuleKind("DropMetadata")->Params.empty());
  ASSERT_EQ(Rename->Statistics.size(), 2u);
  EXPECT_EQ(Rename->Statistics[0].Name, "keys-renamed");
  EXPECT_EQ(lookupRuleKind("DropRecord")->Statistics[0].Name,
            "records-dropped");
}

TEST(RuleKindsTest, PassBaseMatchesRuleKindsDef) {
  SourceMgr SM;
  std::string Errors;
  SM.setDiagHandler(
      [](const SMDiagnostic &D, void *Ctx) {
        raw_string_ostream OS(*static_cast<std::string *>(Ctx));
        D.print(nullptr, OS, false);
      },
      &Errors);
  std::string Path =
      std::string(CKPT_SOURCE_INCLUDE_DIR) + "/ckpt/Passes/PassBase.td";
  auto Buffer = MemoryBuffer::getFile(Path);
  ASSERT_TRUE(bool(Buffer)) << Path;
  SM.AddNewSourceBuffer(std::move(*Buffer), SMLoc());
  RecordKeeper Records;
  ASSERT_FALSE(TableGenParseFile(SM, Records)) << Errors;
  const Record *RuleClass = Records.getClass("Rule");
  ASSERT_NE(RuleClass, nullptr);

  // Every class and def deriving from Rule with a fixed kind.
  StringSet<> Seen;
  auto Check = [&](const Record &R) {
    const RecordVal *Kind = R.getValue("kind");
    ASSERT_NE(Kind, nullptr) << R.getName().str();
    const auto *KindName = dyn_cast<StringInit>(Kind->getValue());
    if (!KindName) // Rule itself: the kind is its template argument.
      return;
    SCOPED_TRACE(R.getName().str());
    const RuleKindInfo *Info = lookupRuleKind(KindName->getValue());
    ASSERT_NE(Info, nullptr) << "kind " << KindName->getValue().str()
                             << " of PassBase.td is missing from RuleKinds.def";
    Seen.insert(Info->Name);
    std::vector<std::pair<std::string, std::string>> Fields, Expected;
    for (const RecordVal &RV : R.getValues())
      if (!RV.isTemplateArg() && RV.getName() != "kind")
        Fields.emplace_back(RV.getName().str(), paramTypeFor(RV.getType()));
    for (const RuleParamInfo &P : Info->Params) {
      Expected.emplace_back(P.Name.str(),
                            getRuleParamTableGenType(P.Type).str());
    }
    EXPECT_EQ(Fields, Expected);
  };
  for (const auto &KV : Records.getClasses())
    if (KV.second->isSubClassOf(RuleClass))
      Check(*KV.second);
  for (const auto &KV : Records.getDefs())
    if (KV.second->isSubClassOf(RuleClass))
      Check(*KV.second);

  for (const RuleKindInfo &K : getRuleKinds())
    EXPECT_TRUE(Seen.contains(K.Name))
        << "kind " << K.Name.str()
        << " of RuleKinds.def has no class or def in PassBase.td";
}

} // namespace
