//===- ZipWriter.cpp - Write zip archives as torch does -------------------===//
//
// Part of ckpt-migrate. Layout after caffe2/serialize/inline_container.cc
// (getPadding) and miniz's zip64 writer; see formats.md section 1.4.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Container/ZipWriter.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/Endian.h"
#include <cstdio>
#include <functional>
#include <unordered_set>

using namespace llvm;

namespace ckpt {
namespace {

constexpr uint32_t LocalHeaderSig = 0x04034b50;
constexpr uint32_t CentralHeaderSig = 0x02014b50;
constexpr uint32_t Zip64EndSig = 0x06064b50;
constexpr uint32_t Zip64LocatorSig = 0x07064b50;
constexpr uint32_t EndSig = 0x06054b50;
constexpr uint64_t Max32 = 0xffffffffu;
constexpr uint16_t Zip64ExtraId = 0x0001;
constexpr uint16_t PaddingExtraId = 0x4246; // "FB"
// MS-DOS date 1980-01-01, time 00:00: deterministic output.
constexpr uint16_t DosTime = 0;
constexpr uint16_t DosDate = (0 << 9) | (1 << 5) | 1;

/// Little-endian field appender.
struct Fields {
  std::string S;
  void u16(uint64_t V) { put(V, 2); }
  void u32(uint64_t V) { put(V, 4); }
  void u64(uint64_t V) { put(V, 8); }
  void put(uint64_t V, unsigned N) {
    for (unsigned I = 0; I != N; ++I)
      S.push_back(static_cast<char>((V >> (8 * I)) & 0xff));
  }
};

} // namespace

void ZipWriter::addRecord(StringRef Name, StringRef Data) {
  beginRecord(Name, Data.size(), crc32(arrayRefFromStringRef(Data)));
  write(Data);
}

Error ZipWriter::addRecord(StringRef Name, uint64_t Size, uint32_t CRC,
                           function_ref<Error(raw_ostream &)> WriteData) {
  beginRecord(Name, Size, CRC);
  uint64_t Before = OS.tell();
  if (Error E = WriteData(OS))
    return E;
  if (OS.tell() - Before != Size)
    return createStringError(std::errc::io_error,
                             "record '%s' was to hold %llu bytes, got %llu",
                             Name.str().c_str(), (unsigned long long)Size,
                             (unsigned long long)(OS.tell() - Before));
  Offset += Size;
  return Error::success();
}

void ZipWriter::beginRecord(StringRef Name, uint64_t Size, uint32_t CRC) {
  std::string Full = Root + "/" + Name.str();
  uint64_t HeaderOffset = Offset;
  bool Zip64 = Size >= Max32 || HeaderOffset >= Max32;

  // Local zip64 extra: sizes only (the offset lives in the central one).
  Fields Extra;
  if (Zip64) {
    Extra.u16(Zip64ExtraId);
    Extra.u16(16);
    Extra.u64(Size);
    Extra.u64(Size);
  }
  uint64_t Start =
      HeaderOffset + 30 + Full.size() + Extra.S.size() + /*FB header*/ 4;
  uint64_t Pad = (Alignment - Start % Alignment) % Alignment;
  Extra.u16(PaddingExtraId);
  Extra.u16(Pad);
  Extra.S.append(Pad, 'Z');

  Fields H;
  H.u32(LocalHeaderSig);
  H.u16(Zip64 ? 45 : 20); // version needed
  H.u16(0);               // flags
  H.u16(0);               // stored
  H.u16(DosTime);
  H.u16(DosDate);
  H.u32(CRC);
  H.u32(Zip64 ? Max32 : Size);
  H.u32(Zip64 ? Max32 : Size);
  H.u16(Full.size());
  H.u16(Extra.S.size());
  write(H.S);
  write(Full);
  write(Extra.S);
  Entries.push_back({std::move(Full), HeaderOffset, Size, CRC});
}

void ZipWriter::finish() {
  uint64_t CDOffset = Offset;
  for (const Entry &E : Entries) {
    bool BigSize = E.Size >= Max32, BigOffset = E.HeaderOffset >= Max32;
    Fields Extra;
    if (BigSize || BigOffset) {
      Extra.u16(Zip64ExtraId);
      Extra.u16((BigSize ? 16 : 0) + (BigOffset ? 8 : 0));
      if (BigSize) {
        Extra.u64(E.Size);
        Extra.u64(E.Size);
      }
      if (BigOffset)
        Extra.u64(E.HeaderOffset);
    }
    Fields H;
    H.u32(CentralHeaderSig);
    H.u16(45); // version made by (4.5, zip64-aware)
    H.u16(BigSize || BigOffset ? 45 : 20);
    H.u16(0);
    H.u16(0);
    H.u16(DosTime);
    H.u16(DosDate);
    H.u32(E.CRC);
    H.u32(BigSize ? Max32 : E.Size);
    H.u32(BigSize ? Max32 : E.Size);
    H.u16(E.Name.size());
    H.u16(Extra.S.size());
    H.u16(0); // comment
    H.u16(0); // disk
    H.u16(0); // internal attributes
    H.u32(0); // external attributes
    H.u32(BigOffset ? Max32 : E.HeaderOffset);
    write(H.S);
    write(E.Name);
    write(Extra.S);
  }
  uint64_t CDSize = Offset - CDOffset;
  uint64_t Zip64EndOffset = Offset;
  uint64_t N = Entries.size();

  Fields T;
  T.u32(Zip64EndSig);
  T.u64(44); // size of the remaining record
  T.u16(45);
  T.u16(45);
  T.u32(0);
  T.u32(0);
  T.u64(N);
  T.u64(N);
  T.u64(CDSize);
  T.u64(CDOffset);
  T.u32(Zip64LocatorSig);
  T.u32(0);
  T.u64(Zip64EndOffset);
  T.u32(1);
  T.u32(EndSig);
  T.u16(0);
  T.u16(0);
  T.u16(N >= 0xffff ? 0xffff : N);
  T.u16(N >= 0xffff ? 0xffff : N);
  T.u32(CDSize >= Max32 ? Max32 : CDSize);
  T.u32(CDOffset >= Max32 ? Max32 : CDOffset);
  T.u16(0);
  write(T.S);
}

namespace {
/// c10::hash_combine, which torch's id is built with.
uint64_t hashCombine(uint64_t Seed, uint64_t Value) {
  return Seed ^ (Value + 0x9e3779b9 + (Seed << 6) + (Seed >> 2));
}
} // namespace

std::string ZipWriter::getSerializationId() const {
  // PyTorchStreamWriter::writeSerializationId (caffe2/serialize/
  // inline_container.cc) combines std::hash of each record name in the
  // iteration order of its std::unordered_set<std::string> of names
  // (inserted in write order) and, in write order, each record's CRC-32.
  // Both are what the C++ standard library makes of them; torch is built
  // with libstdc++, as this tool is on Debian, so the same containers give
  // the same id (checked against files torch 2.6 wrote,
  // test/Torch26/zip-records.test). Loaders never read the id.
  std::unordered_set<std::string> Names;
  uint64_t CRCs = 0;
  for (const Entry &E : Entries) {
    Names.insert(StringRef(E.Name).drop_front(Root.size() + 1).str());
    CRCs = hashCombine(CRCs, E.CRC);
  }
  uint64_t NameHash = 0;
  for (const std::string &N : Names)
    NameHash = hashCombine(NameHash, std::hash<std::string>{}(N));
  char Id[41];
  std::snprintf(Id, sizeof(Id), "%020llu%020llu", (unsigned long long)NameHash,
                (unsigned long long)CRCs);
  return Id;
}

} // namespace ckpt
