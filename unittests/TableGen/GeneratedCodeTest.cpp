//===- GeneratedCodeTest.cpp - Compiling ckpt-tblgen's output -------------===//
//
// Part of ckpt-migrate. Includes a registry, declarations and pass bases
// generated at build time from test/TableGen/Inputs (through
// ckpt_tablegen()), checking that they compile, hold what the .td files say
// and that passes built on the bases work.
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Passes/Pass.h"
#include "ckpt/Passes/PassSpec.h"
#include "gtest/gtest.h"
#include <cstdint>
#include <type_traits>

// From basic.td: three passes (one in C++), two pipelines.
#include "BasicRegistry.inc"

#define GEN_PASS_DECL
#define GEN_PASS_DEF_WIDENDTYPE
#define GEN_PASS_DEF_NOOPTIONS
#include "CppPassesDecls.inc"

namespace ckpt {
llvm::Expected<std::unique_ptr<Pass>> createVerifyPass(const OptionValues &) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "verify");
}
} // namespace ckpt

namespace {
/// A pass on the generated base that checks its options in create().
class WidenDtypePass
    : public ckpt::passes::impl::WidenDtypeBase<WidenDtypePass> {
public:
  using Base::Base;

  static llvm::Expected<std::unique_ptr<ckpt::Pass>> create(Options Opts) {
    if (Opts.fromDtype.empty())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "no dtype");
    return std::make_unique<WidenDtypePass>(std::move(Opts));
  }

  llvm::Error run(ckpt::Checkpoint &, ckpt::PassStatistics &Stats) override {
    Stats.add(NumStoragesWidened, Opts.maxElements == 7 ? 2 : 1);
    Stats.add(NumDryRunCount);
    return llvm::Error::success();
  }
};

/// A pass on the generated base that keeps the base's create().
class NoOptionsPass : public ckpt::impl::NoOptionsBase<NoOptionsPass> {
public:
  using Base::Base;
  llvm::Error run(ckpt::Checkpoint &, ckpt::PassStatistics &) override {
    return llvm::Error::success();
  }
};
} // namespace

using namespace ckpt;

namespace {

TEST(GeneratedCodeTest, RegistryTables) {
  llvm::ArrayRef<PassSpec> Passes = getBuiltinPassSpecs();
  ASSERT_EQ(Passes.size(), 3u);
  EXPECT_EQ(Passes[0].Argument, "strip-prefix");
  EXPECT_EQ(Passes[0].Summary, "Strips a prefix from every state-dict key");
  ASSERT_EQ(Passes[0].Options.size(), 3u);
  EXPECT_EQ(Passes[0].Options[0].Default, "module.");
  EXPECT_EQ(Passes[0].Options[1].Type, OptionType::Int);
  ASSERT_EQ(Passes[0].Rules.size(), 4u);
  EXPECT_EQ(Passes[0].Rules[0].Kind, "RenameKeys");
  ASSERT_EQ(Passes[0].Rules[0].Params.size(), 3u);
  EXPECT_EQ(Passes[0].Rules[0].Params[1].Name, "to");
  EXPECT_EQ(Passes[0].Rules[0].Params[1].Value, "\\1");
  EXPECT_TRUE(Passes[0].Rules[3].Params.empty());
  // ckpt_tablegen() passes -loc-base=<source dir>.
  EXPECT_EQ(Passes[0].Loc, "test/TableGen/Inputs/basic.td:4");
  EXPECT_EQ(Passes[0].Factory, nullptr);
  EXPECT_EQ(Passes[2].Argument, "verify");
  EXPECT_EQ(Passes[2].Factory, &createVerifyPass);
  EXPECT_TRUE(Passes[2].Rules.empty());

  llvm::ArrayRef<PipelineSpec> Pipelines = getBuiltinPipelineSpecs();
  ASSERT_EQ(Pipelines.size(), 2u);
  EXPECT_EQ(Pipelines[0].Name, "portable");
  EXPECT_EQ(Pipelines[0].Target, "1.4");
  EXPECT_EQ(Pipelines[1].Passes, "portable,drop-newer-metadata");
}

TEST(GeneratedCodeTest, OptionsStructs) {
  WidenDtypeOptions O;
  EXPECT_EQ(O.fromDtype, "bf16");
  EXPECT_EQ(O.maxElements, -9223372036854775807);
  EXPECT_EQ(O.minElements, INT64_MIN);
  EXPECT_TRUE(O.checkExact);
  EXPECT_FALSE(O.dryRun);
  EXPECT_EQ(O.trigraph, "a?\?=b\"c\\d");
  static_assert(std::is_same_v<decltype(O.maxElements), int64_t>);
  static_assert(std::is_same_v<decltype(O.fromDtype), std::string>);
  static_assert(std::is_same_v<decltype(&WidenDtypeOptions::fromValues),
                               llvm::Expected<WidenDtypeOptions> (*)(
                                   const OptionValues &)>);
  static_assert(
      std::is_same_v<decltype(&ckpt::passes::createWidenDtype), PassFactory>);
  static_assert(std::is_same_v<decltype(&ckpt::createNoOptions), PassFactory>);
  NoOptionsOptions N;
  (void)N;
}

TEST(GeneratedCodeTest, PassBases) {
  // The constructor the base defines parses the options and calls create().
  OptionSpec Specs[] = {{"from-dtype", OptionType::String, "bf16", ""},
                        {"max-elements", OptionType::Int, "0", ""}};
  llvm::StringMap<std::string> Given;
  Given["max-elements"] = "7";
  auto Values = OptionValues::create("widen-dtype", Specs, Given);
  ASSERT_TRUE(bool(Values)) << llvm::toString(Values.takeError());
  auto P = ckpt::passes::createWidenDtype(*Values);
  ASSERT_TRUE(bool(P)) << llvm::toString(P.takeError());
  EXPECT_EQ((*P)->getArgument(), "widen-dtype");
  EXPECT_EQ(WidenDtypePass::Argument, "widen-dtype");
  PassStatistics Stats;
  Checkpoint C;
  ASSERT_FALSE(bool((*P)->run(C, Stats)));
  EXPECT_EQ(Stats.get("storages-widened"), 2u);
  EXPECT_EQ(Stats.get("dry.run-count"), 1u);

  // The derived create() may refuse options.
  Given["from-dtype"] = "";
  auto Empty = OptionValues::create("widen-dtype", Specs, Given);
  ASSERT_TRUE(bool(Empty));
  auto Refused = ckpt::passes::createWidenDtype(*Empty);
  ASSERT_FALSE(bool(Refused));
  EXPECT_EQ(llvm::toString(Refused.takeError()), "no dtype");

  auto N = ckpt::createNoOptions(OptionValues());
  ASSERT_TRUE(bool(N));
  EXPECT_EQ((*N)->getArgument(), "no-options");
}

} // namespace
