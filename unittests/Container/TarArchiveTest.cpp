//===- TarArchiveTest.cpp - Tar container reader tests --------------------===//
//
// Part of ckpt-migrate. TarArchive on tar images built in memory the way
// Python's tarfile writes them (ustar, pax, GNU), and on damaged ones.
//
//===----------------------------------------------------------------------===//

#include "ArchiveBuilders.h"
#include "ckpt/Container/Archive.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace ckpt;
using namespace ckpt::test;
using namespace llvm;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

std::string tarFailure(StringRef Data) {
  return failureText(TarArchive::create(bufferRef(Data)));
}

/// Names of the regular-file members, in order.
std::vector<std::string> memberNames(const TarArchive &T) {
  std::vector<std::string> Names;
  for (const ArchiveMember &M : T.members())
    Names.push_back(M.Name.str());
  return Names;
}

TEST(TarArchiveTest, TorchMembers) {
  std::string Tar = torchTar();
  Expected<TarArchive> T = TarArchive::create(bufferRef(Tar));
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_EQ(memberNames(*T), (std::vector<std::string>{"sys_info", "pickle",
                                                       "tensors", "storages"}));
  const ArchiveMember *Storages = T->find("storages");
  ASSERT_NE(Storages, nullptr);
  EXPECT_EQ(Storages->HeaderOffset, 3072u);
  EXPECT_EQ(Storages->DataOffset, 3584u);
  EXPECT_EQ(Storages->Size, 600u);
  EXPECT_EQ(T->getData(*Storages), std::string(600, 's'));
  EXPECT_EQ(T->getData(*T->find("pickle")), lit("\x80\x02K\x01."));
  EXPECT_EQ(T->find("missing"), nullptr);
}

TEST(TarArchiveTest, EndsWithoutZeroBlocks) {
  std::string Tar;
  appendTarFile(Tar, "a", "hello");
  Expected<TarArchive> T = TarArchive::create(bufferRef(Tar));
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_EQ(memberNames(*T), std::vector<std::string>{"a"});
  // The padding of the last member may be missing too.
  Tar.resize(512 + 5);
  T = TarArchive::create(bufferRef(Tar));
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_EQ(T->getData(T->members()[0]), "hello");
}

TEST(TarArchiveTest, StopsAtFirstZeroBlock) {
  std::string Tar;
  appendTarFile(Tar, "a", "1");
  appendTarEnd(Tar);
  appendTarFile(Tar, "b", "2"); // After the end marker: not a member.
  Expected<TarArchive> T = TarArchive::create(bufferRef(Tar));
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_EQ(memberNames(*T), std::vector<std::string>{"a"});
}

TEST(TarArchiveTest, PaxPath) {
  std::string Long(150, 'n');
  std::string Tar;
  appendPaxHeader(Tar, paxRecord("mtime", "1.5") + paxRecord("path", Long));
  appendTarFile(Tar, "truncated-name", "data");
  appendTarEnd(Tar);
  Expected<TarArchive> T = TarArchive::create(bufferRef(Tar));
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  ASSERT_EQ(T->members().size(), 1u);
  EXPECT_EQ(T->members()[0].Name, Long);
  EXPECT_EQ(T->members()[0].DataOffset, 1536u);
  EXPECT_NE(T->find(Long), nullptr);
}

TEST(TarArchiveTest, PaxSizeOverridesHeader) {
  std::string Tar;
  appendPaxHeader(Tar, paxRecord("size", "700"));
  TarHeaderSpec H;
  H.Name = "big";
  H.Size = 0;
  appendTarHeader(Tar, H);
  appendTarData(Tar, std::string(700, 'b'));
  appendTarFile(Tar, "next", "n");
  Expected<TarArchive> T = TarArchive::create(bufferRef(Tar));
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_EQ(memberNames(*T), (std::vector<std::string>{"big", "next"}));
  EXPECT_EQ(T->members()[0].Size, 700u);
}

TEST(TarArchiveTest, PaxGlobalHeaderIsSkipped) {
  std::string Tar;
  appendPaxHeader(Tar, paxRecord("path", "not-a-member"), /*Global=*/true);
  appendTarFile(Tar, "a", "1");
  Expected<TarArchive> T = TarArchive::create(bufferRef(Tar));
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_EQ(memberNames(*T), std::vector<std::string>{"a"});
}

TEST(TarArchiveTest, MalformedPaxRecord) {
  std::string Tar;
  appendPaxHeader(Tar, "99 path=x\n");
  appendTarFile(Tar, "a", "1");
  EXPECT_EQ(tarFailure(Tar),
            "offset 512: malformed pax extended header record: expected "
            "'<length> <key>=<value>\\n' within the header");
  Tar.clear();
  appendPaxHeader(Tar, "10 path=xy");
  appendTarFile(Tar, "a", "1");
  EXPECT_THAT(tarFailure(Tar), HasSubstr("does not end with a newline"));
}

TEST(TarArchiveTest, GnuLongName) {
  std::string Long = "dir/" + std::string(120, 'L');
  std::string Tar;
  TarHeaderSpec L;
  L.Name = "././@LongLink";
  L.Type = 'L';
  L.Size = Long.size() + 1;
  L.GnuMagic = true;
  appendTarHeader(Tar, L);
  appendTarData(Tar, Long + '\0');
  appendTarFile(Tar, Long.substr(0, 100), "x");
  Expected<TarArchive> T = TarArchive::create(bufferRef(Tar));
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_EQ(memberNames(*T), std::vector<std::string>{Long});
}

TEST(TarArchiveTest, UstarPrefix) {
  std::string Tar;
  TarHeaderSpec H;
  H.Name = "file";
  H.Prefix = "some/dir";
  H.Size = 1;
  appendTarHeader(Tar, H);
  appendTarData(Tar, "x");
  // GNU tar keeps times where POSIX has the prefix: no prefix there.
  H.Name = "gnu";
  H.Prefix = "12345670123";
  H.GnuMagic = true;
  appendTarHeader(Tar, H);
  appendTarData(Tar, "y");
  Expected<TarArchive> T = TarArchive::create(bufferRef(Tar));
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_EQ(memberNames(*T),
            (std::vector<std::string>{"some/dir/file", "gnu"}));
}

TEST(TarArchiveTest, NonRegularMembersAreSkipped) {
  std::string Tar;
  TarHeaderSpec Dir;
  Dir.Name = "d/";
  Dir.Type = '5';
  appendTarHeader(Tar, Dir);
  TarHeaderSpec Link;
  Link.Name = "l";
  Link.Type = '2';
  Link.Size = 4096; // Ignored for links.
  appendTarHeader(Tar, Link);
  TarHeaderSpec OldDir;
  OldDir.Name = "old/";
  OldDir.Type = '\0';
  appendTarHeader(Tar, OldDir);
  TarHeaderSpec OldFile;
  OldFile.Name = "oldfile";
  OldFile.Type = '\0';
  OldFile.Size = 2;
  appendTarHeader(Tar, OldFile);
  appendTarData(Tar, "ok");
  Expected<TarArchive> T = TarArchive::create(bufferRef(Tar));
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_EQ(memberNames(*T), std::vector<std::string>{"oldfile"});
  EXPECT_EQ(T->members()[0].DataOffset, 4 * 512u);
}

TEST(TarArchiveTest, LaterMemberWins) {
  std::string Tar;
  appendTarFile(Tar, "a", "old");
  appendTarFile(Tar, "a", "new");
  Expected<TarArchive> T = TarArchive::create(bufferRef(Tar));
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_EQ(T->members().size(), 2u);
  EXPECT_EQ(T->getData(*T->find("a")), "new");
}

TEST(TarArchiveTest, Base256Size) {
  std::string Tar;
  TarHeaderSpec H;
  H.Name = "b";
  H.Size = 3;
  H.Base256Size = true;
  appendTarHeader(Tar, H);
  appendTarData(Tar, "abc");
  Expected<TarArchive> T = TarArchive::create(bufferRef(Tar));
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_EQ(T->members()[0].Size, 3u);
}

TEST(TarArchiveTest, SignedChecksumAccepted) {
  std::string Tar;
  appendTarFile(Tar, "caf\xc3\xa9", "x");
  // Store the historic signed-char sum instead of the unsigned one.
  std::memset(&Tar[TarChecksumOffset], ' ', 8);
  int Sum = 0;
  for (unsigned I = 0; I != 512; ++I)
    Sum += int8_t(Tar[I]);
  ASSERT_GT(Sum, 0);
  std::string Field;
  for (int V = Sum; V; V /= 8)
    Field.insert(Field.begin(), char('0' + V % 8));
  ASSERT_LT(Field.size(), 7u);
  Field.insert(0, 6 - Field.size(), '0');
  std::memcpy(&Tar[TarChecksumOffset], Field.data(), 6);
  Tar[TarChecksumOffset + 6] = '\0';
  Expected<TarArchive> T = TarArchive::create(bufferRef(Tar));
  ASSERT_TRUE(bool(T)) << errorText(T.takeError());
  EXPECT_EQ(T->members()[0].Name, "caf\xc3\xa9");
}

//===----------------------------------------------------------------------===//
// Refused archives
//===----------------------------------------------------------------------===//

TEST(TarArchiveTest, ChecksumMismatch) {
  std::string Tar = torchTar();
  Tar[1024 + 1] ^= 1; // Name of the second member.
  EXPECT_THAT(tarFailure(Tar),
              StartsWith("offset 1024: tar header checksum mismatch: header "
                         "says"));
}

TEST(TarArchiveTest, BadOctalSize) {
  std::string Tar;
  appendTarFile(Tar, "a", "1");
  std::memcpy(&Tar[124], "0000000009x", 11);
  fixTarChecksum(Tar, 0);
  EXPECT_EQ(tarFailure(Tar), "offset 124: expected an octal size in tar "
                             "header, found '0000000009x'");
}

TEST(TarArchiveTest, NegativeBase256Size) {
  std::string Tar;
  appendTarFile(Tar, "a", "1");
  std::memset(&Tar[124], 0xff, 12);
  fixTarChecksum(Tar, 0);
  EXPECT_EQ(tarFailure(Tar), "offset 124: negative size in tar header");
}

TEST(TarArchiveTest, DataPastEndOfFile) {
  std::string Tar;
  appendTarFile(Tar, "a", "1");
  appendTarFile(Tar, "storages", std::string(600, 's'));
  Tar.resize(1024 + 599);
  EXPECT_EQ(tarFailure(Tar),
            "offset 1024: data of tar member 'storages' (600 bytes at offset "
            "1536) runs past the end of the file (1623 bytes)");
}

TEST(TarArchiveTest, HugeSizeDoesNotOverflow) {
  std::string Tar;
  TarHeaderSpec H;
  H.Name = "huge";
  H.Size = ~uint64_t(0) >> 1;
  H.Base256Size = true;
  appendTarHeader(Tar, H);
  EXPECT_THAT(tarFailure(Tar), HasSubstr("runs past the end of the file"));
}

TEST(TarArchiveTest, TruncatedHeader) {
  std::string Tar;
  appendTarFile(Tar, "a", "1");
  appendTarFile(Tar, "b", "2");
  Tar.resize(1024 + 300);
  EXPECT_EQ(tarFailure(Tar),
            "offset 1024: truncated tar header: expected 512 bytes, found 300");
}

TEST(TarArchiveTest, DanglingExtendedHeader) {
  std::string Tar;
  appendPaxHeader(Tar, paxRecord("path", "x"));
  appendTarEnd(Tar);
  EXPECT_EQ(tarFailure(Tar),
            "offset 0: tar extended header is not followed by a member");
}

TEST(TarArchiveTest, Empty) {
  EXPECT_EQ(tarFailure(std::string(1024, '\0')),
            "offset 0: tar archive has no members");
  EXPECT_EQ(tarFailure(""), "offset 0: tar archive has no members");
}

TEST(TarArchiveTest, TruncatedAtEveryOffset) {
  std::string Tar;
  appendPaxHeader(Tar, paxRecord("path", "pax-name"));
  appendTarFile(Tar, "x", "hello");
  appendTarFile(Tar, "storages", std::string(600, 's'));
  appendTarEnd(Tar);
  for (size_t Len = 0; Len <= Tar.size(); ++Len) {
    Expected<TarArchive> T = TarArchive::create(bufferRef(Tar.substr(0, Len)));
    if (!T) {
      EXPECT_THAT(errorText(T.takeError()), StartsWith("offset "));
      continue;
    }
    for (const ArchiveMember &M : T->members())
      EXPECT_LE(M.DataOffset + M.Size, Len);
  }
}

TEST(TarArchiveTest, EveryByteCorrupted) {
  std::string Tar;
  appendPaxHeader(Tar, paxRecord("path", "pax-name") + paxRecord("size", "5"));
  appendTarFile(Tar, "x", "hello");
  appendTarFile(Tar, "y", "world");
  for (size_t I = 0; I != Tar.size(); ++I) {
    std::string Damaged = Tar;
    Damaged[I] ^= 0x80;
    // Keep the header valid so that the damage reaches the fields.
    for (uint64_t H = 0; H < Damaged.size(); H += 512)
      if (H == 0 || H == 1024 || H == 2048)
        fixTarChecksum(Damaged, H);
    Expected<TarArchive> T = TarArchive::create(bufferRef(Damaged));
    if (!T) {
      EXPECT_THAT(errorText(T.takeError()), StartsWith("offset "));
      continue;
    }
    for (const ArchiveMember &M : T->members()) {
      EXPECT_LE(M.DataOffset, Damaged.size());
      EXPECT_LE(M.Size, Damaged.size() - M.DataOffset);
    }
  }
}

} // namespace
