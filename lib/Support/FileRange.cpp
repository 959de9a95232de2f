//===- FileRange.cpp - Copy bytes of a file without mapping ---------------===//
//
// Part of ckpt-migrate.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Support/FileRange.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/Errno.h"
#include "llvm/Support/FormatVariadic.h"
#include <cerrno>
#include <memory>
#include <unistd.h>

using namespace llvm;

namespace ckpt {

static constexpr size_t ChunkSize = 1 << 20;
/// The kernel copies this much per call, so progress can be reported.
static constexpr uint64_t KernelChunkSize = 64 << 20;

CopyObserver::~CopyObserver() = default;

static Error truncatedInput(uint64_t Off) {
  return createStringError(
      std::make_error_code(std::errc::io_error),
      formatv("the input ended at offset {0} while copying its data "
              "(changed while being read?)",
              Off)
          .str());
}

static Error ioError(const Twine &What, int Errno) {
  return createStringError(std::error_code(Errno, std::generic_category()),
                           What + ": " + sys::StrError(Errno));
}

/// Reads up to \p Max bytes at \p Off into \p Buf, stopping early only at
/// the end of the file, and fails if that comes before \p Min bytes.
/// Returns how many bytes were read.
static Expected<size_t> readAtLeast(int FD, uint64_t Off, char *Buf, size_t Min,
                                    size_t Max) {
  size_t Got = 0;
  while (Got < Max) {
    ssize_t N = sys::RetryAfterSignal(-1, ::pread, FD, Buf + Got, Max - Got,
                                      off_t(Off + Got));
    if (N < 0)
      return ioError("cannot read the input", errno);
    if (N == 0)
      break;
    Got += N;
  }
  if (Got < Min)
    return truncatedInput(Off + Got);
  return Got;
}

/// Reads exactly \p Len bytes at \p Off into \p Buf; fails on a short file.
static Error readChunk(int FD, uint64_t Off, char *Buf, size_t Len) {
  return readAtLeast(FD, Off, Buf, Len, Len).takeError();
}

Error readFileRange(const FileRange &R, char *Out) {
  return readChunk(R.FD, R.Offset, Out, R.Size);
}

Expected<StringRef> FileWindowReader::read(uint64_t Offset, size_t Len) {
  if (Offset >= BufOffset && Offset - BufOffset <= BufSize &&
      Len <= BufSize - (Offset - BufOffset)) {
    Served += Len;
    return StringRef(Buf.get() + (Offset - BufOffset), Len);
  }
  // A miss: read ahead if the last window paid or the pieces follow on.
  uint64_t BufEnd = BufOffset + BufSize;
  bool ReadAhead =
      !BufSize ||
      (IsWindow ? Served >= BufSize / 4
                : Offset >= BufEnd && Offset - BufEnd <= WindowSize / 4);
  Served = Len;
  IsWindow = ReadAhead && Len < WindowSize;
  size_t Want = ReadAhead ? std::max(Len, WindowSize) : Len;
  if (Want > BufCapacity) {
    Buf = std::unique_ptr<char[]>(new char[Want]); // Not zeroed.
    BufCapacity = Want;
  }
  // Read ahead as far as the file goes, but at least Len bytes.
  Expected<size_t> Got = readAtLeast(FD, Offset, Buf.get(), Len, Want);
  BufOffset = Offset;
  BufSize = Got ? *Got : 0;
  if (!Got)
    return Got.takeError();
  return StringRef(Buf.get(), Len);
}

/// The kernel copy into a file stream. Returns false when the kernel cannot
/// do it for these files (then nothing was written), true when done.
static Expected<bool> kernelCopy(const FileRange &R, raw_fd_ostream &OS,
                                 int Out, CopyObserver *Obs) {
#ifdef __linux__
  OS.flush();
  if (OS.has_error())
    return false; // Reported by the caller through the stream.
  off_t In = off_t(R.Offset);
  uint64_t Left = R.Size;
  while (Left) {
    ssize_t N = ::copy_file_range(R.FD, &In, Out, nullptr,
                                  std::min(Left, KernelChunkSize), 0);
    if (N < 0) {
      int E = errno;
      if (E == EINTR)
        continue;
      // Not supported for these files (pipes, old kernels, some file
      // systems, EPERM from container seccomp profiles that predate the
      // call): the caller copies through a buffer. Only possible before
      // the first byte was written.
      if (Left == R.Size && (E == EINVAL || E == EXDEV || E == ENOSYS ||
                             E == EOPNOTSUPP || E == EBADF || E == EPERM))
        return false;
      return ioError("cannot write the output", E);
    }
    if (N == 0)
      return truncatedInput(uint64_t(In));
    Left -= N;
    if (Obs)
      Obs->copied(N);
  }
  // The stream's idea of its position must follow the file's.
  OS.seek(::lseek(Out, 0, SEEK_CUR));
  return true;
#else
  return false;
#endif
}

Error FileCopyStream::copyFrom(const FileRange &R, CopyObserver *Obs) {
  if (!R.Size)
    return Error::success();
  if (R.Size < SmallCopySize) {
    if (!Window || Window->getFD() != R.FD)
      Window.emplace(R.FD);
    auto Bytes = Window->read(R.Offset, R.Size);
    if (!Bytes)
      return Bytes.takeError();
    write(Bytes->data(), Bytes->size());
    if (Obs)
      Obs->copied(R.Size);
    return Error::success();
  }
  if (supportsSeeking()) {
    auto Done = kernelCopy(R, *this, get_fd(), Obs);
    if (!Done)
      return Done.takeError();
    if (*Done)
      return Error::success();
  }
  return copyFileRange(R, *this, Obs);
}

Error copyFileRange(const FileRange &R, raw_ostream &OS, CopyObserver *Obs) {
  auto Buf = std::unique_ptr<char[]>(new char[ChunkSize]); // Not zeroed.
  for (uint64_t Done = 0; Done < R.Size;) {
    size_t Len = std::min<uint64_t>(ChunkSize, R.Size - Done);
    if (Error E = readChunk(R.FD, R.Offset + Done, Buf.get(), Len))
      return E;
    OS.write(Buf.get(), Len);
    Done += Len;
    if (Obs)
      Obs->copied(Len);
  }
  return Error::success();
}

Expected<uint32_t> crc32FileRange(const FileRange &R) {
  auto Buf = std::unique_ptr<char[]>(new char[ChunkSize]); // Not zeroed.
  uint32_t CRC = 0;
  for (uint64_t Done = 0; Done < R.Size;) {
    size_t Len = std::min<uint64_t>(ChunkSize, R.Size - Done);
    if (Error E = readChunk(R.FD, R.Offset + Done, Buf.get(), Len))
      return E;
    CRC = crc32(CRC, ArrayRef<uint8_t>(
                         reinterpret_cast<const uint8_t *>(Buf.get()), Len));
    Done += Len;
  }
  return CRC;
}

} // namespace ckpt
