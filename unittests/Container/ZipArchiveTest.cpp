//===- ZipArchiveTest.cpp - Zip container reader tests --------------------===//
//
// Part of ckpt-migrate. ZipArchive on a real torch.save file, on archives
// built in memory (ArchiveBuilders.h), and on every kind of damage the reader
// must refuse with a DecodeError rather than crash.
//
//===----------------------------------------------------------------------===//

#include "ArchiveBuilders.h"
#include "ckpt/Container/Archive.h"
#include "ckpt/Container/Container.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace ckpt;
using namespace ckpt::test;
using namespace llvm;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

/// `torch.save({'a': torch.arange(4)}, 'x.pt')` with torch 1.13.1: root "x",
/// miniz layout with "FB" padding, data descriptors and zip64 end records.
const char TorchZipBytes[] =
    "\x50\x4b\x03\x04\x00\x00\x08\x08\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0a\x00\x18\x00\x78\x2f"
    "\x64\x61\x74\x61\x2e\x70\x6b\x6c\x46\x42\x14\x00\x5a\x5a\x5a\x5a"
    "\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a"
    "\x80\x02\x7d\x71\x00\x58\x01\x00\x00\x00\x61\x71\x01\x63\x74\x6f"
    "\x72\x63\x68\x2e\x5f\x75\x74\x69\x6c\x73\x0a\x5f\x72\x65\x62\x75"
    "\x69\x6c\x64\x5f\x74\x65\x6e\x73\x6f\x72\x5f\x76\x32\x0a\x71\x02"
    "\x28\x28\x58\x07\x00\x00\x00\x73\x74\x6f\x72\x61\x67\x65\x71\x03"
    "\x63\x74\x6f\x72\x63\x68\x0a\x4c\x6f\x6e\x67\x53\x74\x6f\x72\x61"
    "\x67\x65\x0a\x71\x04\x58\x01\x00\x00\x00\x30\x71\x05\x58\x03\x00"
    "\x00\x00\x63\x70\x75\x71\x06\x4b\x04\x74\x71\x07\x51\x4b\x00\x4b"
    "\x04\x85\x71\x08\x4b\x01\x85\x71\x09\x89\x63\x63\x6f\x6c\x6c\x65"
    "\x63\x74\x69\x6f\x6e\x73\x0a\x4f\x72\x64\x65\x72\x65\x64\x44\x69"
    "\x63\x74\x0a\x71\x0a\x29\x52\x71\x0b\x74\x71\x0c\x52\x71\x0d\x73"
    "\x2e\x50\x4b\x07\x08\xdf\xf4\x91\x90\xa1\x00\x00\x00\xa1\x00\x00"
    "\x00\x50\x4b\x03\x04\x00\x00\x08\x08\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x29\x00\x78"
    "\x2f\x64\x61\x74\x61\x2f\x30\x46\x42\x25\x00\x5a\x5a\x5a\x5a\x5a"
    "\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a"
    "\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"
    "\x02\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00"
    "\x50\x4b\x07\x08\x0a\x12\x00\x91\x20\x00\x00\x00\x20\x00\x00\x00"
    "\x50\x4b\x03\x04\x00\x00\x08\x08\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x09\x00\x29\x00\x78\x2f"
    "\x76\x65\x72\x73\x69\x6f\x6e\x46\x42\x25\x00\x5a\x5a\x5a\x5a\x5a"
    "\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a"
    "\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a\x5a"
    "\x33\x0a\x50\x4b\x07\x08\xd1\x9e\x67\x55\x02\x00\x00\x00\x02\x00"
    "\x00\x00\x50\x4b\x01\x02\x00\x00\x00\x00\x08\x08\x00\x00\x00\x00"
    "\x00\x00\xdf\xf4\x91\x90\xa1\x00\x00\x00\xa1\x00\x00\x00\x0a\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x78\x2f\x64\x61\x74\x61\x2e\x70\x6b\x6c\x50\x4b\x01\x02\x00\x00"
    "\x00\x00\x08\x08\x00\x00\x00\x00\x00\x00\x0a\x12\x00\x91\x20\x00"
    "\x00\x00\x20\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\xf1\x00\x00\x00\x78\x2f\x64\x61\x74\x61\x2f\x30"
    "\x50\x4b\x01\x02\x00\x00\x00\x00\x08\x08\x00\x00\x00\x00\x00\x00"
    "\xd1\x9e\x67\x55\x02\x00\x00\x00\x02\x00\x00\x00\x09\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x70\x01\x00\x00\x78\x2f"
    "\x76\x65\x72\x73\x69\x6f\x6e\x50\x4b\x06\x06\x2c\x00\x00\x00\x00"
    "\x00\x00\x00\x1e\x03\x2d\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03"
    "\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\xa5"
    "\x00\x00\x00\x00\x00\x00\x00\xd2\x01\x00\x00\x00\x00\x00\x00\x50"
    "\x4b\x06\x07\x00\x00\x00\x00\x77\x02\x00\x00\x00\x00\x00\x00\x01"
    "\x00\x00\x00\x50\x4b\x05\x06\x00\x00\x00\x00\x03\x00\x03\x00\xa5"
    "\x00\x00\x00\xd2\x01\x00\x00\x00\x00";
static_assert(sizeof(TorchZipBytes) == 729 + 1, "729 bytes and a NUL");

StringRef torchZip() { return StringRef(TorchZipBytes, 729); }

std::string zipFailure(StringRef Data) {
  return failureText(ZipArchive::create(bufferRef(Data)));
}

//===----------------------------------------------------------------------===//
// Well-formed archives
//===----------------------------------------------------------------------===//

TEST(ZipArchiveTest, RealTorchSave) {
  // Expected values from Python's zipfile (ZipInfo.header_offset, file_size,
  // CRC) plus the local header lengths.
  Expected<ZipArchive> Z = ZipArchive::create(bufferRef(torchZip()));
  ASSERT_TRUE(bool(Z)) << errorText(Z.takeError());
  EXPECT_EQ(Z->getRootName(), "x");
  EXPECT_EQ(Z->getCentralDirectoryOffset(), 466u);
  EXPECT_FALSE(Z->isTorchScript());
  ASSERT_EQ(Z->members().size(), 3u);

  struct {
    const char *Record;
    uint64_t Header, Data, Size;
    uint32_t CRC;
  } Want[] = {{"data.pkl", 0, 64, 161, 0x9091f4df},
              {"data/0", 241, 320, 32, 0x9100120a},
              {"version", 368, 448, 2, 0x55679ed1}};
  for (size_t I = 0; I != 3; ++I) {
    const ArchiveMember &M = Z->members()[I];
    EXPECT_EQ(M.Name, "x/" + std::string(Want[I].Record));
    EXPECT_EQ(M.HeaderOffset, Want[I].Header);
    EXPECT_EQ(M.DataOffset, Want[I].Data);
    EXPECT_EQ(M.Size, Want[I].Size);
    EXPECT_EQ(M.CRC32, Want[I].CRC);
    EXPECT_EQ(Z->findRecord(Want[I].Record), &M);
    EXPECT_EQ(crcOf(Z->getData(M)), M.CRC32);
  }
  EXPECT_EQ(Z->getData(*Z->findRecord("version")), "3\n");
  EXPECT_TRUE(Z->getData(*Z->findRecord("data.pkl")).starts_with("\x80\x02"));
  EXPECT_EQ(Z->findRecord("x/version"), nullptr);
  EXPECT_EQ(Z->findRecord("missing"), nullptr);
}

TEST(ZipArchiveTest, RootNamedArchive) {
  ZipImage Img = buildZip(torchRecords("archive"));
  Expected<ZipArchive> Z = ZipArchive::create(bufferRef(Img.Bytes));
  ASSERT_TRUE(bool(Z)) << errorText(Z.takeError());
  EXPECT_EQ(Z->getRootName(), "archive");
  EXPECT_EQ(Z->getCentralDirectoryOffset(), Img.CDOffset);
  ASSERT_EQ(Z->members().size(), 3u);
  for (size_t I = 0; I != 3; ++I) {
    EXPECT_EQ(Z->members()[I].HeaderOffset, Img.HeaderOffsets[I]);
    EXPECT_EQ(Z->members()[I].DataOffset, Img.DataOffsets[I]);
    EXPECT_EQ(Z->members()[I].DataOffset % 64, 0u);
  }
  const ArchiveMember *Data0 = Z->findRecord("data/0");
  ASSERT_NE(Data0, nullptr);
  EXPECT_EQ(Data0->Name, "archive/data/0");
  EXPECT_EQ(Z->getData(*Data0), std::string(32, '\x01'));
}

TEST(ZipArchiveTest, OtherRootName) {
  // The archive points into its bytes: they must outlive it.
  std::string Bytes = buildZip(torchRecords("resnet50-0676ba61")).Bytes;
  Expected<ZipArchive> Z = ZipArchive::create(bufferRef(Bytes));
  ASSERT_TRUE(bool(Z)) << errorText(Z.takeError());
  EXPECT_EQ(Z->getRootName(), "resnet50-0676ba61");
  EXPECT_NE(Z->findRecord("data.pkl"), nullptr);
}

TEST(ZipArchiveTest, WithoutZip64EndRecords) {
  // Python's zipfile writes no zip64 records for small archives.
  ZipOptions Opts;
  Opts.Zip64EndRecords = false;
  Opts.Align64 = false;
  ZipImage Img = buildZip(torchRecords("hand_zip"), Opts);
  Expected<ZipArchive> Z = ZipArchive::create(bufferRef(Img.Bytes));
  ASSERT_TRUE(bool(Z)) << errorText(Z.takeError());
  EXPECT_EQ(Z->members()[1].DataOffset, Img.DataOffsets[1]);
  EXPECT_EQ(Z->getData(*Z->findRecord("version")), "3\n");
}

TEST(ZipArchiveTest, Zip64ExtraFieldInCentralDirectory) {
  std::vector<ZipEntrySpec> Entries = torchRecords("archive");
  for (ZipEntrySpec &E : Entries)
    E.Zip64Extra = true;
  ZipImage Img = buildZip(Entries);
  Expected<ZipArchive> Z = ZipArchive::create(bufferRef(Img.Bytes));
  ASSERT_TRUE(bool(Z)) << errorText(Z.takeError());
  for (size_t I = 0; I != 3; ++I) {
    EXPECT_EQ(Z->members()[I].HeaderOffset, Img.HeaderOffsets[I]);
    EXPECT_EQ(Z->members()[I].DataOffset, Img.DataOffsets[I]);
    EXPECT_EQ(Z->members()[I].Size, Entries[I].Data.size());
  }
}

TEST(ZipArchiveTest, ArchiveComment) {
  ZipOptions Opts;
  Opts.Comment = lit("PK\x05\x06 is not here");
  std::string Bytes = buildZip(torchRecords("a"), Opts).Bytes;
  Expected<ZipArchive> Z = ZipArchive::create(bufferRef(Bytes));
  ASSERT_TRUE(bool(Z)) << errorText(Z.takeError());
  EXPECT_EQ(Z->members().size(), 3u);
}

TEST(ZipArchiveTest, TorchScript) {
  auto IsTorchScript = [](std::vector<ZipEntrySpec> Entries) {
    std::string Bytes = buildZip(Entries).Bytes;
    Expected<ZipArchive> Z = ZipArchive::create(bufferRef(Bytes));
    EXPECT_TRUE(bool(Z));
    return Z && Z->isTorchScript();
  };
  EXPECT_TRUE(IsTorchScript({{"m/data.pkl", "."}, {"m/constants.pkl", "."}}));
  EXPECT_TRUE(
      IsTorchScript({{"m/data.pkl", "."}, {"m/code/__torch__.py", ""}}));
  EXPECT_TRUE(IsTorchScript({{"m/model.json", "{}"}}));
  EXPECT_FALSE(IsTorchScript(torchRecords("m")));
  // "code" must be a folder.
  EXPECT_FALSE(IsTorchScript({{"m/data.pkl", "."}, {"m/codex", ""}}));
}

//===----------------------------------------------------------------------===//
// Refused archives
//===----------------------------------------------------------------------===//

TEST(ZipArchiveTest, CompressedEntryRefused) {
  std::vector<ZipEntrySpec> Entries = torchRecords("archive");
  Entries[0].Method = 8;
  ZipImage Img = buildZip(Entries);
  EXPECT_EQ(zipFailure(Img.Bytes),
            formatv("offset {0}: entry 'archive/data.pkl' is compressed "
                    "(method 8); only stored entries are supported",
                    Img.CentralOffsets[0])
                .str());
}

TEST(ZipArchiveTest, CompressedTorchScriptNamed) {
  // torch.jit.save deflates code/: the refusal says what the file is.
  std::vector<ZipEntrySpec> Entries = {{"m/data.pkl", "."},
                                       {"m/code/__torch__.py", "def f(): pass"},
                                       {"m/constants.pkl", "."}};
  Entries[1].Method = 8;
  EXPECT_THAT(zipFailure(buildZip(Entries).Bytes),
              HasSubstr("entry 'm/code/__torch__.py' is compressed (method 8); "
                        "only stored entries are supported; this is a "
                        "TorchScript archive (torch.jit.save), not a "
                        "torch.save checkpoint: load it with torch.jit.load"));
}

TEST(ZipArchiveTest, EncryptedEntryRefused) {
  std::vector<ZipEntrySpec> Entries = torchRecords("archive");
  Entries[2].Flags |= 1;
  ZipImage Img = buildZip(Entries);
  EXPECT_EQ(zipFailure(Img.Bytes),
            formatv("offset {0}: entry 'archive/version' is encrypted",
                    Img.CentralOffsets[2])
                .str());
}

TEST(ZipArchiveTest, DuplicateNames) {
  ZipImage Img = buildZip({{"a/x", "1"}, {"a/y", "2"}, {"a/x", "3"}});
  EXPECT_EQ(zipFailure(Img.Bytes),
            formatv("offset {0}: duplicate entry 'a/x' (first at offset {1})",
                    Img.CentralOffsets[2], Img.CentralOffsets[0])
                .str());
}

TEST(ZipArchiveTest, EntryOutsideRoot) {
  ZipImage Img = buildZip({{"a/data.pkl", "."}, {"b/data/0", "1"}});
  EXPECT_EQ(zipFailure(Img.Bytes),
            formatv("offset {0}: entry 'b/data/0' is not under the root "
                    "folder 'a/'",
                    Img.CentralOffsets[1])
                .str());
  // A sibling whose name merely starts with the root is outside too.
  EXPECT_THAT(zipFailure(buildZip({{"a/x", "."}, {"ab/y", "."}}).Bytes),
              HasSubstr("entry 'ab/y' is not under the root folder 'a/'"));
}

TEST(ZipArchiveTest, FirstEntryNotInFolder) {
  ZipImage Img = buildZip({{"data.pkl", "."}, {"a/version", "3\n"}});
  EXPECT_EQ(zipFailure(Img.Bytes),
            formatv("offset {0}: file in archive is not in a subdirectory: "
                    "entry #0 'data.pkl' has no '/'",
                    Img.CDOffset)
                .str());
}

TEST(ZipArchiveTest, EmptyArchive) {
  // What Python's zipfile writes for an archive with no entries.
  std::string Empty = lit("PK\x05\x06") + std::string(18, '\0');
  EXPECT_EQ(zipFailure(Empty), "offset 0: zip archive has no entries");
  ZipImage Img = buildZip({});
  EXPECT_EQ(
      zipFailure(Img.Bytes),
      formatv("offset {0}: zip archive has no entries", Img.EndOffset).str());
}

TEST(ZipArchiveTest, NoEndRecord) {
  std::string NotZip = lit("PK\x03\x04") + std::string(100, 'x');
  EXPECT_THAT(zipFailure(NotZip),
              HasSubstr("no end of central directory record"));
}

TEST(ZipArchiveTest, BadCentralDirectorySignature) {
  ZipImage Img = buildZip(torchRecords("archive"));
  Img.Bytes[Img.CentralOffsets[1] + 2] = '\x09';
  EXPECT_EQ(zipFailure(Img.Bytes),
            formatv("offset {0}: expected central directory entry #1 "
                    "signature 50 4b 01 02, found 50 4b 09 02",
                    Img.CentralOffsets[1])
                .str());
}

TEST(ZipArchiveTest, CentralDirectoryPastEndRecords) {
  ZipImage Img = buildZip(torchRecords("archive"));
  // zip64 end record: CD size at +40.
  patchLE(Img.Bytes, Img.Zip64EndOffset + 40, Img.CDSize + 1, 8);
  EXPECT_THAT(zipFailure(Img.Bytes),
              HasSubstr("runs past the end records at offset"));
  // A CD offset near 2^64 must not wrap around.
  patchLE(Img.Bytes, Img.Zip64EndOffset + 40, Img.CDSize, 8);
  patchLE(Img.Bytes, Img.Zip64EndOffset + 48, ~uint64_t(0) - 4, 8);
  EXPECT_THAT(zipFailure(Img.Bytes),
              HasSubstr("runs past the end records at offset"));
}

TEST(ZipArchiveTest, TooManyEntriesAnnounced) {
  ZipImage Img = buildZip(torchRecords("archive"));
  patchLE(Img.Bytes, Img.Zip64EndOffset + 24, uint64_t(1) << 40, 8);
  patchLE(Img.Bytes, Img.Zip64EndOffset + 32, uint64_t(1) << 40, 8);
  EXPECT_THAT(zipFailure(Img.Bytes),
              HasSubstr("cannot hold the 1099511627776 entries"));
}

TEST(ZipArchiveTest, FewerEntriesAnnounced) {
  ZipImage Img = buildZip(torchRecords("archive"));
  patchLE(Img.Bytes, Img.Zip64EndOffset + 24, 2, 8);
  patchLE(Img.Bytes, Img.Zip64EndOffset + 32, 2, 8);
  EXPECT_EQ(zipFailure(Img.Bytes),
            formatv("offset {0}: central directory has {1} bytes after its "
                    "last entry (the end record announces 2 entries)",
                    Img.CentralOffsets[2],
                    Img.Zip64EndOffset - Img.CentralOffsets[2])
                .str());
}

TEST(ZipArchiveTest, Zip64LocatorPointsNowhere) {
  ZipImage Img = buildZip(torchRecords("archive"));
  patchLE(Img.Bytes, Img.LocatorOffset + 8, Img.Zip64EndOffset - 8, 8);
  EXPECT_THAT(zipFailure(Img.Bytes),
              HasSubstr("expected zip64 end of central directory record "
                        "signature 50 4b 06 06"));
  patchLE(Img.Bytes, Img.LocatorOffset + 8, Img.LocatorOffset - 50, 8);
  EXPECT_THAT(zipFailure(Img.Bytes),
              HasSubstr("truncated zip64 end of central directory record"));
  patchLE(Img.Bytes, Img.LocatorOffset + 8, ~uint64_t(0), 8);
  EXPECT_THAT(zipFailure(Img.Bytes),
              HasSubstr("zip64 end of central directory locator points to "
                        "offset 18446744073709551615, expected an offset "
                        "before the locator"));
}

TEST(ZipArchiveTest, SaturatedEndRecordWithoutZip64) {
  ZipOptions Opts;
  Opts.Zip64EndRecords = false;
  ZipImage Img = buildZip(torchRecords("archive"), Opts);
  patchLE(Img.Bytes, Img.EndOffset + 16, 0xffffffff, 4);
  EXPECT_THAT(zipFailure(Img.Bytes), HasSubstr("no zip64 locator"));
}

TEST(ZipArchiveTest, SaturatedOffsetWithoutZip64Extra) {
  ZipImage Img = buildZip(torchRecords("archive"));
  patchLE(Img.Bytes, Img.CentralOffsets[1] + 42, 0xffffffff, 4);
  EXPECT_EQ(zipFailure(Img.Bytes),
            formatv("offset {0}: central directory entry 'archive/data/0' has "
                    "a saturated 32-bit size or offset but no zip64 extra "
                    "field (0x0001)",
                    Img.CentralOffsets[1])
                .str());
}

TEST(ZipArchiveTest, HugeSizeInZip64Extra) {
  std::vector<ZipEntrySpec> Entries = torchRecords("archive");
  Entries[1].Zip64Extra = true;
  ZipImage Img = buildZip(Entries);
  // The extra field follows the 46-byte header and the name; sizes first.
  uint64_t Extra = Img.CentralOffsets[1] + 46 + Entries[1].Name.size();
  patchLE(Img.Bytes, Extra + 4, ~uint64_t(0), 8);
  patchLE(Img.Bytes, Extra + 12, ~uint64_t(0), 8);
  EXPECT_EQ(zipFailure(Img.Bytes),
            formatv("offset {0}: data of entry 'archive/data/0' "
                    "(18446744073709551615 bytes) runs past the start of the "
                    "central directory at offset {1}",
                    Img.DataOffsets[1], Img.CDOffset)
                .str());
}

TEST(ZipArchiveTest, SizesDisagree) {
  ZipImage Img = buildZip(torchRecords("archive"));
  patchLE(Img.Bytes, Img.CentralOffsets[0] + 20, 5, 4); // Compressed size.
  EXPECT_THAT(zipFailure(Img.Bytes),
              HasSubstr("stored entry 'archive/data.pkl' has compressed size "
                        "5 but size 6"));
}

TEST(ZipArchiveTest, DataRunsIntoCentralDirectory) {
  ZipImage Img = buildZip(torchRecords("archive"));
  uint64_t TooBig = Img.CDOffset - Img.DataOffsets[2] + 1;
  patchLE(Img.Bytes, Img.CentralOffsets[2] + 20, TooBig, 4);
  patchLE(Img.Bytes, Img.CentralOffsets[2] + 24, TooBig, 4);
  EXPECT_EQ(zipFailure(Img.Bytes),
            formatv("offset {0}: data of entry 'archive/version' ({1} bytes) "
                    "runs past the start of the central directory at offset "
                    "{2}",
                    Img.DataOffsets[2], TooBig, Img.CDOffset)
                .str());
}

TEST(ZipArchiveTest, OverlappingEntries) {
  ZipImage Img = buildZip(torchRecords("archive"));
  // Make data.pkl swallow the local header of data/0.
  uint64_t Size = Img.HeaderOffsets[1] - Img.DataOffsets[0] + 1;
  patchLE(Img.Bytes, Img.CentralOffsets[0] + 20, Size, 4);
  patchLE(Img.Bytes, Img.CentralOffsets[0] + 24, Size, 4);
  EXPECT_EQ(zipFailure(Img.Bytes),
            formatv("offset {0}: entry 'archive/data/0' overlaps the data of "
                    "entry 'archive/data.pkl' (offset {1}, {2} bytes)",
                    Img.HeaderOffsets[1], Img.DataOffsets[0], Size)
                .str());
}

TEST(ZipArchiveTest, TwoEntriesShareOneLocalHeader) {
  ZipImage Img = buildZip({{"a/x", "1"}, {"a/y", "2"}});
  patchLE(Img.Bytes, Img.CentralOffsets[1] + 42, Img.HeaderOffsets[0], 4);
  EXPECT_EQ(zipFailure(Img.Bytes),
            formatv("offset {0}: local header name 'a/x' differs from "
                    "central directory name 'a/y'",
                    Img.HeaderOffsets[0] + 30)
                .str());
}

TEST(ZipArchiveTest, BadLocalHeaderSignature) {
  ZipImage Img = buildZip(torchRecords("archive"));
  Img.Bytes[Img.HeaderOffsets[1] + 3] = '\x00';
  EXPECT_EQ(zipFailure(Img.Bytes),
            formatv("offset {0}: expected local header signature 50 4b 03 04 "
                    "for entry 'archive/data/0', found 50 4b 03 00",
                    Img.HeaderOffsets[1])
                .str());
}

TEST(ZipArchiveTest, LocalHeaderDisagreesOnMethod) {
  ZipImage Img = buildZip(torchRecords("archive"));
  patchLE(Img.Bytes, Img.HeaderOffsets[0] + 8, 8, 2);
  EXPECT_THAT(zipFailure(Img.Bytes),
              HasSubstr("local header of entry 'archive/data.pkl' disagrees "
                        "with the central directory (method 8 vs 0"));
}

TEST(ZipArchiveTest, ExtraFieldOverrunsItsArea) {
  std::vector<ZipEntrySpec> Entries = torchRecords("archive");
  Entries[0].Zip64Extra = true;
  ZipImage Img = buildZip(Entries);
  uint64_t Extra = Img.CentralOffsets[0] + 46 + Entries[0].Name.size();
  patchLE(Img.Bytes, Extra + 2, 200, 2);
  EXPECT_THAT(zipFailure(Img.Bytes), HasSubstr("truncated extra field 0x1"));
}

//===----------------------------------------------------------------------===//
// Damage at every offset: an error or a result, never a crash
//===----------------------------------------------------------------------===//

TEST(ZipArchiveTest, TruncatedAtEveryOffset) {
  StringRef Full = torchZip();
  for (size_t Len = 0; Len < Full.size(); ++Len) {
    StringRef Cut = Full.take_front(Len);
    if (Len != 0) {
      EXPECT_EQ(failureText(identifyContainer(bufferRef(Cut))), "success");
    }
    std::string Msg = zipFailure(Cut);
    EXPECT_THAT(Msg, StartsWith("offset ")) << "length " << Len;
  }
}

TEST(ZipArchiveTest, EveryByteCorrupted) {
  std::string Bytes = torchZip().str();
  for (size_t I = 0; I != Bytes.size(); ++I) {
    for (uint8_t Xor : {0x01, 0x80, 0xff}) {
      std::string Damaged = Bytes;
      Damaged[I] ^= char(Xor);
      Expected<ZipArchive> Z = ZipArchive::create(bufferRef(Damaged));
      if (!Z) {
        EXPECT_THAT(errorText(Z.takeError()), StartsWith("offset "));
        continue;
      }
      // Whatever is accepted must lie inside the file.
      for (const ArchiveMember &M : Z->members()) {
        EXPECT_LE(M.DataOffset, Damaged.size());
        EXPECT_LE(M.Size, Damaged.size() - M.DataOffset);
        EXPECT_EQ(Z->getData(M).size(), M.Size);
      }
    }
  }
}

} // namespace
