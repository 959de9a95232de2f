//===- ckpt/Support/FileRange.h - Copy bytes of a file without mapping --*- C++ -*-===//
//
// Part of ckpt-migrate. Tensor bytes are most of a checkpoint and are never
// changed by a migration: the writer copies them from the input file to the
// output file in the kernel (copy_file_range) or through a small buffer, so
// they are never faulted into the process and peak memory does not grow
// with them.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_SUPPORT_FILERANGE_H
#define CKPT_SUPPORT_FILERANGE_H

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdint>
#include <memory>
#include <optional>

namespace ckpt {

/// A byte range of a file open for reading.
struct FileRange {
  int FD = -1;
  uint64_t Offset = 0;
  uint64_t Size = 0;
};

/// Told of bytes as they are copied, for a progress indicator.
class CopyObserver {
public:
  virtual ~CopyObserver();
  /// \p Bytes more bytes were written.
  virtual void copied(uint64_t Bytes) = 0;
};

/// Reads the bytes of \p R into \p Out (R.Size bytes). Fails if the file is
/// shorter than the range claims.
llvm::Error readFileRange(const FileRange &R, char *Out);

/// Appends the bytes of \p R to \p OS through a 1 MiB buffer read with
/// pread. Fails if the file is shorter than the range claims.
llvm::Error copyFileRange(const FileRange &R, llvm::raw_ostream &OS,
                          CopyObserver *Obs = nullptr);

/// Reads small pieces of a file, mostly at increasing offsets, with few
/// system calls: a read outside the current window reads a whole window
/// ahead. Thousands of small zip headers or tensor records that lie next to
/// each other then cost one pread, not one each.
class FileWindowReader {
public:
  explicit FileWindowReader(int FD, size_t WindowSize = size_t(1) << 20)
      : FD(FD), WindowSize(WindowSize) {}

  /// The \p Len bytes at \p Offset, valid until the next call. Fails if the
  /// file ends first. Pieces longer than the window are read whole.
  llvm::Expected<llvm::StringRef> read(uint64_t Offset, size_t Len);

  int getFD() const { return FD; }

private:
  int FD;
  size_t WindowSize;
  /// Whether the buffer holds a window read ahead (else just one piece),
  /// and how much of it was served. Windows are read only while they pay
  /// (serve at least a quarter of what they read) or while pieces come in
  /// file order, so that pieces read in no useful order cost their own
  /// size, not a window each.
  bool IsWindow = false;
  uint64_t Served = 0;
  std::unique_ptr<char[]> Buf;
  size_t BufCapacity = 0;
  uint64_t BufOffset = 0;
  size_t BufSize = 0;
};

/// An output file into which the kernel can copy file ranges directly.
class FileCopyStream : public llvm::raw_fd_ostream {
public:
  using raw_fd_ostream::raw_fd_ostream;

  /// Appends the bytes of \p R: by copy_file_range where the kernel can,
  /// else as copyFileRange does. Ranges below SmallCopySize go through the
  /// stream's buffer from a window read ahead, so that many small tensors
  /// cost a few large reads and writes instead of three system calls each.
  llvm::Error copyFrom(const FileRange &R, CopyObserver *Obs = nullptr);

  static constexpr uint64_t SmallCopySize = 64 << 10;

private:
  std::optional<FileWindowReader> Window;
};

/// The CRC-32 (zip's) of the bytes of \p R, read through a small buffer.
llvm::Expected<uint32_t> crc32FileRange(const FileRange &R);

} // namespace ckpt

#endif // CKPT_SUPPORT_FILERANGE_H
