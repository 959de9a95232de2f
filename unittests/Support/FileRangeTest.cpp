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

/// A temporary file to write to; the stream writing it owns (closes) FD.
struct OutputFile {
  SmallString<128> Path;
  int FD = -1;
  OutputFile() {
    EXPECT_FALSE(sys::fs::createTemporaryFile("filerange", "out", FD, Path));
  }
  ~OutputFile() { sys::fs::remove(Path); }
  /// What was written, once the stream is closed.
  std::string contents() const {
    auto Buf = MemoryBuffer::getFile(Path);
    EXPECT_TRUE(bool(Buf));
    return Buf ? (*Buf)->getBuffer().str() : std::string();
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
  OutputFile Out;
  {
    FileCopyStream OS(Out.FD, /*shouldClose=*/true);
    OS << "abc";
    ASSERT_FALSE(errorToBool(OS.copyFrom({In.FD, 7, (4 << 20) + 3})));
    EXPECT_EQ(OS.tell(), uint64_t(3 + (4 << 20) + 3));
    OS << "xyz"; // Buffered writes continue after the copied bytes.
    ASSERT_FALSE(errorToBool(OS.copyFrom({In.FD, 0, 0})));
  }
  EXPECT_EQ(Out.contents(), "abc" + Bytes.substr(7, (4 << 20) + 3) + "xyz");
}

TEST(FileRangeTest, SmallAndLargeCopiesInterleave) {
  // Small ranges go through the stream's buffer, large ones through the
  // kernel; the output must be the ranges in order either way.
  std::string Bytes = pattern(3 << 20);
  InputFile In(Bytes);
  OutputFile Out;
  std::string Expected;
  {
    FileCopyStream OS(Out.FD, /*shouldClose=*/true);
    uint64_t Off = 5;
    for (unsigned I = 0; I != 300; ++I) {
      uint64_t Len = I % 50 == 49 ? FileCopyStream::SmallCopySize + 17 : 100;
      ASSERT_FALSE(errorToBool(OS.copyFrom({In.FD, Off, Len})));
      Expected += Bytes.substr(Off, Len);
      OS << "|";
      Expected += "|";
      Off = (Off + Len + 30) % (2 << 20);
    }
  }
  EXPECT_EQ(Out.contents(), Expected);
}

TEST(FileRangeTest, ShortInputIsAnErrorNotShortOutput) {
  InputFile In(pattern(1000));
  std::string Out;
  raw_string_ostream OS(Out);
  Error E = copyFileRange({In.FD, 900, 200}, OS);
  ASSERT_TRUE(bool(E));
  EXPECT_NE(toString(std::move(E)).find("the input ended at offset 1000"),
            std::string::npos);

  OutputFile Short;
  FileCopyStream FOS(Short.FD, /*shouldClose=*/true);
  Error KE = FOS.copyFrom({In.FD, 900, 200});
  ASSERT_TRUE(bool(KE));
  EXPECT_NE(toString(std::move(KE)).find("the input ended at offset 1000"),
            std::string::npos);
}

TEST(FileRangeTest, CRCMatchesTheBytes) {
  std::string Bytes = pattern((2 << 20) + 17);
  InputFile In(Bytes);
  auto CRC = crc32FileRange({In.FD, 5, Bytes.size() - 5});
  ASSERT_TRUE(bool(CRC));
  EXPECT_EQ(*CRC, crc32(arrayRefFromStringRef(StringRef(Bytes).drop_front(5))));
}

} // namespace

namespace {

/// Reads \p Pieces (offset, length) through a window reader and checks
/// every piece against the file's bytes.
void expectPieces(const std::string &Bytes, int FD,
                  ArrayRef<std::pair<uint64_t, size_t>> Pieces, size_t Window) {
  FileWindowReader R(FD, Window);
  for (auto [Off, Len] : Pieces) {
    Expected<StringRef> Got = R.read(Off, Len);
    ASSERT_TRUE(bool(Got)) << toString(Got.takeError());
    EXPECT_EQ(*Got, StringRef(Bytes).substr(Off, Len)) << Off << "+" << Len;
  }
}

TEST(FileRangeTest, WindowReaderServesPiecesInAnyOrder) {
  std::string Bytes = pattern(1 << 20);
  InputFile In(Bytes);
  // In file order with gaps (zip headers between records), backwards,
  // scattered, larger than the window, and right up to the end.
  std::vector<std::pair<uint64_t, size_t>> Pieces;
  for (uint64_t Off = 0; Off < (200 << 10); Off += 1000)
    Pieces.push_back({Off, 700});
  for (uint64_t Off = 900 << 10; Off > (600 << 10); Off -= 5000)
    Pieces.push_back({Off, 300});
  for (uint64_t I = 0; I != 200; ++I)
    Pieces.push_back({(I * 7919 * 131) % ((1 << 20) - 64), 64});
  Pieces.push_back({1000, 100 << 10});
  Pieces.push_back({(1 << 20) - 10, 10});
  Pieces.push_back({0, 1 << 20});
  expectPieces(Bytes, In.FD, Pieces, 16 << 10);
}

TEST(FileRangeTest, WindowReaderReportsAShortFile) {
  std::string Bytes = pattern(1000);
  InputFile In(Bytes);
  FileWindowReader R(In.FD, 4096);
  Expected<StringRef> Tail = R.read(990, 10);
  ASSERT_TRUE(bool(Tail));
  EXPECT_EQ(*Tail, StringRef(Bytes).substr(990));
  Expected<StringRef> Past = R.read(995, 10);
  ASSERT_FALSE(bool(Past));
  EXPECT_NE(toString(Past.takeError()).find("ended at offset 1000"),
            std::string::npos);
}

} // namespace
