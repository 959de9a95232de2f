//===- PassFileTest.cpp - Reading pass files at run time ------------------===//
//
// Part of ckpt-migrate. parsePassFile/parsePassBuffer: valid files, TableGen
// syntax errors and validation errors as diagnostics (the process keeps
// running), includes through the include path, and PassSpecSet views.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Passes/OptionRefs.h"
#include "ckpt/Passes/Pass.h"
#include "ckpt/TableGen/PassModel.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/Regex.h"
#include "gtest/gtest.h"

using namespace ckpt;
using namespace llvm;

namespace {

const std::vector<std::string> IncludeDirs = {CKPT_SOURCE_INCLUDE_DIR};
const std::string InputsDir = CKPT_TABLEGEN_INPUTS_DIR;

/// The diagnostics of \p E joined, or "" when it is a success.
std::string diagnostics(Error E) {
  std::string Out;
  handleAllErrors(
      std::move(E),
      [&](const DiagnosticError &D) {
        for (const std::string &S : D.getDiagnostics())
          Out += S + "\n";
      },
      [&](const ErrorInfoBase &Other) { Out += "other: " + Other.message(); });
  return Out;
}

TEST(PassFileTest, ReadsValidFile) {
  Expected<PassFileModel> M =
      parsePassFile(InputsDir + "/basic.td", IncludeDirs);
  ASSERT_TRUE(bool(M)) << diagnostics(M.takeError());
  ASSERT_EQ(M->Passes.size(), 3u);
  ASSERT_EQ(M->Pipelines.size(), 2u);
  EXPECT_TRUE(M->Warnings.empty());

  const PassDef &Strip = M->Passes[0];
  EXPECT_EQ(Strip.DefName, "StripPrefix");
  EXPECT_EQ(Strip.Argument, "strip-prefix");
  EXPECT_EQ(Strip.Summary, "Strips a prefix from every state-dict key");
  EXPECT_EQ(Strip.Description,
            "Removes `prefix` from the start of every key that has it, as\n"
            "`torch.nn.DataParallel` adds `module.`.\n"
            "\n"
            "  Indented lines keep their extra indentation.");
  ASSERT_EQ(Strip.Options.size(), 3u);
  EXPECT_EQ(Strip.Options[0].Name, "prefix");
  EXPECT_EQ(Strip.Options[0].Type, OptionType::String);
  EXPECT_EQ(Strip.Options[0].Default, "module.");
  EXPECT_EQ(Strip.Options[1].Type, OptionType::Int);
  EXPECT_EQ(Strip.Options[1].Default, "-3");
  EXPECT_EQ(Strip.Options[2].Type, OptionType::Bool);
  // Its own statistic, then those of its four rules' kinds, each once.
  ASSERT_EQ(Strip.Statistics.size(), 6u);
  EXPECT_EQ(Strip.Statistics[0].Name, "renamed");
  EXPECT_EQ(Strip.Statistics[1].Name, "keys-renamed");
  EXPECT_EQ(Strip.Statistics[5].Name, "metadata-dropped");
  EXPECT_NE(Strip.findStatistic("keys-dropped"), nullptr);
  EXPECT_EQ(Strip.findStatistic("steps-to-number"), nullptr);
  EXPECT_TRUE(Strip.Constructor.empty());

  ASSERT_EQ(Strip.Rules.size(), 4u);
  const RuleDef &Rename = Strip.Rules[0];
  EXPECT_EQ(Rename.Kind, "RenameKeys");
  ASSERT_EQ(Rename.Params.size(), 3u);
  EXPECT_EQ(
      Rename.Params[0],
      std::make_pair(std::string("from"), std::string("^${prefix:regex}(.*)")));
  EXPECT_EQ(Rename.Params[1].second, "\\1");
  EXPECT_EQ(Rename.Params[2].second, "");
  // Without LocBase, locations keep the file name as given.
  EXPECT_EQ(Rename.Loc, InputsDir + "/basic.td:19");
  const RuleDef &Version = Strip.Rules[2];
  EXPECT_EQ(Version.Kind, "SetMetadataVersion");
  EXPECT_EQ(Version.Params[1].second, "2");
  EXPECT_EQ(Version.Params[2].second, "-1");
  EXPECT_EQ(Strip.Rules[3].Kind, "DropMetadata");
  EXPECT_TRUE(Strip.Rules[3].Params.empty());

  EXPECT_EQ(M->Passes[2].Constructor, "createVerifyPass");
  EXPECT_EQ(M->findPass("verify"), &M->Passes[2]);
  EXPECT_EQ(M->findPass("nope"), nullptr);

  const PipelineDef &Portable = M->Pipelines[0];
  EXPECT_EQ(Portable.Name, "portable");
  EXPECT_EQ(Portable.Passes, "strip-prefix{prefix=model.,max-depth=2},verify");
  EXPECT_EQ(Portable.Target, "1.4");
  EXPECT_EQ(Portable.Loc, InputsDir + "/basic.td:38");
}

TEST(PassFileTest, LocBaseShortensLocations) {
  BuildOptions Opts;
  Opts.LocBase = InputsDir + "/";
  Expected<PassFileModel> M =
      parsePassFile(InputsDir + "/basic.td", IncludeDirs, Opts);
  ASSERT_TRUE(bool(M)) << diagnostics(M.takeError());
  EXPECT_EQ(M->Passes[0].Loc, "basic.td:4");
}

TEST(PassFileTest, SyntaxErrorIsADiagnostic) {
  Expected<PassFileModel> M =
      parsePassBuffer("include \"ckpt/Passes/PassBase.td\"\n"
                      "def A : Pass<\"a\"> {\n"
                      "  let summary = \"x\"\n"
                      "}\n",
                      "user.td", IncludeDirs);
  ASSERT_FALSE(bool(M));
  std::string D = diagnostics(M.takeError());
  EXPECT_NE(D.find("user.td:4:1: error: expected ';' after let expression"),
            std::string::npos)
      << D;

  // The process is still here, and the parser works again.
  Expected<PassFileModel> Again =
      parsePassFile(InputsDir + "/basic.td", IncludeDirs);
  ASSERT_TRUE(bool(Again)) << diagnostics(Again.takeError());
  EXPECT_EQ(Again->Passes.size(), 3u);
}

TEST(PassFileTest, UndefinedNamesAreDiagnostics) {
  Expected<PassFileModel> M =
      parsePassBuffer("include \"ckpt/Passes/PassBase.td\"\n"
                      "def A : Pass<\"a\"> { let rules = [NoSuchRule]; }\n",
                      "user.td", IncludeDirs);
  ASSERT_FALSE(bool(M));
  std::string D = diagnostics(M.takeError());
  EXPECT_NE(D.find("user.td:2:34: error: Variable not defined: 'NoSuchRule'"),
            std::string::npos)
      << D;
}

TEST(PassFileTest, FatalTableGenErrorsDoNotEndTheProcess) {
  // TableGen's evaluator reports this one with PrintFatalError (std::exit).
  Expected<PassFileModel> M = parsePassBuffer(
      "include \"ckpt/Passes/PassBase.td\"\n"
      "def A : Pass<\"a\"> { let rules = [!cast<Rule>(\"Nope\")]; }\n",
      "user.td", IncludeDirs);
  ASSERT_FALSE(bool(M));
  std::string D = diagnostics(M.takeError());
  EXPECT_NE(D.find("user.td:2:5: error: Undefined reference to record: 'Nope'"),
            std::string::npos)
      << D;

  // Messages TableGen prints without a location are kept with the error.
  Expected<PassFileModel> Assert =
      parsePassBuffer("assert false, \"the reason\";\n", "user.td", {});
  ASSERT_FALSE(bool(Assert));
  D = diagnostics(Assert.takeError());
  EXPECT_NE(D.find("user.td:1:8: error: assertion failed"), std::string::npos)
      << D;
  EXPECT_NE(D.find("note: the reason"), std::string::npos) << D;

  // And this process still parses files.
  Expected<PassFileModel> Again =
      parsePassFile(InputsDir + "/basic.td", IncludeDirs);
  ASSERT_TRUE(bool(Again)) << diagnostics(Again.takeError());
}

TEST(PassFileTest, IncludesComeThroughTheIncludeDirs) {
  std::string Text = "include \"ckpt/Passes/PassBase.td\"\n"
                     "def A : Pass<\"a\"> { let rules = [DropMetadata]; }\n";
  Expected<PassFileModel> Without = parsePassBuffer(Text, "user.td", {});
  ASSERT_FALSE(bool(Without));
  std::string D = diagnostics(Without.takeError());
  EXPECT_NE(D.find("user.td:1:9: error: Could not find include file "
                   "'ckpt/Passes/PassBase.td'"),
            std::string::npos)
      << D;

  Expected<PassFileModel> With = parsePassBuffer(Text, "user.td", IncludeDirs);
  ASSERT_TRUE(bool(With)) << diagnostics(With.takeError());
  ASSERT_EQ(With->Passes.size(), 1u);
  EXPECT_EQ(With->Passes[0].Rules[0].Kind, "DropMetadata");
  // A shared rule def is located where the user's pass uses it.
  EXPECT_EQ(With->Passes[0].Rules[0].Loc, "user.td:2");
}

TEST(PassFileTest, ValidationErrorsComeTogetherInFileOrder) {
  Expected<PassFileModel> M =
      parsePassBuffer("include \"ckpt/Passes/PassBase.td\"\n"
                      "def A : Pass<\"a\"> {\n"
                      "  let options = [Option<\"n\", \"int\", \"x\", \"\">];\n"
                      "  let rules = [DropKeys<\"(\">];\n"
                      "}\n"
                      "def B : Pass<\"a\">;\n",
                      "user.td", IncludeDirs);
  ASSERT_FALSE(bool(M));
  Error E = M.takeError();
  std::vector<std::string> Diags;
  handleAllErrors(std::move(E), [&](const DiagnosticError &D) {
    Diags.assign(D.getDiagnostics().begin(), D.getDiagnostics().end());
  });
  ASSERT_EQ(Diags.size(), 3u);
  EXPECT_EQ(Diags[0].rfind("user.td:3:18: error: default of option 'n'", 0), 0u)
      << Diags[0];
  EXPECT_EQ(Diags[1].rfind("user.td:4:16: error: parameter 'pattern' of rule "
                           "'DropKeys' is not a valid regex",
                           0),
            0u)
      << Diags[1];
  EXPECT_EQ(
      Diags[2].rfind("user.td:6:5: error: duplicate pass argument 'a'", 0), 0u)
      << Diags[2];
  // Each diagnostic shows the source line and a caret.
  EXPECT_NE(Diags[1].find("\n  let rules = [DropKeys<\"(\">];\n"
                          "               ^"),
            std::string::npos)
      << Diags[1];
}

TEST(PassFileTest, UserPipelinesMayNameBuiltinPasses) {
  std::string Text =
      "include \"ckpt/Passes/PassBase.td\"\n"
      "def P : Pipeline<\"mine\"> {\n"
      "  let passes = \"strip-prefix{prefix=x.},mine2\";\n"
      "}\n"
      "def P2 : Pipeline<\"mine2\"> { let passes = \"other\"; }\n";
  Expected<PassFileModel> M = parsePassBuffer(Text, "user.td", IncludeDirs);
  ASSERT_TRUE(bool(M)) << diagnostics(M.takeError());
  EXPECT_EQ(M->Pipelines.size(), 2u);

  BuildOptions Strict;
  Strict.RequireKnownPassNames = true;
  Expected<PassFileModel> S =
      parsePassBuffer(Text, "user.td", IncludeDirs, Strict);
  ASSERT_FALSE(bool(S));
  std::string D = diagnostics(S.takeError());
  EXPECT_NE(D.find("user.td:3:17: error: pipeline 'mine' names unknown pass "
                   "or pipeline 'strip-prefix'"),
            std::string::npos)
      << D;
}

TEST(PassFileTest, WarningsAreKept) {
  Expected<PassFileModel> M = parsePassBuffer(
      "include \"ckpt/Passes/PassBase.td\"\n"
      "class MyPass<string Arg, string Unused> : Pass<Arg>;\n"
      "def A : MyPass<\"a\", \"u\"> { let rules = [DropMetadata]; }\n",
      "user.td", IncludeDirs);
  ASSERT_TRUE(bool(M)) << diagnostics(M.takeError());
  ASSERT_EQ(M->Warnings.size(), 1u);
  EXPECT_NE(M->Warnings[0].find("user.td:2:33: warning: unused template "
                                "argument: MyPass:Unused"),
            std::string::npos)
      << M->Warnings[0];
}

TEST(PassFileTest, FileWithoutPassBaseHasNothing) {
  Expected<PassFileModel> M =
      parsePassBuffer("// nothing\n", "empty.td", IncludeDirs);
  ASSERT_TRUE(bool(M)) << diagnostics(M.takeError());
  EXPECT_TRUE(M->Passes.empty());
  EXPECT_TRUE(M->Pipelines.empty());
}

TEST(PassFileTest, MissingFile) {
  Expected<PassFileModel> M =
      parsePassFile(InputsDir + "/does-not-exist.td", IncludeDirs);
  ASSERT_FALSE(bool(M));
  std::string D = diagnostics(M.takeError());
  EXPECT_NE(D.find("does-not-exist.td: error: could not open pass file"),
            std::string::npos)
      << D;
}

TEST(PassFileTest, ClassesOfAnotherShapeAreDiagnostics) {
  // A file declaring its own `Pass` class with other field types must not
  // reach a fatal TableGen accessor.
  Expected<PassFileModel> M =
      parsePassBuffer("class Pass<string a> { int argument = 1; }\n"
                      "def A : Pass<\"a\">;\n",
                      "odd.td", {});
  ASSERT_FALSE(bool(M));
  std::string D = diagnostics(M.takeError());
  EXPECT_NE(D.find("odd.td:2:5: error: field 'argument' of record 'A' is not "
                   "a string: 1"),
            std::string::npos)
      << D;
}

Expected<std::unique_ptr<ckpt::Pass>> fakeFactory(const OptionValues &) {
  return createStringError(inconvertibleErrorCode(), "fake");
}

TEST(PassSpecSetTest, ViewsPointIntoTheModel) {
  Expected<PassFileModel> M =
      parsePassFile(InputsDir + "/basic.td", IncludeDirs);
  ASSERT_TRUE(bool(M)) << diagnostics(M.takeError());
  auto Set = PassSpecSet::create(std::move(*M), [](StringRef Name) {
    return Name == "createVerifyPass" ? &fakeFactory : nullptr;
  });
  ASSERT_TRUE(bool(Set)) << diagnostics(Set.takeError());
  ArrayRef<PassSpec> Passes = (*Set)->getPasses();
  ASSERT_EQ(Passes.size(), 3u);
  EXPECT_EQ(Passes[0].Argument, "strip-prefix");
  ASSERT_EQ(Passes[0].Options.size(), 3u);
  EXPECT_EQ(Passes[0].Options[1].Name, "max-depth");
  EXPECT_EQ(Passes[0].Options[1].Type, OptionType::Int);
  ASSERT_EQ(Passes[0].Rules.size(), 4u);
  EXPECT_EQ(Passes[0].Rules[0].Kind, "RenameKeys");
  EXPECT_EQ(Passes[0].Rules[0].Params[0].Name, "from");
  EXPECT_EQ(Passes[0].Rules[0].Params[0].Value, "^${prefix:regex}(.*)");
  EXPECT_EQ(Passes[0].Factory, nullptr);
  EXPECT_EQ(Passes[2].Factory, &fakeFactory);
  ASSERT_EQ((*Set)->getPipelines().size(), 2u);
  EXPECT_EQ((*Set)->getPipelines()[1].Passes, "portable,drop-newer-metadata");
}

TEST(PassSpecSetTest, UnknownConstructorIsAnError) {
  Expected<PassFileModel> M =
      parsePassFile(InputsDir + "/basic.td", IncludeDirs);
  ASSERT_TRUE(bool(M)) << diagnostics(M.takeError());
  auto Set = PassSpecSet::create(
      std::move(*M), [](StringRef) -> PassFactory { return nullptr; });
  ASSERT_FALSE(bool(Set));
  std::string D = diagnostics(Set.takeError());
  EXPECT_NE(D.find("basic.td:31: error: pass 'verify' names C++ constructor "
                   "'createVerifyPass', which this tool does not contain"),
            std::string::npos)
      << D;
}

TEST(OptionRefsTest, Expands) {
  auto Lookup = [](StringRef Name) -> std::optional<std::string> {
    if (Name == "prefix")
      return std::string("module.");
    return std::nullopt;
  };
  auto Expand = [&](StringRef Text) {
    Expected<std::string> E = expandOptionRefs(Text, Lookup);
    return E ? *E : "error: " + toString(E.takeError());
  };
  EXPECT_EQ(Expand("^${prefix}(.*)"), "^module.(.*)");
  EXPECT_EQ(Expand("^${prefix:regex}(.*)$"), "^module\\.(.*)$");
  EXPECT_EQ(Expand("a$b$"), "a$b$");
  EXPECT_EQ(Expand("${prefix}${prefix}"), "module.module.");
  EXPECT_EQ(Expand("${other}"),
            "error: '${other}' names no option 'other' of this pass");
  EXPECT_EQ(Expand("${prefix:glob}"),
            "error: unknown modifier 'glob' in '${prefix:glob}' (only "
            "':regex' exists)");
  EXPECT_EQ(Expand("x${prefix"),
            "error: unterminated '${' at offset 1 of 'x${prefix'");
  EXPECT_EQ(Expand("${}"), "error: empty option name in '${}'");
  // An escaped value matches itself literally.
  std::string Re = Expand("^${prefix:regex}$");
  EXPECT_TRUE(Regex(Re).match("module."));
  EXPECT_FALSE(Regex(Re).match("moduleX"));
}

TEST(PassModelTest, Helpers) {
  EXPECT_EQ(getOptionCppName("max-depth"), "maxDepth");
  EXPECT_EQ(getOptionCppName("check.exact"), "checkExact");
  EXPECT_EQ(getOptionCppName("class"), "class_");
  EXPECT_EQ(getOptionCppName("2x"), "opt2x");
  EXPECT_EQ(dedentDescription("\n    a\n      b\n\n    c\n  "), "a\n  b\n\nc");
  EXPECT_FALSE(bool(checkOptionValue(OptionType::Int, "12")));
  EXPECT_FALSE(bool(checkOptionValue(OptionType::Int, "-12")));
  Error Hex = checkOptionValue(OptionType::Int, "0x1");
  EXPECT_TRUE(bool(Hex));
  consumeError(std::move(Hex));
  Error E = checkOptionValue(OptionType::Bool, "yes");
  EXPECT_EQ(toString(std::move(E)),
            "'yes' is not a bool (true, false, 1 or 0)");
}

} // namespace
