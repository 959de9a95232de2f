//===- PassTextTest.cpp - The syntax of pass pipeline text ----------------===//
//
// Part of ckpt-migrate. parsePassText: elements, options, nested braces in
// values, and the offsets of errors.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Passes/PassText.h"
#include "gtest/gtest.h"

using namespace ckpt;
using namespace llvm;

namespace {

/// "offset N: message" of a failed parse, or "ok".
std::string errorOf(StringRef Text) {
  Expected<std::vector<PassTextElement>> E = parsePassText(Text);
  if (E)
    return "ok";
  std::string Out;
  handleAllErrors(E.takeError(), [&](const PassTextError &P) {
    Out = "offset " + std::to_string(P.getOffset()) + ": " + P.getMessage();
  });
  return Out;
}

TEST(PassTextTest, Elements) {
  Expected<std::vector<PassTextElement>> E =
      parsePassText("strip-prefix{prefix=module.,depth=2},drop,x{}");
  ASSERT_TRUE(bool(E)) << toString(E.takeError());
  ASSERT_EQ(E->size(), 3u);
  const PassTextElement &Strip = (*E)[0];
  EXPECT_EQ(Strip.Name, "strip-prefix");
  EXPECT_EQ(Strip.Offset, 0u);
  EXPECT_TRUE(Strip.HasBraces);
  ASSERT_EQ(Strip.Options.size(), 2u);
  EXPECT_EQ(Strip.Options[0].Key, "prefix");
  EXPECT_EQ(Strip.Options[0].Value, "module.");
  EXPECT_EQ(Strip.Options[0].Offset, 13u);
  EXPECT_EQ(Strip.Options[1].Key, "depth");
  EXPECT_EQ(Strip.Options[1].Value, "2");
  EXPECT_EQ((*E)[1].Name, "drop");
  EXPECT_FALSE((*E)[1].HasBraces);
  EXPECT_EQ((*E)[1].Offset, 37u);
  EXPECT_EQ((*E)[2].Name, "x");
  EXPECT_TRUE((*E)[2].HasBraces);
  EXPECT_TRUE((*E)[2].Options.empty());
}

TEST(PassTextTest, ValuesMayHoldBalancedBraces) {
  Expected<std::vector<PassTextElement>> E =
      parsePassText("drop-keys{pattern=a{2,3}b,other=},n");
  ASSERT_TRUE(bool(E)) << toString(E.takeError());
  ASSERT_EQ(E->size(), 2u);
  ASSERT_EQ((*E)[0].Options.size(), 2u);
  EXPECT_EQ((*E)[0].Options[0].Value, "a{2,3}b");
  EXPECT_EQ((*E)[0].Options[1].Key, "other");
  EXPECT_EQ((*E)[0].Options[1].Value, "");
}

TEST(PassTextTest, Errors) {
  EXPECT_EQ(errorOf(""), "offset 0: empty pass text");
  EXPECT_EQ(errorOf("a,"), "offset 2: expected a pass name after ','");
  EXPECT_EQ(errorOf("a,,b"), "offset 2: expected a pass name, found ','");
  EXPECT_EQ(errorOf(",a"), "offset 0: expected a pass name, found ','");
  EXPECT_EQ(errorOf("a b"), "offset 1: expected ',' or end of text, found ' '");
  EXPECT_EQ(errorOf("a{x=1"),
            "offset 1: unterminated '{' in the options of 'a'");
  EXPECT_EQ(errorOf("a{x=b{}"),
            "offset 1: unterminated '{' in the options of 'a'");
  EXPECT_EQ(errorOf("a{x}"), "offset 3: expected '=' after option name 'x'");
  EXPECT_EQ(errorOf("a{=1}"), "offset 2: expected an option name in the "
                              "options of 'a'");
  EXPECT_EQ(errorOf("a{x=1}}"), "offset 6: expected ',' or end of text, "
                                "found '}'");
  EXPECT_EQ(errorOf("-a"), "offset 0: invalid pass name '-a': names start "
                           "with a letter, digit or '_'");
  EXPECT_EQ(errorOf("a,b{c=1},d"), "ok");
}

TEST(PassTextTest, Names) {
  EXPECT_TRUE(isValidPassName("strip-prefix"));
  EXPECT_TRUE(isValidPassName("to-1.4"));
  EXPECT_TRUE(isValidPassName("_x"));
  EXPECT_FALSE(isValidPassName(""));
  EXPECT_FALSE(isValidPassName("-x"));
  EXPECT_FALSE(isValidPassName("a b"));
  EXPECT_FALSE(isValidPassName("a{"));
}

} // namespace
