//===- ContainerTest.cpp - Container identification and listing tests -----===//
//
// Part of ckpt-migrate. identifyContainer on every kind of file it names, and
// printContainerListing on zip, tar, legacy and broken inputs.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Container/Container.h"
#include "ArchiveBuilders.h"
#include "ckpt/Container/Archive.h"
#include "llvm/Support/raw_ostream.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace ckpt;
using namespace ckpt::test;
using namespace llvm;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

/// The kind identified for \p Data, or "error: <text>".
std::string identify(StringRef Data) {
  Expected<ContainerKind> K = identifyContainer(bufferRef(Data));
  if (!K)
    return "error: " + errorText(K.takeError());
  return getContainerKindName(*K).str();
}

std::string bytes(std::initializer_list<uint8_t> B) {
  return std::string(B.begin(), B.end());
}

TEST(ContainerKindTest, NamesRoundTrip) {
  for (ContainerKind K : {ContainerKind::Tar, ContainerKind::Legacy,
                          ContainerKind::Zip, ContainerKind::Pickle})
    EXPECT_EQ(parseContainerKindName(getContainerKindName(K)), K);
  EXPECT_EQ(getContainerKindName(ContainerKind::Legacy), "legacy");
  EXPECT_EQ(parseContainerKindName("ZIP"), std::nullopt);
  EXPECT_EQ(parseContainerKindName(""), std::nullopt);
}

//===----------------------------------------------------------------------===//
// Checkpoint containers
//===----------------------------------------------------------------------===//

TEST(IdentifyTest, Zip) {
  EXPECT_EQ(identify(buildZip(torchRecords("archive")).Bytes), "zip");
  EXPECT_EQ(identify(lit("PK\x05\x06") + std::string(18, '\0')), "zip");
}

TEST(IdentifyTest, TruncatedZipMagicIsStillZip) {
  // Cut inside or right after the magic: the zip reader reports truncation.
  EXPECT_EQ(identify("P"), "zip");
  EXPECT_EQ(identify("PK\x03"), "zip");
  std::string Five("PK\x03\x04\x00", 5);
  EXPECT_EQ(identify(Five), "zip");
  EXPECT_THAT(failureText(ZipArchive::create(bufferRef(Five))),
              HasSubstr("truncated zip archive"));
}

TEST(IdentifyTest, Tar) {
  EXPECT_EQ(identify(torchTar()), "tar");
  // GNU magic "ustar  \0".
  std::string Gnu;
  TarHeaderSpec H;
  H.Name = "sys_info";
  H.GnuMagic = true;
  appendTarHeader(Gnu, H);
  EXPECT_EQ(identify(Gnu), "tar");
}

TEST(IdentifyTest, Legacy) {
  std::string Magic = bytes({0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                             0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e});
  EXPECT_EQ(identify(Magic), "legacy");
  EXPECT_EQ(identify(Magic + bytes({0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e})),
            "legacy");
  // A different LONG1 value: still legacy, the legacy reader names the magic.
  EXPECT_EQ(identify(bytes({0x80, 0x02, 0x8a, 0x02, 0x01, 0x00, 0x2e})),
            "legacy");
  // Truncated inside the magic number.
  EXPECT_EQ(identify(Magic.substr(0, 7)), "legacy");
}

TEST(IdentifyTest, PickleWithProto) {
  EXPECT_EQ(identify(bytes({0x80, 0x02, '}', 'q', 0x00, '.'})), "pickle");
  EXPECT_EQ(identify(bytes({0x80, 0x04, 0x95})), "pickle");
  EXPECT_EQ(identify(bytes({0x80, 0x05})), "pickle");
  EXPECT_EQ(identify(bytes({0x80, 0x00, 'N', '.'})), "pickle");
  // Only PROTO: truncated, for the pickle reader to report.
  EXPECT_EQ(identify(bytes({0x80})), "pickle");
  // Protocol 6 does not exist.
  EXPECT_THAT(identify(bytes({0x80, 0x06, '}', '.'})),
              HasSubstr("unrecognised file format: first bytes are "
                        "'80 06 7d 2e'"));
}

TEST(IdentifyTest, PickleProtocol0) {
  // pickle.dumps(..., protocol=0) of a dict, an OrderedDict, a list, an int,
  // None and a tuple (Python 3), and a Python 2 str.
  for (StringRef P :
       {"(dp0\nVa\np1\nI1\ns.",
        "ccollections\nOrderedDict\np0\n(tRp1\nVa\np2\n",
        "(lp0\nF1.5\naVx\np1\na.", "I7\n.", "N.", "I01\n.", "(I1\ntp0\n.",
        "Vstr\np0\n.", "(dp1\nS'a'\np2\nI1\ns.", "L12345678901234567890L\n."})
    EXPECT_EQ(identify(P), "pickle") << P.str();
}

TEST(IdentifyTest, PickleProtocol1) {
  for (const std::string &P :
       {lit("}q\x00X\x01\x00\x00\x00"
            "aq\x01K\x01s."),
        lit("ccollections\nOrderedDict\nq\x00)Rq\x01."),
        lit("]q\x00(G?\xf8\x00\x00\x00\x00\x00\x00X\x01\x00\x00\x00"
            "xq\x01"
            "e."),
        lit("K\x07."), lit("(K\x01tq\x00."), lit("X\x03\x00\x00\x00strq\x00."),
        lit("U\x03"
            "abcq\x00.")})
    EXPECT_EQ(identify(P), "pickle") << P;
}

//===----------------------------------------------------------------------===//
// Things that are not checkpoints
//===----------------------------------------------------------------------===//

TEST(IdentifyTest, Empty) {
  EXPECT_EQ(identify(""), "error: offset 0: file is empty");
}

TEST(IdentifyTest, GitLfsPointer) {
  std::string Ptr = "version https://git-lfs.github.com/spec/v1\n"
                    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258"
                    "daaa5e2ca24d17e2393\n"
                    "size 12345\n";
  std::string Msg = identify(Ptr);
  EXPECT_THAT(Msg, StartsWith("error: offset 0: file is a Git LFS pointer"));
  EXPECT_THAT(Msg, HasSubstr("git lfs pull"));
  EXPECT_THAT(Msg, HasSubstr("oid sha256:4d7a2146"));
  EXPECT_THAT(Msg, HasSubstr("size 12345 bytes"));
  // Without oid/size lines the message still says what to do.
  EXPECT_THAT(identify("version https://git-lfs.github.com/spec/v1\n"),
              HasSubstr("git lfs pull"));
}

TEST(IdentifyTest, Html) {
  const char *Expected = "error: offset 0: file is an HTML page, not a "
                         "checkpoint (a failed download?)";
  EXPECT_EQ(identify("<!DOCTYPE html>\n<html><body>404</body></html>"),
            Expected);
  EXPECT_EQ(identify("\n\n  \t<!doctype html>"), Expected);
  EXPECT_EQ(identify("<HTML><HEAD>"), Expected);
  EXPECT_EQ(identify("\xef\xbb\xbf<html lang=en>"), Expected);
}

TEST(IdentifyTest, Compressed) {
  EXPECT_THAT(identify(bytes({0x1f, 0x8b, 0x08, 0x00})),
              HasSubstr("gzip-compressed; decompress it first"));
  EXPECT_THAT(identify("BZh91AY&SY"),
              HasSubstr("bzip2-compressed; decompress it first"));
  EXPECT_THAT(identify(bytes({0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00})),
              HasSubstr("xz-compressed; decompress it first"));
  EXPECT_THAT(identify(bytes({0x28, 0xb5, 0x2f, 0xfd, 0x04})),
              HasSubstr("zstd-compressed; decompress it first"));
}

TEST(IdentifyTest, PreviewFormat) {
  EXPECT_THAT(identify(lit("PYTORCH1\x02\0\0\0\0\0\0\0")),
              HasSubstr("PyTorch 1.0 preview format"));
}

TEST(IdentifyTest, OtherModelFormats) {
  std::string Json =
      R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  std::string Safetensors;
  appendLE(Safetensors, Json.size(), 8);
  Safetensors += Json + "abcd";
  EXPECT_THAT(identify(Safetensors), HasSubstr("safetensors"));
  EXPECT_THAT(identify("GGUF\x03\0\0\0"), HasSubstr("GGUF"));
  EXPECT_THAT(identify("\x89HDF\r\n\x1a\n"), HasSubstr("HDF5"));
  EXPECT_THAT(identify("\x93NUMPY\x01\x00"), HasSubstr("NumPy"));
}

TEST(IdentifyTest, Unrecognised) {
  EXPECT_EQ(identify("Not Found"),
            "error: offset 0: unrecognised file format: first bytes are "
            "'4e 6f 74 20' (not a PyTorch checkpoint)");
  for (StringRef Text :
       {"Internal Server Error", "hello", "{\"a\": 1}", "Sorry, no", "Key: v",
        "Let's go", "Fine", "Xylophone", "cat /etc\n x", "(c) 2020 someone",
        "\x7f"
        "ELF\x02\x01"})
    EXPECT_THAT(identify(Text), HasSubstr("unrecognised file format"))
        << Text.str();
  // A DOS/PE executable: "MZ" reads as BININT2, then NUL is no opcode.
  EXPECT_THAT(identify(bytes({'M', 'Z', 0x90, 0x00, 0x03, 0x00})),
              HasSubstr("unrecognised file format"));
  // Fewer than four bytes: show what there is.
  EXPECT_THAT(identify("ab"), HasSubstr("first bytes are '61 62'"));
}

//===----------------------------------------------------------------------===//
// Listing
//===----------------------------------------------------------------------===//

std::string listing(StringRef Data) {
  std::string S;
  raw_string_ostream OS(S);
  if (Error E = printContainerListing(OS, bufferRef(Data)))
    return "error: " + errorText(std::move(E));
  return S;
}

TEST(ListingTest, Zip) {
  ZipImage Z = buildZip(torchRecords("archive"));
  EXPECT_EQ(listing(Z.Bytes),
            formatv("container: zip\n"
                    "root: archive\n"
                    "record data.pkl offset {0} size 6 crc32 0x{3:x-8} "
                    "align64 yes\n"
                    "record data/0 offset {1} size 32 crc32 0x{4:x-8} "
                    "align64 yes\n"
                    "record version offset {2} size 2 crc32 0x{5:x-8} "
                    "align64 yes\n",
                    Z.DataOffsets[0], Z.DataOffsets[1], Z.DataOffsets[2],
                    crcOf(lit("\x80\x02}q\x00.")),
                    crcOf(std::string(32, '\x01')), crcOf("3\n"))
                .str());
}

TEST(ListingTest, UnalignedZip) {
  ZipOptions Opts;
  Opts.Align64 = false;
  Opts.Zip64EndRecords = false;
  ZipImage Z = buildZip({{"r/a", "x"}}, Opts);
  EXPECT_EQ(listing(Z.Bytes), "container: zip\nroot: r\nrecord a offset 33 "
                              "size 1 crc32 0x8cdc1683 align64 no\n");
}

TEST(ListingTest, Tar) {
  EXPECT_EQ(listing(torchTar()), "container: tar\n"
                                 "member sys_info offset 512 size 6\n"
                                 "member pickle offset 1536 size 5\n"
                                 "member tensors offset 2560 size 5\n"
                                 "member storages offset 3584 size 600\n");
}

TEST(ListingTest, LegacyAndPicklePrintTheKindOnly) {
  EXPECT_EQ(listing(bytes({0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9,
                           0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e})),
            "container: legacy\n");
  EXPECT_EQ(listing(bytes({0x80, 0x02, 'N', '.'})), "container: pickle\n");
}

TEST(ListingTest, BrokenArchivePrintsNothingButTheError) {
  ZipImage Z = buildZip(torchRecords("archive"));
  Z.Bytes.resize(Z.Bytes.size() - 1);
  EXPECT_THAT(listing(Z.Bytes), StartsWith("error: offset "));
  EXPECT_THAT(listing(""), "error: offset 0: file is empty");
}

} // namespace
