//===- RecordUtilsTest.cpp - Scanning TableGen value text -----------------===//
//
// Part of ckpt-migrate. scanTableGenValue, which both the pass model and
// ckpt-tblgen's release model use to locate list elements and literals.
//
//===----------------------------------------------------------------------===//

#include "ckpt/TableGen/RecordUtils.h"
#include "gtest/gtest.h"
#include <string>
#include <utility>
#include <vector>

using namespace ckpt;
using namespace llvm;

namespace {

/// Every unit the scanner visits, with its depth, and where it stopped.
std::pair<std::vector<std::pair<std::string, int>>, std::string>
scan(StringRef Text, StringRef StopAt = "") {
  std::vector<std::pair<std::string, int>> Units;
  const char *Stop = scanTableGenValue(Text.begin(), Text.end(),
                                       [&](StringRef Unit, int Depth) {
                                         Units.push_back({Unit.str(), Depth});
                                         return Unit != StopAt;
                                       });
  return {Units, std::string(Stop, Text.end())};
}

TEST(RecordUtilsTest, UnitsAndDepths) {
  auto [Units, Rest] =
      scan("A<\"x,y\", 1> /* c, d */ , // e\n [{ code ] }] ] ; tail");
  std::vector<std::pair<std::string, int>> Expected = {
      {"A", 0}, {"<", 0}, {"\"x,y\"", 1},      {",", 1}, {"1", 1},
      {">", 1}, {",", 0}, {"[{ code ] }]", 0}, {"]", 0}};
  EXPECT_EQ(Units, Expected);
  // A closing bracket below depth 0 ends the value.
  EXPECT_EQ(Rest, "] ; tail");
}

TEST(RecordUtilsTest, VisitorStopsAndStringsEndAtTheLine) {
  auto [Units, Rest] = scan("\"open\n\"b\" ; c", ";");
  ASSERT_EQ(Units.size(), 3u);
  EXPECT_EQ(Units[0].first, "\"open\n");
  EXPECT_EQ(Units[1].first, "\"b\"");
  EXPECT_EQ(Rest, "; c");
  // An escaped quote does not end a string.
  auto [Esc, EscRest] = scan(R"("a\"b" x)");
  EXPECT_EQ(Esc.front().first, R"("a\"b")");
  EXPECT_EQ(EscRest, "");
}

} // namespace
