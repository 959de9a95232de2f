//===- DTypeConversionTest.cpp - Exact element conversion tests -----------===//
//
// Part of ckpt-migrate. Known values of each conversion; every bit pattern
// is checked against torch 2.6 itself in test/Torch26/downgrade-1.13.test.
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/DTypeConversion.h"
#include "llvm/Support/Endian.h"
#include "gtest/gtest.h"
#include <cmath>
#include <cstring>

using namespace ckpt;
using namespace llvm;

namespace {

float toFloat(uint32_t Bits) {
  float F;
  std::memcpy(&F, &Bits, 4);
  return F;
}

/// Converts one 1- or 2-byte pattern of \p From to float32.
float widenToF32(DType From, uint16_t Pattern) {
  Expected<ExactConversion> C = ExactConversion::get(From, DType::Float32);
  EXPECT_TRUE(bool(C));
  if (!C) {
    consumeError(C.takeError());
    return 0;
  }
  char In[2], Out[4];
  support::endian::write16le(In, Pattern);
  EXPECT_EQ(C->convert(In, Out, 1), std::nullopt);
  return toFloat(support::endian::read32le(Out));
}

TEST(DTypeConversionTest, Float8KnownValues) {
  EXPECT_EQ(widenToF32(DType::Float8E4M3FN, 0x7e), 448.0f);  // max
  EXPECT_EQ(widenToF32(DType::Float8E4M3FN, 0x01), 0x1p-9f); // min subnormal
  EXPECT_TRUE(std::isnan(widenToF32(DType::Float8E4M3FN, 0x7f)));
  EXPECT_EQ(widenToF32(DType::Float8E5M2, 0x7b), 57344.0f);
  EXPECT_TRUE(std::isinf(widenToF32(DType::Float8E5M2, 0x7c)));
  EXPECT_EQ(widenToF32(DType::Float8E4M3FNUZ, 0x7f), 240.0f);
  EXPECT_TRUE(std::isnan(widenToF32(DType::Float8E4M3FNUZ, 0x80)));
  EXPECT_EQ(widenToF32(DType::Float8E5M2FNUZ, 0x01), 0x1p-17f);
  EXPECT_EQ(widenToF32(DType::Float8E8M0FNU, 127), 1.0f);
  EXPECT_EQ(widenToF32(DType::Float8E8M0FNU, 0), 0x1p-127f);
  EXPECT_TRUE(std::isnan(widenToF32(DType::Float8E8M0FNU, 0xff)));
  EXPECT_EQ(widenToF32(DType::BFloat16, 0x3f80), 1.0f);
  EXPECT_EQ(widenToF32(DType::Float16, 0x0001), 0x1p-24f);
}

TEST(DTypeConversionTest, OnlyExactPairs) {
  for (DType From : {DType::Float32, DType::Int64, DType::Float8E4M3FN}) {
    Expected<ExactConversion> C = ExactConversion::get(From, DType::Float16);
    if (From == DType::Float8E4M3FN) {
      EXPECT_TRUE(bool(C));
      if (!C)
        consumeError(C.takeError());
      continue;
    }
    EXPECT_FALSE(bool(C));
    consumeError(C.takeError());
  }
  // float8_e8m0fnu spans 2^-127 .. 2^127: float16 cannot hold it.
  Expected<ExactConversion> C =
      ExactConversion::get(DType::Float8E8M0FNU, DType::Float16);
  EXPECT_FALSE(bool(C));
  consumeError(C.takeError());
}

TEST(DTypeConversionTest, UInt64RefusesWhatInt64CannotHold) {
  Expected<ExactConversion> C =
      ExactConversion::get(DType::UInt64, DType::Int64);
  ASSERT_TRUE(bool(C));
  char In[24], Out[24];
  support::endian::write64le(In, 5);
  support::endian::write64le(In + 8, (uint64_t(1) << 63) - 1);
  support::endian::write64le(In + 16, uint64_t(1) << 63);
  EXPECT_EQ(C->convert(In, Out, 2), std::nullopt);
  EXPECT_EQ(support::endian::read64le(Out + 8), (uint64_t(1) << 63) - 1);
  EXPECT_EQ(C->convert(In, Out, 3), std::optional<uint64_t>(2));
}

TEST(DTypeConversionTest, ComplexConvertsBothParts) {
  Expected<ExactConversion> C =
      ExactConversion::get(DType::Complex32, DType::Complex64);
  ASSERT_TRUE(bool(C));
  char In[4], Out[8];
  support::endian::write16le(In, 0x3c00);     // 1.0
  support::endian::write16le(In + 2, 0xc000); // -2.0
  EXPECT_EQ(C->convert(In, Out, 1), std::nullopt);
  EXPECT_EQ(toFloat(support::endian::read32le(Out)), 1.0f);
  EXPECT_EQ(toFloat(support::endian::read32le(Out + 4)), -2.0f);
}

} // namespace
