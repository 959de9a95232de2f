//===- TarArchive.cpp - Read the tar container of torch 0.1.x -------------===//
//
// Part of ckpt-migrate. A read-only POSIX tar reader (v7, ustar, pax, GNU
// long names) that hands out the byte range of every regular-file member in
// the mapped file. torch 0.1.x wrote these with Python's tarfile in PAX
// format; the reader follows Python's tarfile in what it accepts.
//
// An archive is a sequence of 512-byte header blocks, each followed by the
// member's data padded to a multiple of 512 bytes, and ends with zero blocks
// (or just the end of the file).
//
//===----------------------------------------------------------------------===//

#include "ckpt/Container/Archive.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"
#include <optional>

using namespace llvm;

namespace ckpt {

namespace {

constexpr uint64_t BlockSize = 512;

/// Byte ranges of the header fields used here (POSIX.1-1988 ustar).
struct Field {
  unsigned Offset, Size;
};
constexpr Field NameField = {0, 100};
constexpr Field SizeField = {124, 12};
constexpr Field ChecksumField = {148, 8};
constexpr unsigned TypeFlagOffset = 156;
constexpr Field MagicField = {257, 8}; // Magic and version.
/// POSIX ustar magic and version; GNU tar writes "ustar  \0" instead.
constexpr char PosixMagicBytes[] = "ustar\0"
                                   "00";
const StringRef PosixMagic(PosixMagicBytes, sizeof(PosixMagicBytes) - 1);
constexpr Field PrefixField = {345, 155};

StringRef getField(StringRef Header, Field F) {
  return Header.substr(F.Offset, F.Size);
}

/// A NUL-terminated string field (not terminated if it fills the field).
StringRef getStringField(StringRef Header, Field F) {
  StringRef S = getField(Header, F);
  return S.take_until([](char C) { return C == '\0'; });
}

/// Parses a numeric field: octal digits with optional leading spaces and
/// trailing NULs/spaces (an empty field is 0, as in Python's tarfile), or
/// GNU base-256 when the high bit of the first byte is set.
/// \p Offset is the field's absolute offset, for errors.
Expected<uint64_t> parseNumber(StringRef Text, uint64_t Offset,
                               StringRef What) {
  if (!Text.empty() && (uint8_t(Text[0]) & 0x80)) {
    // Base-256: the remaining bits, big-endian; 0xff marks a negative value.
    if (uint8_t(Text[0]) == 0xff)
      return decodeError(Offset, "negative {0} in tar header", What);
    uint64_t V = uint8_t(Text[0]) & 0x7f;
    for (char C : Text.drop_front()) {
      if (V >> 56)
        return decodeError(Offset, "{0} in tar header exceeds 64 bits", What);
      V = V << 8 | uint8_t(C);
    }
    return V;
  }
  StringRef Digits =
      Text.take_until([](char C) { return C == '\0'; }).trim(' ');
  uint64_t V = 0;
  for (char C : Digits) {
    if (C < '0' || C > '7')
      return decodeError(Offset,
                         "expected an octal {0} in tar header, found "
                         "'{1}'",
                         What, Digits);
    if (V >> 61)
      return decodeError(Offset, "{0} in tar header exceeds 64 bits", What);
    V = V * 8 + (C - '0');
  }
  return V;
}

/// Checks the header checksum: the sum of all header bytes with the checksum
/// field counted as spaces. Historic writers summed signed chars, so both
/// sums are accepted.
Error checkChecksum(StringRef Header, uint64_t Offset) {
  Expected<uint64_t> Stored =
      parseNumber(getField(Header, ChecksumField),
                  Offset + ChecksumField.Offset, "checksum");
  if (!Stored)
    return Stored.takeError();
  uint64_t Unsigned = 0;
  int64_t Signed = 0;
  for (size_t I = 0; I != BlockSize; ++I) {
    bool InField = I >= ChecksumField.Offset &&
                   I < ChecksumField.Offset + ChecksumField.Size;
    char C = InField ? ' ' : Header[I];
    Unsigned += uint8_t(C);
    Signed += int8_t(C);
  }
  if (*Stored == Unsigned || int64_t(*Stored) == Signed)
    return Error::success();
  return decodeError(Offset,
                     "tar header checksum mismatch: header says {0}, bytes "
                     "sum to {1}",
                     *Stored, Unsigned);
}

/// Extended-header values that apply to the next member.
struct PendingHeader {
  std::optional<std::string> Path;
  std::optional<uint64_t> Size;
  /// Offset of the extended header that set them, for errors.
  uint64_t Offset = 0;
};

/// Parses the records of a pax extended header ("<len> <key>=<value>\n") in
/// \p Data, which starts at file offset \p Offset, keeping `path` and `size`.
Error parsePaxRecords(StringRef Data, uint64_t Offset, PendingHeader &P) {
  uint64_t Pos = 0;
  while (Pos < Data.size()) {
    // Python's tarfile pads nothing after the last record, but tolerate NULs.
    if (Data[Pos] == '\0')
      break;
    StringRef Rest = Data.drop_front(Pos);
    size_t Space = Rest.find(' ');
    uint64_t Len = 0;
    if (Space == StringRef::npos ||
        Rest.take_front(Space).getAsInteger(10, Len) || Len <= Space + 1 ||
        Len > Rest.size())
      return decodeError(Offset + Pos,
                         "malformed pax extended header record: expected "
                         "'<length> <key>=<value>\\n' within the header");
    StringRef Record = Rest.take_front(Len);
    if (!Record.ends_with("\n"))
      return decodeError(Offset + Pos + Len - 1,
                         "pax extended header record does not end with a "
                         "newline");
    StringRef KeyValue = Record.slice(Space + 1, Len - 1);
    auto [Key, Value] = KeyValue.split('=');
    if (Key.size() == KeyValue.size())
      return decodeError(Offset + Pos + Space + 1,
                         "pax extended header record has no '='");
    if (Key == "path") {
      P.Path = Value.str();
    } else if (Key == "size") {
      uint64_t Size;
      if (Value.getAsInteger(10, Size))
        return decodeError(Offset + Pos + Space + 1,
                           "pax extended header size '{0}' is not a decimal "
                           "number",
                           Value);
      P.Size = Size;
    }
    Pos += Len;
  }
  return Error::success();
}

bool isZeroBlock(StringRef Block) {
  return Block.find_first_not_of('\0') == StringRef::npos;
}

} // namespace

Expected<TarArchive> TarArchive::create(MemoryBufferRef Buf) {
  StringRef Data = Buf.getBuffer();
  const uint64_t FileSize = Data.size();
  TarArchive A;
  A.Buf = Buf;

  PendingHeader Pending;
  bool HasPending = false;
  bool SawHeader = false;
  uint64_t Off = 0;
  while (Off < FileSize) {
    StringRef Header = Data.substr(Off, BlockSize);
    // End of archive: a zero block (normally two, then padding to the record
    // size; Python's tarfile also stops at the first).
    if (isZeroBlock(Header))
      break;
    if (Header.size() < BlockSize)
      return decodeError(Off,
                         "truncated tar header: expected 512 bytes, found {0}",
                         Header.size());
    if (Error E = checkChecksum(Header, Off))
      return E;
    SawHeader = true;

    Expected<uint64_t> SizeOrErr = parseNumber(getField(Header, SizeField),
                                               Off + SizeField.Offset, "size");
    if (!SizeOrErr)
      return SizeOrErr.takeError();
    uint64_t Size = *SizeOrErr;
    char Type = Header[TypeFlagOffset];
    bool IsExtended = Type == 'x' || Type == 'g' || Type == 'L' || Type == 'K';
    if (!IsExtended && HasPending && Pending.Size)
      Size = *Pending.Size;
    // Links, devices, directories and FIFOs have no data, whatever their
    // size field says (as in Python's tarfile).
    if (Type >= '1' && Type <= '6')
      Size = 0;

    uint64_t DataOff = Off + BlockSize;
    StringRef Name = getStringField(Header, NameField);
    std::string FullName;
    if (HasPending && Pending.Path) {
      FullName = *Pending.Path;
    } else {
      // The ustar prefix field; GNU tar ("ustar  \0") stores times there.
      StringRef Prefix = getStringField(Header, PrefixField);
      if (getField(Header, MagicField) == PosixMagic && !Prefix.empty())
        FullName = (Prefix + "/" + Name).str();
      else
        FullName = Name.str();
    }
    if (DataOff > FileSize || Size > FileSize - DataOff)
      return decodeError(Off,
                         "data of tar member '{0}' ({1} bytes at offset {2}) "
                         "runs past the end of the file ({3} bytes)",
                         IsExtended ? StringRef(Name) : StringRef(FullName),
                         Size, DataOff, FileSize);
    StringRef Contents = Data.substr(DataOff, Size);

    switch (Type) {
    case 'x': // pax extended header for the next member.
      if (!HasPending)
        Pending = PendingHeader();
      HasPending = true;
      Pending.Offset = Off;
      if (Error E = parsePaxRecords(Contents, DataOff, Pending))
        return E;
      break;
    case 'L': // GNU long name for the next member.
      if (!HasPending)
        Pending = PendingHeader();
      HasPending = true;
      Pending.Offset = Off;
      // A pax path, if any, wins (it is the more recent convention).
      if (!Pending.Path)
        Pending.Path =
            Contents.take_until([](char C) { return C == '\0'; }).str();
      break;
    case 'g': // pax global header: nothing torch needs.
    case 'K': // GNU long link name: only for links.
      break;
    default:
      // Regular files; '7' (contiguous) is a regular file too. A '\0'
      // (pre-POSIX) entry whose name ends in '/' is a directory.
      if (Type == '0' || Type == '7' ||
          (Type == '\0' && !StringRef(FullName).ends_with("/"))) {
        ArchiveMember M;
        A.OwnedNames.push_back(std::move(FullName));
        M.Name = A.OwnedNames.back();
        M.HeaderOffset = Off;
        M.DataOffset = DataOff;
        M.Size = Size;
        A.Members.push_back(std::move(M));
      }
      HasPending = false;
      Pending = PendingHeader();
      break;
    }

    // Data is padded to a whole block; the padding of the last member may be
    // missing. Size <= FileSize - DataOff, so this cannot overflow.
    Off = DataOff + alignTo(Size, BlockSize);
  }

  if (HasPending)
    return decodeError(Pending.Offset,
                       "tar extended header is not followed by a member");
  if (!SawHeader)
    return decodeError(0, "tar archive has no members");
  return A;
}

const ArchiveMember *TarArchive::find(StringRef Name) const {
  // Later members replace earlier ones of the same name, as when extracting.
  for (const ArchiveMember &M : llvm::reverse(Members))
    if (M.Name == Name)
      return &M;
  return nullptr;
}

StringRef TarArchive::getData(const ArchiveMember &M) const {
  return Buf.getBuffer().substr(M.DataOffset, M.Size);
}

} // namespace ckpt
