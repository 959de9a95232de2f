//===- StridedElementsTest.cpp - Walking a strided view's elements --------===//
//
// Part of ckpt-migrate. forEachStridedElement visits every element of a view
// in row-major order with the offset torch's indexing gives it.
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/Value.h"
#include "gtest/gtest.h"
#include <vector>

using namespace ckpt;

namespace {

std::vector<int64_t> offsets(llvm::ArrayRef<int64_t> Sizes,
                             llvm::ArrayRef<int64_t> Strides, int64_t Base) {
  std::vector<int64_t> Out;
  forEachStridedElement(Sizes, Strides, Base,
                        [&](llvm::ArrayRef<int64_t> Index, int64_t Offset) {
                          // The offset is always base + index . strides.
                          int64_t Expected = Base;
                          for (size_t D = 0; D != Index.size(); ++D)
                            Expected += Index[D] * Strides[D];
                          EXPECT_EQ(Offset, Expected);
                          Out.push_back(Offset);
                        });
  return Out;
}

TEST(StridedElementsTest, Transposed) {
  // A 2x3 tensor's transpose: sizes (3, 2), strides (1, 3).
  EXPECT_EQ(offsets({3, 2}, {1, 3}, 0),
            (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
}

TEST(StridedElementsTest, SliceWithOffsetAndStep) {
  // t[1:, ::2] of a 3x4 tensor: sizes (2, 2), strides (4, 2), offset 4.
  EXPECT_EQ(offsets({2, 2}, {4, 2}, 4), (std::vector<int64_t>{4, 6, 8, 10}));
}

TEST(StridedElementsTest, ExpandedAndScalar) {
  // An expanded dimension (stride 0) repeats elements.
  EXPECT_EQ(offsets({2, 3}, {0, 1}, 5),
            (std::vector<int64_t>{5, 6, 7, 5, 6, 7}));
  // A 0-dim tensor has one element at its offset; an empty one none.
  EXPECT_EQ(offsets({}, {}, 7), (std::vector<int64_t>{7}));
  EXPECT_TRUE(offsets({2, 0, 3}, {0, 3, 1}, 0).empty());
}

} // namespace
