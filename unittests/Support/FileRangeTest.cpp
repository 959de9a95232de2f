//===- FileRangeTest.cpp - Copying file ranges without mapping ------------===//
//
// Part of ckpt-migrate. The writer's tensor-byte copies are hand-written
// system calls (copy_file_range, pread): check them against the bytes, in
// both the kernel and the buffered path, at offsets that are not aligned,
// and on an input shorter than the range claims.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Support/FileRange.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "gtest/gtest.h"
#include <string>

using namespace ckpt;
using namespace llvm;

namespace {

/// A temporary file holding \p Bytes, open for reading.
struct InputFile {
  SmallString<128> Path;
  int FD = -1;
  explicit InputFile(StringRef Bytes) {
    int WFD;
    EXPECT_FALSE(sys::fs::createTemporaryFile("filerange", "in", WFD, Path));
    raw_fd_ostream OS(WFD, /*shouldClose=*/true);
    OS << Bytes;
    OS.close();
    auto F = sys::fs::openNativeFileForRead(Path);
    EXPECT_TRUE(bool(F));
    FD = F ? *F : -1;
  }
  ~InputFile() {
    sys::fs::closeFile(FD);
    sys::fs::remove(Path);
  }
};

/// Several MiB of bytes that differ at every position mod 251.
std::string pattern(size_t N) {
  std::string S(N, '\0');
  for (size_t I = 0; I != N; ++I)
    S[I] = char(I % 251);
  return S;
}

struct Counter : CopyObserver {
  uint64_t Bytes = 0;
  void copied(uint64_t N) override { Bytes += N; }
};

TEST(FileRangeTest, BufferedCopyIntoAStream) {
  std::string Bytes = pattern(3 << 20);
  InputFile In(Bytes);
  std::string Out;
  raw_string_ostream OS(Out);
  OS << "head";
  Counter C;
  ASSERT_FALSE(errorToBool(copyFileRange({In.FD, 12345, 2 << 20}, OS, &C)));
  OS.flush();
  EXPECT_EQ(Out, "head" + Bytes.substr(12345, 2 << 20));
  EXPECT_EQ(C.Bytes, uint64_t(2 << 20));
}

TEST(FileRangeTest, KernelCopyIntoAFileKeepsTheStreamPosition) {
  std::string Bytes = pattern(5 << 20);
  InputFile In(Bytes);
  SmallString<128> OutPath;
  int OutFD;
  ASSERT_FALSE(sys::fs::createTemporaryFile("filerange", "out", OutFD, OutPath));
  {
    FileCopyStream OS(OutFD, /*shouldClose=*/true);
    OS << "abc";
    ASSERT_FALSE(errorToBool(OS.copyFrom({In.FD, 7, (4 << 20) + 3})));
    EXPECT_EQ(OS.tell(), uint64_t(3 + (4 << 20) + 3));
    OS << "xyz"; // Buffered writes continue after the copied bytes.
    ASSERT_FALSE(errorToBool(OS.copyFrom({In.FD, 0, 0})));
  }
  auto Buf = MemoryBuffer::getFile(OutPath);
  ASSERT_TRUE(bool(Buf));
  EXPECT_EQ((*Buf)->getBuffer(),
            "abc" + Bytes.substr(7, (4 << 20) + 3) + "xyz");
  sys::fs::remove(OutPath);
}

TEST(FileRangeTest, ShortInputIsAnErrorNotShortOutput) {
  InputFile In(pattern(1000));
  std::string Out;
  raw_string_ostream OS(Out);
  Error E = copyFileRange({In.FD, 900, 200}, OS);
  ASSERT_TRUE(bool(E));
  EXPECT_NE(toString(std::move(E)).find("the input ended at offset 1000"),
            std::string::npos);

  SmallString<128> OutPath;
  int OutFD;
  ASSERT_FALSE(sys::fs::createTemporaryFile("filerange", "out", OutFD, OutPath));
  {
    FileCopyStream FOS(OutFD, /*shouldClose=*/true);
    Error KE = FOS.copyFrom({In.FD, 900, 200});
    ASSERT_TRUE(bool(KE));
    EXPECT_NE(toString(std::move(KE)).find("the input ended at offset 1000"),
              std::string::npos);
  }
  sys::fs::remove(OutPath);
}

TEST(FileRangeTest, CRCMatchesTheBytes) {
  std::string Bytes = pattern((2 << 20) + 17);
  InputFile In(Bytes);
  auto CRC = crc32FileRange({In.FD, 5, Bytes.size() - 5});
  ASSERT_TRUE(bool(CRC));
  EXPECT_EQ(*CRC, crc32(arrayRefFromStringRef(StringRef(Bytes).drop_front(5))));
}

} // namespace
