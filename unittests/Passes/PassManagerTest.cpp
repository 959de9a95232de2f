//===- PassManagerTest.cpp - Declared statistics and option parsing -------===//
//
// Part of ckpt-migrate. The pass manager refuses a statistic its pass does
// not declare, and reads option values with the same parser as `.td`
// defaults.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Passes/PassManager.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Passes/Pass.h"
#include "ckpt/Passes/PassSpec.h"
#include "llvm/Support/raw_ostream.h"
#include "gtest/gtest.h"

using namespace ckpt;
using namespace llvm;

namespace {

/// Counts one declared and, when asked, one undeclared statistic.
class CountingPass : public Pass {
public:
  explicit CountingPass(bool Undeclared) : Undeclared(Undeclared) {}
  StringRef getArgument() const override { return "counting"; }
  Error run(Checkpoint &, PassStatistics &Stats) override {
    Stats.add("declared");
    if (Undeclared)
      Stats.add("undeclared", 0);
    return Error::success();
  }

private:
  bool Undeclared;
};

Expected<std::unique_ptr<Pass>> createCounting(const OptionValues &V) {
  return std::make_unique<CountingPass>(V.getBool("undeclared"));
}

constexpr OptionSpec Options[] = {
    {"undeclared", OptionType::Bool, "false", ""}};
constexpr StatisticSpec Statistics[] = {{"declared", "Things counted"}};
const PassSpec Counting = {
    "counting", "", "", Options, Statistics, {}, &createCounting, "test.td:1"};

Error runPipeline(StringRef Text, std::string &Log) {
  PassRegistry R;
  if (Error E = R.addPass(Counting))
    return E;
  auto Entries = parsePassPipeline(Text, R);
  if (!Entries)
    return Entries.takeError();
  raw_string_ostream OS(Log);
  PassInstrumentation PI;
  PI.Stats = true;
  PassManager PM(std::move(*Entries), PI, OS);
  Checkpoint C;
  return PM.run(C);
}

TEST(PassManagerTest, DeclaredStatisticsAreCounted) {
  std::string Log;
  ASSERT_FALSE(bool(runPipeline("counting", Log)));
  EXPECT_NE(Log.find("1 declared"), std::string::npos) << Log;
}

TEST(PassManagerTest, UndeclaredStatisticIsAnError) {
  std::string Log;
  Error E = runPipeline("counting{undeclared=1}", Log);
  ASSERT_TRUE(bool(E));
  // Even a count of zero: the name itself is not declared.
  EXPECT_EQ(toString(std::move(E)),
            "pass 'counting' counted 'undeclared', a statistic it does not "
            "declare (add Statistic<\"undeclared\", ...> to its definition at "
            "test.td:1)");
}

TEST(PassManagerTest, OptionValuesShareTheTdParser) {
  EXPECT_EQ(parseIntOption("+12"), 12);
  EXPECT_EQ(parseIntOption("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(parseIntOption("0x1"), std::nullopt);
  EXPECT_EQ(parseIntOption("+"), std::nullopt);
  EXPECT_EQ(parseBoolOption("1"), true);
  EXPECT_EQ(parseBoolOption("false"), false);
  EXPECT_EQ(parseBoolOption("yes"), std::nullopt);
  std::string Log;
  Error E = runPipeline("counting{undeclared=yes}", Log);
  EXPECT_EQ(toString(std::move(E)),
            "option 'undeclared' of pass 'counting' takes true or false, not "
            "'yes'");
}

} // namespace
