//===- ckpt/Container/Archive.h - Members of zip and tar files --*- C++ -*-===//
//
// Part of ckpt-migrate. Read-only views of the members of a zip or tar
// archive as byte ranges of the mapped file: nothing is copied, so a record
// of many gigabytes costs nothing until someone reads it.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_CONTAINER_ARCHIVE_H
#define CKPT_CONTAINER_ARCHIVE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace ckpt {

/// One member of an archive: its name and where its bytes live in the file.
struct ArchiveMember {
  /// Full name as stored in the archive (for zip: including the root
  /// folder). Points into the mapped file, or into names the archive owns.
  llvm::StringRef Name;
  /// Absolute file offset of the first data byte.
  uint64_t DataOffset = 0;
  /// Size of the data in bytes (uncompressed == stored size).
  uint64_t Size = 0;
  /// Zip only: CRC-32 recorded in the central directory.
  uint32_t CRC32 = 0;
  /// Absolute offset of the member's header (zip: local file header; tar:
  /// the 512-byte header block).
  uint64_t HeaderOffset = 0;
};

/// A zip archive as torch writes it: every entry stored (not compressed),
/// every entry under one root folder. Entries are kept in central-directory
/// order.
///
/// Written by hand rather than with libzip: libzip does not expose the file
/// offset of an entry's data, and the reader must hand out byte ranges of
/// the mapped file instead of copying records. Every length is checked
/// against the buffer, as in llvm/Object/Archive.cpp.
class ZipArchive {
public:
  /// Parses the end-of-central-directory records (zip64 included), the
  /// central directory, and each entry's local header. Fails with a
  /// DecodeError naming the offset for a truncated or inconsistent archive,
  /// for compressed or encrypted entries, duplicate names, entries outside
  /// the root folder, and overlapping entries. A compressed entry in an
  /// archive with TorchScript records is reported as a TorchScript archive
  /// (torch.jit.save deflates its code/ records). CRC-32s are recorded, not
  /// verified: that would read every byte of the file.
  ///
  /// \p FD, when \p Buf maps that open file, is used to read the local
  /// headers with pread, so that they do not fault the mapping in. Member
  /// names point into \p Buf, which must outlive the archive.
  static llvm::Expected<ZipArchive> create(llvm::MemoryBufferRef Buf,
                                           int FD = -1);

  /// The root folder shared by every entry (e.g. "archive").
  llvm::StringRef getRootName() const { return RootName; }

  /// All entries in central-directory order.
  llvm::ArrayRef<ArchiveMember> members() const { return Members; }

  /// Finds an entry by its name relative to the root folder
  /// (e.g. "data.pkl", "data/0"); null if absent.
  const ArchiveMember *findRecord(llvm::StringRef RecordName) const;

  /// The bytes of \p M, a slice of the mapped file.
  llvm::StringRef getData(const ArchiveMember &M) const;

  /// Whether this is a TorchScript archive (`constants.pkl`, `code/`,
  /// `model.json`) rather than a `torch.save` checkpoint.
  bool isTorchScript() const;

  /// Offset of the start of the central directory; every member's data ends
  /// at or before it.
  uint64_t getCentralDirectoryOffset() const { return CDOffset; }

private:
  llvm::MemoryBufferRef Buf;
  std::string RootName;
  std::vector<ArchiveMember> Members;
  /// A member's full name (a slice of the mapped central directory) with
  /// its hash: probing the index compares hashes before it touches names,
  /// which lie all over a central directory of megabytes.
  struct HashedName {
    llvm::StringRef Name;
    unsigned Hash;
    explicit HashedName(llvm::StringRef Name);
    HashedName(llvm::StringRef Name, unsigned Hash) : Name(Name), Hash(Hash) {}
  };
  struct HashedNameInfo {
    static HashedName getEmptyKey();
    static HashedName getTombstoneKey();
    static unsigned getHashValue(const HashedName &N) { return N.Hash; }
    static bool isEqual(const HashedName &A, const HashedName &B);
  };
  /// Full member names to their position in Members.
  llvm::DenseMap<HashedName, uint32_t, HashedNameInfo> ByName;
  uint64_t CDOffset = 0;
};

/// A POSIX (ustar/pax/gnu) tar archive, as 0.1.x `torch.save` wrote it.
class TarArchive {
public:
  /// Parses all headers (pax `path`/`size` records and GNU long names
  /// included), validating header checksums and that every member lies
  /// inside the file. Reading stops at the first zero block or the end of
  /// the file.
  static llvm::Expected<TarArchive> create(llvm::MemoryBufferRef Buf);

  /// Regular-file members (type '0', '7' or NUL) in archive order. Only
  /// Name, DataOffset, Size and HeaderOffset are set.
  llvm::ArrayRef<ArchiveMember> members() const { return Members; }

  /// Finds a regular-file member by name; null if absent. Of several members
  /// with one name, the last wins (as when extracting).
  const ArchiveMember *find(llvm::StringRef Name) const;

  /// The bytes of \p M, a slice of the mapped file.
  llvm::StringRef getData(const ArchiveMember &M) const;

private:
  llvm::MemoryBufferRef Buf;
  std::vector<ArchiveMember> Members;
  /// Names assembled from pax or GNU records or the ustar prefix (stable
  /// addresses: members point into them).
  std::deque<std::string> OwnedNames;
};

/// Prints the container kind and one line per member (name, data offset,
/// size, and for zip the CRC-32 and 64-byte alignment) for `-list-records`.
/// Legacy and bare-pickle files print the kind only.
llvm::Error printContainerListing(llvm::raw_ostream &OS,
                                  llvm::MemoryBufferRef Buf);

} // namespace ckpt

#endif // CKPT_CONTAINER_ARCHIVE_H
