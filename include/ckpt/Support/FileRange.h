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

/// An output file into which the kernel can copy file ranges directly.
class FileCopyStream : public llvm::raw_fd_ostream {
public:
  using raw_fd_ostream::raw_fd_ostream;

  /// Appends the bytes of \p R: by copy_file_range where the kernel can,
  /// else as copyFileRange does.
  llvm::Error copyFrom(const FileRange &R, CopyObserver *Obs = nullptr);
};

/// The CRC-32 (zip's) of the bytes of \p R, read through a small buffer.
llvm::Expected<uint32_t> crc32FileRange(const FileRange &R);

} // namespace ckpt

#endif // CKPT_SUPPORT_FILERANGE_H
