//===- ZipArchive.cpp - Read the zip container torch.save writes ----------===//
//
// Part of ckpt-migrate. A hand-written, read-only zip reader that hands out
// the byte range of every entry in the mapped file.
//
// Not libzip: libzip exposes no data offsets (only zip_fread into a copy),
// and the readers of this project slice records straight out of the mapped
// file. torch.save archives are simple (stored entries, one disk, zip64 end
// records), so the reader accepts exactly that and refuses the rest with a
// DecodeError naming the offset.
//
// Layout (APPNOTE.TXT 6.3.x, sections 4.3.6-4.3.16); the reader starts from
// the end record and works back to the central directory, then visits each
// entry's local header:
//
//   [local header 30 B | name | extra | data | data descriptor]*
//   [central directory header 46 B | name | extra | comment]*
//   [zip64 end of central directory record 56 B]     (always, from torch)
//   [zip64 end of central directory locator 20 B]    (always, from torch)
//   [end of central directory record 22 B | comment]
//
//===----------------------------------------------------------------------===//

#include "ckpt/Container/Archive.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Support/FileRange.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/DataExtractor.h"
#include "llvm/Support/Endian.h"
#include <numeric>

using namespace llvm;

namespace ckpt {

namespace {

constexpr uint32_t LocalHeaderSig = 0x04034b50;   // PK\3\4
constexpr uint32_t CentralHeaderSig = 0x02014b50; // PK\1\2
constexpr uint32_t EndOfCDSig = 0x06054b50;       // PK\5\6
constexpr uint32_t Zip64EndOfCDSig = 0x06064b50;  // PK\6\6
constexpr uint32_t Zip64LocatorSig = 0x07064b50;  // PK\6\7
constexpr uint16_t Zip64ExtraId = 0x0001;

constexpr uint64_t LocalHeaderSize = 30;
constexpr uint64_t CentralHeaderSize = 46;
constexpr uint64_t EndOfCDSize = 22;
constexpr uint64_t Zip64LocatorSize = 20;
/// Fixed part of the zip64 end record, up to and including the CD offset.
constexpr uint64_t Zip64EndOfCDSize = 56;
constexpr uint64_t MaxCommentSize = 0xffff;

/// Whether [Offset, Offset + Size) lies within [0, Limit), without overflow.
bool fitsIn(uint64_t Offset, uint64_t Size, uint64_t Limit) {
  return Offset <= Limit && Size <= Limit - Offset;
}

/// Whether the 4 bytes at \p Offset are the signature \p Sig.
bool hasSignature(StringRef Data, uint64_t Offset, uint32_t Sig) {
  if (!fitsIn(Offset, 4, Data.size()))
    return false;
  return support::endian::read32le(Data.data() + Offset) == Sig;
}

/// Formats a 4-byte signature as it appears in the file ("50 4b 01 02").
std::string sigBytes(StringRef Data, uint64_t Offset) {
  std::string S;
  for (unsigned char C : Data.substr(Offset, 4)) {
    if (!S.empty())
      S += ' ';
    S += hexdigit(C >> 4, /*LowerCase=*/true);
    S += hexdigit(C & 15, /*LowerCase=*/true);
  }
  return S;
}

/// Fails unless \p Size bytes of \p What fit at \p Offset before \p Limit,
/// the end of the region that must contain them (described by \p LimitName).
Error checkFits(uint64_t Offset, uint64_t Size, uint64_t Limit,
                const Twine &What, const Twine &LimitName) {
  if (fitsIn(Offset, Size, Limit))
    return Error::success();
  uint64_t Avail = Offset <= Limit ? Limit - Offset : 0;
  return decodeError(Offset,
                     "truncated {0}: expected {1} bytes, found {2} before {3}",
                     What.str(), Size, Avail, LimitName.str());
}

/// Reads the fixed-size fields of one record once checkFits has passed.
/// The DataExtractor cursor is a second line of defence: if a read still
/// falls outside the buffer, finish() turns that into a DecodeError.
class RecordReader {
public:
  RecordReader(StringRef Data, uint64_t Offset)
      : DE(Data, /*IsLittleEndian=*/true, /*AddressSize=*/8), C(Offset),
        Start(Offset) {}

  uint16_t u16() { return DE.getU16(C); }
  uint32_t u32() { return DE.getU32(C); }
  uint64_t u64() { return DE.getU64(C); }
  void skip(uint64_t N) { DE.skip(C, N); }

  /// Reports any out-of-bounds read as a DecodeError about \p What.
  Error finish(const Twine &What) {
    if (Error E = C.takeError())
      return decodeError(Start, "cannot read {0}: {1}", What.str(),
                         toString(std::move(E)));
    return Error::success();
  }

private:
  DataExtractor DE;
  DataExtractor::Cursor C;
  uint64_t Start;
};

/// The central directory as located by the end records.
struct CentralDirectory {
  uint64_t Offset = 0;
  uint64_t Size = 0;
  uint64_t NumEntries = 0;
  /// Where the end records start: the central directory must end there.
  uint64_t EndRecordsOffset = 0;
};

/// Finds the end of central directory record by scanning back from the end
/// of the file, over at most a 64 KiB comment.
Expected<uint64_t> findEndOfCD(StringRef Data) {
  uint64_t Size = Data.size();
  if (Size < EndOfCDSize)
    return decodeError(Size,
                       "truncated zip archive: {0} bytes cannot hold an end of "
                       "central directory record (22 bytes)",
                       Size);
  uint64_t Lowest = Size - EndOfCDSize > MaxCommentSize
                        ? Size - EndOfCDSize - MaxCommentSize
                        : 0;
  for (uint64_t Off = Size - EndOfCDSize + 1; Off-- > Lowest;) {
    if (!hasSignature(Data, Off, EndOfCDSig))
      continue;
    // Skip signature bytes that happen to occur inside a comment: a real
    // record's comment ends at or before the end of the file.
    uint16_t CommentLen =
        uint8_t(Data[Off + 20]) | uint16_t(uint8_t(Data[Off + 21])) << 8;
    if (fitsIn(Off + EndOfCDSize, CommentLen, Size))
      return Off;
  }
  return decodeError(Size - EndOfCDSize,
                     "no end of central directory record (PK\\x05\\x06) in "
                     "the last {0} bytes: the zip archive is truncated or "
                     "not a zip archive",
                     Size - Lowest);
}

/// Reads the end of central directory record at \p EndOff and, if the zip64
/// locator precedes it, the zip64 end record it points to.
Expected<CentralDirectory> readEndRecords(StringRef Data, uint64_t EndOff) {
  RecordReader R(Data, EndOff);
  R.skip(4);
  uint16_t Disk = R.u16();
  uint16_t CDDisk = R.u16();
  uint16_t DiskEntries = R.u16();
  uint16_t TotalEntries = R.u16();
  uint32_t CDSize = R.u32();
  uint32_t CDOffset = R.u32();
  if (Error E = R.finish("end of central directory record"))
    return E;

  CentralDirectory CD;
  CD.Offset = CDOffset;
  CD.Size = CDSize;
  CD.NumEntries = TotalEntries;
  CD.EndRecordsOffset = EndOff;

  bool HasLocator =
      EndOff >= Zip64LocatorSize &&
      hasSignature(Data, EndOff - Zip64LocatorSize, Zip64LocatorSig);
  if (!HasLocator) {
    if (Disk != 0 || CDDisk != 0 || DiskEntries != TotalEntries)
      return decodeError(EndOff,
                         "multi-disk (split) zip archives are not "
                         "supported (disk {0}, central directory on "
                         "disk {1})",
                         Disk, CDDisk);
    if (TotalEntries == 0xffff || CDSize == 0xffffffff ||
        CDOffset == 0xffffffff)
      return decodeError(EndOff,
                         "end of central directory record defers to zip64 "
                         "values, but no zip64 locator (PK\\x06\\x07) "
                         "precedes it");
    return CD;
  }

  // The zip64 locator: disk of the zip64 record, its offset, disk count.
  uint64_t LocOff = EndOff - Zip64LocatorSize;
  RecordReader L(Data, LocOff);
  L.skip(4);
  uint32_t Zip64Disk = L.u32();
  uint64_t Zip64Off = L.u64();
  uint32_t NumDisks = L.u32();
  if (Error E = L.finish("zip64 end of central directory locator"))
    return E;
  if (Zip64Disk != 0 || NumDisks > 1)
    return decodeError(LocOff,
                       "multi-disk (split) zip archives are not supported "
                       "({0} disks)",
                       NumDisks);
  // A locator pointing at or past itself lies: name the field that does.
  if (Zip64Off >= LocOff)
    return decodeError(LocOff + 8,
                       "zip64 end of central directory locator points to "
                       "offset {0}, expected an offset before the locator at "
                       "offset {1}",
                       Zip64Off, LocOff);
  if (Error E = checkFits(Zip64Off, Zip64EndOfCDSize, LocOff,
                          "zip64 end of central directory record",
                          "the zip64 locator at offset " + Twine(LocOff)))
    return E;
  if (!hasSignature(Data, Zip64Off, Zip64EndOfCDSig))
    return decodeError(Zip64Off,
                       "expected zip64 end of central directory record "
                       "signature 50 4b 06 06 (named by the locator at offset "
                       "{0}), found {1}",
                       LocOff, sigBytes(Data, Zip64Off));

  RecordReader Z(Data, Zip64Off);
  Z.skip(4);
  uint64_t RecordSize = Z.u64();
  Z.skip(4); // Version made by, version needed.
  uint32_t Disk64 = Z.u32();
  uint32_t CDDisk64 = Z.u32();
  uint64_t DiskEntries64 = Z.u64();
  CD.NumEntries = Z.u64();
  CD.Size = Z.u64();
  CD.Offset = Z.u64();
  if (Error E = Z.finish("zip64 end of central directory record"))
    return E;
  // The record size excludes the signature and the size field itself.
  if (RecordSize < Zip64EndOfCDSize - 12 ||
      !fitsIn(Zip64Off + 12, RecordSize, LocOff))
    return decodeError(Zip64Off + 4,
                       "zip64 end of central directory record size {0} is "
                       "invalid: expected at least 44 bytes ending before the "
                       "locator at offset {1}",
                       RecordSize, LocOff);
  if (Disk64 != 0 || CDDisk64 != 0 || DiskEntries64 != CD.NumEntries)
    return decodeError(Zip64Off,
                       "multi-disk (split) zip archives are not supported "
                       "(disk {0}, central directory on disk {1})",
                       Disk64, CDDisk64);
  CD.EndRecordsOffset = Zip64Off;
  return CD;
}

/// One central directory entry, before its local header is read.
struct CentralEntry {
  uint64_t EntryOffset = 0;
  uint16_t Flags = 0;
  uint16_t Method = 0;
  uint32_t CRC32 = 0;
  uint64_t CompressedSize = 0;
  uint64_t Size = 0;
  uint64_t HeaderOffset = 0;
  StringRef Name;
};

/// Replaces the 0xffffffff fields of \p E with the values of the zip64
/// extended information extra field (APPNOTE 4.5.3) in \p Extra, which starts
/// at file offset \p ExtraOff. Fields appear in a fixed order, each only if
/// its 32-bit counterpart is saturated.
Error applyZip64Extra(CentralEntry &E, StringRef Data, uint64_t ExtraOff,
                      uint64_t ExtraLen) {
  bool NeedSize = E.Size == 0xffffffff;
  bool NeedCompressed = E.CompressedSize == 0xffffffff;
  bool NeedOffset = E.HeaderOffset == 0xffffffff;
  uint64_t End = ExtraOff + ExtraLen;
  for (uint64_t Off = ExtraOff; Off < End;) {
    if (Error Err =
            checkFits(Off, 4, End, "extra field header",
                      "the end of the extra fields at offset " + Twine(End)))
      return Err;
    RecordReader R(Data, Off);
    uint16_t Id = R.u16();
    uint16_t Len = R.u16();
    if (Error Err = R.finish("extra field header"))
      return Err;
    if (Error Err = checkFits(
            Off + 4, Len, End, "extra field 0x" + Twine::utohexstr(Id),
            "the end of the extra fields at offset " + Twine(End)))
      return Err;
    if (Id == Zip64ExtraId) {
      uint64_t Needed = 8 * (NeedSize + NeedCompressed + NeedOffset);
      if (Len < Needed)
        return decodeError(Off,
                           "zip64 extra field of entry '{0}' has {1} bytes, "
                           "expected at least {2}",
                           E.Name, Len, Needed);
      RecordReader V(Data, Off + 4);
      if (NeedSize)
        E.Size = V.u64();
      if (NeedCompressed)
        E.CompressedSize = V.u64();
      if (NeedOffset)
        E.HeaderOffset = V.u64();
      if (Error Err = V.finish("zip64 extra field"))
        return Err;
      NeedSize = NeedCompressed = NeedOffset = false;
    }
    Off += 4 + Len;
  }
  if (NeedSize || NeedCompressed || NeedOffset)
    return decodeError(E.EntryOffset,
                       "central directory entry '{0}' has a saturated 32-bit "
                       "size or offset but no zip64 extra field (0x0001)",
                       E.Name);
  return Error::success();
}

/// Reads the central directory entry at \p Off, which must end before
/// \p CDEnd; returns it and advances \p Off past it.
Expected<CentralEntry> readCentralEntry(StringRef Data, uint64_t &Off,
                                        uint64_t CDEnd, uint64_t Index) {
  if (Error E = checkFits(Off, CentralHeaderSize, CDEnd,
                          "central directory entry #" + Twine(Index),
                          "the end of the central directory at offset " +
                              Twine(CDEnd)))
    return E;
  if (!hasSignature(Data, Off, CentralHeaderSig))
    return decodeError(Off,
                       "expected central directory entry #{0} signature "
                       "50 4b 01 02, found {1}",
                       Index, sigBytes(Data, Off));
  CentralEntry E;
  E.EntryOffset = Off;
  RecordReader R(Data, Off);
  R.skip(8); // Signature, version made by, version needed.
  E.Flags = R.u16();
  E.Method = R.u16();
  R.skip(4); // Modification time and date.
  E.CRC32 = R.u32();
  E.CompressedSize = R.u32();
  E.Size = R.u32();
  uint16_t NameLen = R.u16();
  uint16_t ExtraLen = R.u16();
  uint16_t CommentLen = R.u16();
  uint16_t DiskStart = R.u16();
  R.skip(6); // Internal and external attributes.
  E.HeaderOffset = R.u32();
  if (Error Err = R.finish("central directory entry"))
    return Err;

  uint64_t VarOff = Off + CentralHeaderSize;
  if (Error Err = checkFits(
          VarOff, uint64_t(NameLen) + ExtraLen + CommentLen, CDEnd,
          "name, extra field and comment of central directory "
          "entry #" +
              Twine(Index),
          "the end of the central directory at offset " + Twine(CDEnd)))
    return Err;
  E.Name = Data.substr(VarOff, NameLen);
  if (E.Name.empty())
    return decodeError(Off, "central directory entry #{0} has an empty name",
                       Index);
  if (DiskStart != 0 && DiskStart != 0xffff)
    return decodeError(Off,
                       "entry '{0}' starts on disk {1}: multi-disk (split) "
                       "zip archives are not supported",
                       E.Name, DiskStart);
  if (Error Err = applyZip64Extra(E, Data, VarOff + NameLen, ExtraLen))
    return Err;
  Off = VarOff + NameLen + ExtraLen + CommentLen;
  return E;
}

/// Reads the local header of \p E, checks it against the central directory,
/// and returns the member with its data range; the data must end at or before
/// \p CDOffset.
Expected<ArchiveMember> readLocalHeader(StringRef Data, const CentralEntry &E,
                                        uint64_t CDOffset,
                                        FileWindowReader *File) {
  uint64_t H = E.HeaderOffset;
  if (H >= CDOffset)
    return decodeError(E.EntryOffset,
                       "central directory entry '{0}' places its local header "
                       "at offset {1}, expected an offset before the central "
                       "directory at offset {2}",
                       E.Name, H, CDOffset);
  if (Error Err =
          checkFits(H, LocalHeaderSize, CDOffset,
                    "local header of entry '" + E.Name + "'",
                    "the central directory at offset " + Twine(CDOffset)))
    return Err;
  // The header's bytes, from offset H. With the file open they are read
  // with pread: faulting a mapped header in maps the whole page-cache folio
  // around it (megabytes of tensor data), and peak memory would grow with
  // the number of records.
  auto Fetch = [&](uint64_t Len) -> Expected<StringRef> {
    if (!File)
      return Data.substr(H, Len);
    auto Bytes = File->read(H, Len);
    if (!Bytes) {
      consumeError(Bytes.takeError());
      return decodeError(H,
                         "cannot read the local header of entry '{0}' "
                         "from the file",
                         E.Name);
    }
    return *Bytes;
  };
  Expected<StringRef> L = Fetch(LocalHeaderSize);
  if (!L)
    return L.takeError();
  if (!hasSignature(*L, 0, LocalHeaderSig))
    return decodeError(H,
                       "expected local header signature 50 4b 03 04 for "
                       "entry '{0}', found {1}",
                       E.Name, sigBytes(*L, 0));
  RecordReader R(*L, 0);
  R.skip(6); // Signature, version needed.
  uint16_t Flags = R.u16();
  uint16_t Method = R.u16();
  R.skip(16); // Time, date, CRC-32, sizes (zero with a data descriptor).
  uint16_t NameLen = R.u16();
  uint16_t ExtraLen = R.u16();
  if (Error Err = R.finish("local header"))
    return Err;

  if (Method != E.Method || (Flags & 1) != (E.Flags & 1))
    return decodeError(H,
                       "local header of entry '{0}' disagrees with the "
                       "central directory (method {1} vs {2}, flags 0x{3} vs "
                       "0x{4})",
                       E.Name, Method, E.Method, utohexstr(Flags),
                       utohexstr(E.Flags));
  if (Error Err = checkFits(
          H + LocalHeaderSize, uint64_t(NameLen) + ExtraLen, CDOffset,
          "name and extra field of local header of entry '" + E.Name + "'",
          "the central directory at offset " + Twine(CDOffset)))
    return Err;
  L = Fetch(LocalHeaderSize + NameLen);
  if (!L)
    return L.takeError();
  StringRef LocalName = L->substr(LocalHeaderSize, NameLen);
  if (LocalName != E.Name)
    return decodeError(H + LocalHeaderSize,
                       "local header name '{0}' differs from central "
                       "directory name '{1}'",
                       LocalName, E.Name);

  ArchiveMember M;
  M.Name = E.Name;
  M.HeaderOffset = H;
  M.DataOffset = H + LocalHeaderSize + NameLen + ExtraLen;
  M.Size = E.Size;
  M.CRC32 = E.CRC32;
  if (!fitsIn(M.DataOffset, M.Size, CDOffset))
    return decodeError(M.DataOffset,
                       "data of entry '{0}' ({1} bytes) runs past the start "
                       "of the central directory at offset {2}",
                       E.Name, M.Size, CDOffset);
  return M;
}

/// Whether \p Name, relative to the root folder, is a record only
/// TorchScript archives have.
bool isTorchScriptRecord(StringRef Name) {
  return Name == "constants.pkl" || Name == "model.json" ||
         Name.starts_with("code/");
}

/// Whether any of \p Entries under \p Root is a TorchScript record. Used to
/// explain why an archive has compressed entries: torch.jit.save deflates
/// its code/ records.
bool hasTorchScriptRecords(ArrayRef<CentralEntry> Entries, StringRef Root) {
  return any_of(Entries, [&](const CentralEntry &E) {
    StringRef Name = E.Name;
    return Name.consume_front(Root) && Name.consume_front("/") &&
           isTorchScriptRecord(Name);
  });
}

} // namespace

Expected<ZipArchive> ZipArchive::create(MemoryBufferRef Buf, int FD) {
  StringRef Data = Buf.getBuffer();
  Expected<uint64_t> EndOff = findEndOfCD(Data);
  if (!EndOff)
    return EndOff.takeError();
  Expected<CentralDirectory> CDOrErr = readEndRecords(Data, *EndOff);
  if (!CDOrErr)
    return CDOrErr.takeError();
  const CentralDirectory &CD = *CDOrErr;

  if (!fitsIn(CD.Offset, CD.Size, CD.EndRecordsOffset))
    return decodeError(CD.EndRecordsOffset,
                       "central directory (offset {0}, {1} bytes) runs past "
                       "the end records at offset {2}",
                       CD.Offset, CD.Size, CD.EndRecordsOffset);
  if (CD.NumEntries == 0)
    return decodeError(*EndOff, "zip archive has no entries");
  // Each entry takes at least 46 bytes: refuse impossible counts before
  // reserving memory for them.
  if (CD.NumEntries > CD.Size / CentralHeaderSize)
    return decodeError(CD.Offset,
                       "central directory of {0} bytes cannot hold the {1} "
                       "entries the end record announces",
                       CD.Size, CD.NumEntries);

  ZipArchive A;
  A.Buf = Buf;
  A.CDOffset = CD.Offset;
  uint64_t CDEnd = CD.Offset + CD.Size;

  std::vector<CentralEntry> Entries;
  Entries.reserve(CD.NumEntries);
  // Members are made from the entries in order: an entry's position is its
  // member's.
  A.ByName.reserve(CD.NumEntries);
  uint64_t Off = CD.Offset;
  for (uint64_t I = 0; I != CD.NumEntries; ++I) {
    Expected<CentralEntry> E = readCentralEntry(Data, Off, CDEnd, I);
    if (!E)
      return E.takeError();
    auto [It, Inserted] =
        A.ByName.try_emplace(HashedName(E->Name), uint32_t(Entries.size()));
    if (!Inserted)
      return decodeError(E->EntryOffset,
                         "duplicate entry '{0}' (first at offset {1})", E->Name,
                         Entries[It->second].EntryOffset);
    Entries.push_back(*E);
  }
  if (Off != CDEnd)
    return decodeError(Off,
                       "central directory has {0} bytes after its last entry "
                       "(the end record announces {1} entries)",
                       CDEnd - Off, CD.NumEntries);

  // torch requires every entry under one folder, named by entry #0.
  size_t Slash = Entries[0].Name.find('/');
  if (Slash == StringRef::npos)
    return decodeError(Entries[0].EntryOffset,
                       "file in archive is not in a subdirectory: entry #0 "
                       "'{0}' has no '/'",
                       Entries[0].Name);
  A.RootName = Entries[0].Name.take_front(Slash).str();

  A.Members.reserve(Entries.size());
  std::optional<FileWindowReader> File;
  if (FD >= 0)
    File.emplace(FD, size_t(64) << 10);
  for (const CentralEntry &E : Entries) {
    StringRef Record = E.Name;
    if (!Record.consume_front(A.RootName) || !Record.consume_front("/"))
      return decodeError(E.EntryOffset,
                         "entry '{0}' is not under the root folder '{1}/'",
                         E.Name, A.RootName);
    if (E.Flags & 1)
      return decodeError(E.EntryOffset, "entry '{0}' is encrypted", E.Name);
    if (E.Method != 0)
      return decodeError(E.EntryOffset,
                         "entry '{0}' is compressed (method {1}); only stored "
                         "entries are supported{2}",
                         E.Name, E.Method,
                         hasTorchScriptRecords(Entries, A.RootName)
                             ? "; this is a TorchScript archive "
                               "(torch.jit.save), not a torch.save "
                               "checkpoint: load it with torch.jit.load"
                             : "");
    if (E.CompressedSize != E.Size)
      return decodeError(E.EntryOffset,
                         "stored entry '{0}' has compressed size {1} but "
                         "size {2}",
                         E.Name, E.CompressedSize, E.Size);
    Expected<ArchiveMember> M =
        readLocalHeader(Data, E, CD.Offset, File ? &*File : nullptr);
    if (!M)
      return M.takeError();
    A.Members.push_back(std::move(*M));
  }

  // No entry's header or data may overlap another entry's data.
  std::vector<size_t> ByOffset(A.Members.size());
  std::iota(ByOffset.begin(), ByOffset.end(), 0);
  auto ByHeader = [&](size_t L, size_t R) {
    return A.Members[L].HeaderOffset < A.Members[R].HeaderOffset;
  };
  if (!llvm::is_sorted(ByOffset, ByHeader)) // Writers list them in order.
    llvm::sort(ByOffset, ByHeader);
  for (size_t I = 1; I < ByOffset.size(); ++I) {
    const ArchiveMember &Prev = A.Members[ByOffset[I - 1]];
    const ArchiveMember &Cur = A.Members[ByOffset[I]];
    if (Prev.DataOffset + Prev.Size > Cur.HeaderOffset)
      return decodeError(Cur.HeaderOffset,
                         "entry '{0}' overlaps the data of entry '{1}' "
                         "(offset {2}, {3} bytes)",
                         Cur.Name, Prev.Name, Prev.DataOffset, Prev.Size);
  }
  return A;
}

ZipArchive::HashedName::HashedName(StringRef Name)
    : Name(Name), Hash(DenseMapInfo<StringRef>::getHashValue(Name)) {}

ZipArchive::HashedName ZipArchive::HashedNameInfo::getEmptyKey() {
  return {DenseMapInfo<StringRef>::getEmptyKey(), 0};
}

ZipArchive::HashedName ZipArchive::HashedNameInfo::getTombstoneKey() {
  return {DenseMapInfo<StringRef>::getTombstoneKey(), 0};
}

bool ZipArchive::HashedNameInfo::isEqual(const HashedName &A,
                                         const HashedName &B) {
  // The empty and tombstone keys compare by pointer, as StringRef's do.
  if (A.Hash != B.Hash)
    return false;
  return DenseMapInfo<StringRef>::isEqual(A.Name, B.Name);
}

const ArchiveMember *ZipArchive::findRecord(StringRef RecordName) const {
  SmallString<128> Full;
  auto It =
      ByName.find(HashedName((RootName + "/" + RecordName).toStringRef(Full)));
  return It == ByName.end() ? nullptr : &Members[It->second];
}

StringRef ZipArchive::getData(const ArchiveMember &M) const {
  return Buf.getBuffer().substr(M.DataOffset, M.Size);
}

bool ZipArchive::isTorchScript() const {
  return any_of(Members, [&](const ArchiveMember &M) {
    return isTorchScriptRecord(M.Name.drop_front(RootName.size() + 1));
  });
}

} // namespace ckpt
