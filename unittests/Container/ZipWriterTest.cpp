//===- ZipWriterTest.cpp - Zip writer tests -------------------------------===//
//
// Part of ckpt-migrate. The `.data/serialization_id` ZipWriter computes,
// against the id the real torch 2.6 wrote for the same records.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Container/ZipWriter.h"
#include "gtest/gtest.h"

using namespace ckpt;
using namespace llvm;

namespace {

/// Adds a record of \p Size zero bytes that claims CRC-32 \p CRC: the id
/// depends on names and CRCs only.
void addFake(ZipWriter &Z, StringRef Name, uint64_t Size, uint32_t CRC) {
  Error E = Z.addRecord(Name, Size, CRC, [&](raw_ostream &OS) {
    OS.write_zeros(Size);
    return Error::success();
  });
  ASSERT_FALSE(bool(E)) << toString(std::move(E));
}

// The records of a state dict torch 2.6.0 saved as sd_classic.pt
// (gen_fixtures26.py sd_classic), in the order it wrote them, with their
// CRC-32s, and the `.data/serialization_id` it wrote after them.
TEST(ZipWriterTest, SerializationIdMatchesTorch26) {
  std::string Out;
  raw_string_ostream OS(Out);
  ZipWriter Z(OS, "sd_classic");
  struct {
    const char *Name;
    uint64_t Size;
    uint32_t CRC;
  } Records[] = {
      {"data.pkl", 872, 0xe5ad961d}, {"byteorder", 6, 0x19e33d85},
      {"data/0", 216, 0x37fd5235},   {"data/1", 12, 0xd3fa86d7},
      {"data/2", 12, 0xdc7c4e94},    {"data/3", 12, 0x7bd5c66f},
      {"data/4", 12, 0xe8e0c7cd},    {"data/5", 12, 0xf772fa82},
      {"data/6", 8, 0xa988dff7},     {"data/7", 240, 0xad46fd42},
      {"data/8", 20, 0x38b958a4},    {"version", 2, 0x55679ed1},
  };
  for (const auto &R : Records)
    addFake(Z, R.Name, R.Size, R.CRC);
  EXPECT_EQ(Z.getSerializationId(), "0180191645458080810205051710053795447831");
}

TEST(ZipWriterTest, SerializationIdIsFortyDigits) {
  std::string Out;
  raw_string_ostream OS(Out);
  ZipWriter Z(OS, "archive");
  Z.addRecord("data.pkl", "x");
  std::string Id = Z.getSerializationId();
  EXPECT_EQ(Id.size(), 40u);
  EXPECT_EQ(Id.find_first_not_of("0123456789"), std::string::npos);
}

} // namespace
