//===- StorageKeyMapTest.cpp - Maps keyed by storage keys -----------------===//
//
// Part of ckpt-migrate. The map splits keys between a vector (small decimal
// numbers) and a StringMap (everything else), and a key may land in either
// depending on what came before: lookups and duplicate checks must not care.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Support/StorageKeyMap.h"
#include "gtest/gtest.h"
#include <algorithm>
#include <string>
#include <vector>

using namespace ckpt;

namespace {

TEST(StorageKeyMapTest, KeysInStringOrder) {
  // Zip archives list data/0, data/1, data/10, data/100, ...: numbers far
  // past the vector arrive before the ones that grow it.
  std::vector<std::string> Keys;
  for (int I = 0; I != 20000; ++I)
    Keys.push_back(std::to_string(I));
  std::sort(Keys.begin(), Keys.end());
  std::vector<int> Values(Keys.size());
  StorageKeyMap<int *> M;
  for (size_t I = 0; I != Keys.size(); ++I)
    EXPECT_TRUE(M.insert(Keys[I], &Values[I])) << Keys[I];
  for (size_t I = 0; I != Keys.size(); ++I) {
    EXPECT_EQ(M.lookup(Keys[I]), &Values[I]) << Keys[I];
    EXPECT_FALSE(M.insert(Keys[I], &Values[0])) << Keys[I];
  }
  EXPECT_EQ(M.lookup("20000"), nullptr);
}

TEST(StorageKeyMapTest, OtherKeys) {
  int A, B, C, D;
  StorageKeyMap<int *> M;
  EXPECT_TRUE(M.insert("94123456789040", &A)); // A 0.x pointer value.
  EXPECT_TRUE(M.insert("017", &B));            // Not canonical: a string.
  EXPECT_TRUE(M.insert("17", &C));
  EXPECT_TRUE(M.insert("w.0", &D));
  EXPECT_EQ(M.lookup("94123456789040"), &A);
  EXPECT_EQ(M.lookup("017"), &B);
  EXPECT_EQ(M.lookup("17"), &C);
  EXPECT_EQ(M.lookup("w.0"), &D);
  EXPECT_EQ(M.lookup(""), nullptr);
  EXPECT_EQ(M.lookup("+17"), nullptr);
  EXPECT_FALSE(M.insert("017", &A));
  EXPECT_FALSE(M.insert("w.0", &A));
  EXPECT_TRUE(M.insert("", &A));
  EXPECT_EQ(M.lookup(""), &A);
}

} // namespace
