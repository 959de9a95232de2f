//===- ArchiveBuilders.h - Tiny zip and tar writers for tests ---*- C++ -*-===//
//
// Part of ckpt-migrate. Builds small zip and tar images in memory, laid out
// the way torch.save and Python's tarfile write them, and records where each
// structure landed so that tests can corrupt one field at a time.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_UNITTESTS_CONTAINER_ARCHIVEBUILDERS_H
#define CKPT_UNITTESTS_CONTAINER_ARCHIVEBUILDERS_H

#include "ckpt/Support/Error.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cassert>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace ckpt {
namespace test {

//===----------------------------------------------------------------------===//
// Error helpers
//===----------------------------------------------------------------------===//

/// Consumes \p E and renders it as "offset N: message" for a DecodeError, or
/// "not a DecodeError: message" for anything else.
inline std::string errorText(llvm::Error E) {
  std::string S;
  llvm::handleAllErrors(
      std::move(E),
      [&](const DecodeError &D) {
        S = llvm::formatv("offset {0}: {1}", D.getOffset(), D.getMessage());
      },
      [&](const llvm::ErrorInfoBase &Other) {
        S = "not a DecodeError: " + Other.message();
      });
  return S;
}

/// "success" if \p V holds a value, otherwise errorText of its error.
template <typename T> std::string failureText(llvm::Expected<T> V) {
  if (V)
    return "success";
  return errorText(V.takeError());
}

/// The bytes of a string literal, NULs included, without the terminating
/// NUL: binary test data never has a hand-counted length.
template <size_t N> std::string lit(const char (&S)[N]) {
  return std::string(S, N - 1);
}

inline llvm::MemoryBufferRef bufferRef(llvm::StringRef Data) {
  return llvm::MemoryBufferRef(Data, "test.pt");
}

//===----------------------------------------------------------------------===//
// Little-endian writing and patching
//===----------------------------------------------------------------------===//

/// Appends the \p N low bytes of \p V, little-endian.
inline void appendLE(std::string &S, uint64_t V, unsigned N) {
  assert(N <= 8 && "at most 8 bytes");
  for (unsigned I = 0; I != N; ++I)
    S += char(V >> (8 * I));
}

/// Overwrites \p N bytes at \p Offset with \p V, little-endian.
inline void patchLE(std::string &S, uint64_t Offset, uint64_t V, unsigned N) {
  for (unsigned I = 0; I != N; ++I)
    S[Offset + I] = char(V >> (8 * I));
}

//===----------------------------------------------------------------------===//
// Zip
//===----------------------------------------------------------------------===//

struct ZipEntrySpec {
  std::string Name;
  std::string Data;
  uint16_t Method = 0;
  /// torch writes 0x0808: data descriptor follows, UTF-8 names.
  uint16_t Flags = 0x0808;
  /// Write 0xffffffff sizes and offset in the central directory and the
  /// real values in a zip64 extended-information extra field.
  bool Zip64Extra = false;
};

struct ZipOptions {
  /// Write the zip64 end record and locator (torch always does; Python's
  /// zipfile only for large archives).
  bool Zip64EndRecords = true;
  /// Pad each local header with torch's "FB" extra field so that data
  /// starts at a multiple of 64.
  bool Align64 = true;
  std::string Comment;
};

/// A built archive and where each of its structures starts.
struct ZipImage {
  std::string Bytes;
  std::vector<uint64_t> HeaderOffsets;
  std::vector<uint64_t> DataOffsets;
  std::vector<uint64_t> CentralOffsets;
  uint64_t CDOffset = 0;
  uint64_t CDSize = 0;
  uint64_t Zip64EndOffset = 0; ///< 0 without zip64 end records.
  uint64_t LocatorOffset = 0;  ///< 0 without zip64 end records.
  uint64_t EndOffset = 0;
};

inline uint32_t crcOf(llvm::StringRef Data) {
  return llvm::crc32(llvm::arrayRefFromStringRef(Data));
}

/// Builds a zip archive laid out as torch's miniz writer does: local header
/// with zero CRC and sizes, "FB" padding, data, data descriptor; then the
/// central directory, zip64 end record and locator, and end record.
inline ZipImage buildZip(const std::vector<ZipEntrySpec> &Entries,
                         const ZipOptions &Opts = ZipOptions()) {
  ZipImage Z;
  std::string &S = Z.Bytes;
  for (const ZipEntrySpec &E : Entries) {
    Z.HeaderOffsets.push_back(S.size());
    std::string Extra;
    if (Opts.Align64) {
      uint64_t Start = S.size() + 30 + E.Name.size() + 4;
      uint64_t Pad = (64 - Start % 64) % 64;
      appendLE(Extra, 0x4246, 2); // "FB"
      appendLE(Extra, Pad, 2);
      Extra.append(Pad, 'Z');
    }
    S += "PK\x03\x04";
    appendLE(S, 0, 2); // Version needed.
    appendLE(S, E.Flags, 2);
    appendLE(S, E.Method, 2);
    appendLE(S, 0, 4); // Time, date.
    appendLE(S, 0, 4); // CRC, sizes: in the data descriptor.
    appendLE(S, 0, 4);
    appendLE(S, 0, 4);
    appendLE(S, E.Name.size(), 2);
    appendLE(S, Extra.size(), 2);
    S += E.Name;
    S += Extra;
    Z.DataOffsets.push_back(S.size());
    S += E.Data;
    S += "PK\x07\x08";
    appendLE(S, crcOf(E.Data), 4);
    appendLE(S, E.Data.size(), 4);
    appendLE(S, E.Data.size(), 4);
  }

  Z.CDOffset = S.size();
  for (size_t I = 0; I != Entries.size(); ++I) {
    const ZipEntrySpec &E = Entries[I];
    Z.CentralOffsets.push_back(S.size());
    std::string Extra;
    if (E.Zip64Extra) {
      appendLE(Extra, 0x0001, 2);
      appendLE(Extra, 24, 2);
      appendLE(Extra, E.Data.size(), 8);
      appendLE(Extra, E.Data.size(), 8);
      appendLE(Extra, Z.HeaderOffsets[I], 8);
    }
    uint64_t Sat = 0xffffffff;
    S += "PK\x01\x02";
    appendLE(S, 0x031e, 2); // Version made by.
    appendLE(S, 0x002d, 2); // Version needed.
    appendLE(S, E.Flags, 2);
    appendLE(S, E.Method, 2);
    appendLE(S, 0, 4); // Time, date.
    appendLE(S, crcOf(E.Data), 4);
    appendLE(S, E.Zip64Extra ? Sat : E.Data.size(), 4);
    appendLE(S, E.Zip64Extra ? Sat : E.Data.size(), 4);
    appendLE(S, E.Name.size(), 2);
    appendLE(S, Extra.size(), 2);
    appendLE(S, 0, 2); // Comment length.
    appendLE(S, 0, 2); // Disk.
    appendLE(S, 0, 2); // Internal attributes.
    appendLE(S, 0, 4); // External attributes.
    appendLE(S, E.Zip64Extra ? Sat : Z.HeaderOffsets[I], 4);
    S += E.Name;
    S += Extra;
  }
  Z.CDSize = S.size() - Z.CDOffset;

  if (Opts.Zip64EndRecords) {
    Z.Zip64EndOffset = S.size();
    S += "PK\x06\x06";
    appendLE(S, 44, 8);
    appendLE(S, 0x031e, 2);
    appendLE(S, 0x002d, 2);
    appendLE(S, 0, 4);
    appendLE(S, 0, 4);
    appendLE(S, Entries.size(), 8);
    appendLE(S, Entries.size(), 8);
    appendLE(S, Z.CDSize, 8);
    appendLE(S, Z.CDOffset, 8);
    Z.LocatorOffset = S.size();
    S += "PK\x06\x07";
    appendLE(S, 0, 4);
    appendLE(S, Z.Zip64EndOffset, 8);
    appendLE(S, 1, 4);
  }

  Z.EndOffset = S.size();
  S += lit("PK\x05\x06");
  appendLE(S, 0, 2);
  appendLE(S, 0, 2);
  appendLE(S, Entries.size(), 2);
  appendLE(S, Entries.size(), 2);
  appendLE(S, Z.CDSize, 4);
  appendLE(S, Z.CDOffset, 4);
  appendLE(S, Opts.Comment.size(), 2);
  S += Opts.Comment;
  return Z;
}

/// The records of a small torch.save checkpoint under \p Root.
inline std::vector<ZipEntrySpec> torchRecords(llvm::StringRef Root) {
  std::string R = Root.str() + "/";
  return {{R + "data.pkl", lit("\x80\x02}q\x00.")},
          {R + "data/0", std::string(32, '\x01')},
          {R + "version", "3\n"}};
}

//===----------------------------------------------------------------------===//
// Tar
//===----------------------------------------------------------------------===//

struct TarHeaderSpec {
  std::string Name;
  uint64_t Size = 0;
  char Type = '0';
  std::string Prefix;
  /// "ustar\0" "00" (POSIX) or "ustar  \0" (GNU).
  bool GnuMagic = false;
  /// Write the size in GNU base-256 instead of octal.
  bool Base256Size = false;
};

/// Offset of the checksum field in a tar header.
constexpr unsigned TarChecksumOffset = 148;

/// Recomputes and stores the checksum of the header block at \p Offset.
inline void fixTarChecksum(std::string &Tar, uint64_t Offset) {
  std::memset(&Tar[Offset + TarChecksumOffset], ' ', 8);
  unsigned Sum = 0;
  for (unsigned I = 0; I != 512; ++I)
    Sum += uint8_t(Tar[Offset + I]);
  std::string Octal;
  for (unsigned V = Sum; V; V /= 8)
    Octal.insert(Octal.begin(), char('0' + V % 8));
  Octal.insert(Octal.begin(), 6 - Octal.size(), '0');
  std::memcpy(&Tar[Offset + TarChecksumOffset], Octal.data(), 6);
  Tar[Offset + TarChecksumOffset + 6] = '\0';
  Tar[Offset + TarChecksumOffset + 7] = ' ';
}

/// Appends a 512-byte header block.
inline void appendTarHeader(std::string &Tar, const TarHeaderSpec &H) {
  uint64_t Off = Tar.size();
  std::string B(512, '\0');
  auto Put = [&](unsigned At, llvm::StringRef V) {
    std::memcpy(&B[At], V.data(), V.size());
  };
  auto Octal = [](uint64_t V, unsigned Digits) {
    std::string S(Digits, '0');
    for (unsigned I = Digits; I-- && V; V /= 8)
      S[I] = char('0' + V % 8);
    return S;
  };
  Put(0, llvm::StringRef(H.Name).take_front(100));
  Put(100, "0000644");
  Put(108, "0000000");
  Put(116, "0000000");
  if (H.Base256Size) {
    B[124] = char(0x80);
    for (unsigned I = 0; I != 8; ++I)
      B[135 - I] = char(H.Size >> (8 * I));
  } else {
    Put(124, Octal(H.Size, 11));
  }
  Put(136, "00000000000");
  B[156] = H.Type;
  Put(257, H.GnuMagic ? lit("ustar  \0")
                      : lit("ustar\0"
                            "00"));
  Put(265, "root");
  Put(297, "root");
  Put(345, llvm::StringRef(H.Prefix).take_front(155));
  Tar += B;
  fixTarChecksum(Tar, Off);
}

/// Appends \p Data padded to a whole block.
inline void appendTarData(std::string &Tar, llvm::StringRef Data) {
  Tar += Data.str();
  Tar.append((512 - Data.size() % 512) % 512, '\0');
}

/// Appends a regular-file member.
inline void appendTarFile(std::string &Tar, llvm::StringRef Name,
                          llvm::StringRef Data) {
  TarHeaderSpec H;
  H.Name = Name.str();
  H.Size = Data.size();
  appendTarHeader(Tar, H);
  appendTarData(Tar, Data);
}

/// One pax record: "<len> <key>=<value>\n", where <len> counts itself.
inline std::string paxRecord(llvm::StringRef Key, llvm::StringRef Value) {
  size_t Body = 1 + Key.size() + 1 + Value.size() + 1;
  size_t Len = Body + 1;
  while (std::to_string(Len).size() + Body != Len)
    ++Len;
  return std::to_string(Len) + " " + Key.str() + "=" + Value.str() + "\n";
}

/// Appends a pax extended header ('x', or 'g' when \p Global) with
/// \p Records.
inline void appendPaxHeader(std::string &Tar, llvm::StringRef Records,
                            bool Global = false) {
  TarHeaderSpec H;
  H.Name = "././@PaxHeader";
  H.Size = Records.size();
  H.Type = Global ? 'g' : 'x';
  appendTarHeader(Tar, H);
  appendTarData(Tar, Records);
}

/// Appends the end-of-archive marker: two zero blocks.
inline void appendTarEnd(std::string &Tar) { Tar.append(1024, '\0'); }

/// The four members of a 0.1.x torch.save tar, in writing order.
inline std::string torchTar() {
  std::string Tar;
  appendTarFile(Tar, "sys_info", lit("\x80\x02}q\x00."));
  appendTarFile(Tar, "pickle", lit("\x80\x02K\x01."));
  appendTarFile(Tar, "tensors", lit("\x80\x02K\x00."));
  appendTarFile(Tar, "storages", std::string(600, 's'));
  appendTarEnd(Tar);
  return Tar;
}

} // namespace test
} // namespace ckpt

#endif // CKPT_UNITTESTS_CONTAINER_ARCHIVEBUILDERS_H
