//===- PickleInternals.h - Argument reader and LONG decoding ----*- C++ -*-===//
//
// Part of ckpt-migrate. Private to the pickle library: the bounds-checked
// reader of opcode arguments and the decoding of LONG1/LONG4 bytes, which
// the unpickler and the disassembler read alike.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_LIB_PICKLE_PICKLEINTERNALS_H
#define CKPT_LIB_PICKLE_PICKLEINTERNALS_H

#include "ckpt/Support/Error.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/Error.h"
#include <cstdint>

namespace ckpt {
class Checkpoint;
class Value;

namespace pickle {

/// Reads the inline arguments of opcodes with bounds checks.
class Cursor {
public:
  Cursor(llvm::StringRef Bytes, uint64_t Base) : Bytes(Bytes), Base(Base) {}

  uint64_t tell() const { return Pos; }
  uint64_t absolute(uint64_t P) const { return Base + P; }
  bool atEnd() const { return Pos >= Bytes.size(); }
  uint64_t remaining() const { return Bytes.size() - Pos; }

  llvm::Expected<llvm::StringRef> take(uint64_t N, llvm::StringRef What) {
    if (N > Bytes.size() - Pos)
      return decodeError(absolute(Pos),
                         "truncated pickle: {0} needs {1} bytes, {2} left",
                         What, N, Bytes.size() - Pos);
    llvm::StringRef R = Bytes.substr(Pos, N);
    Pos += N;
    return R;
  }

  template <typename T> llvm::Expected<T> readLE(llvm::StringRef What) {
    auto B = take(sizeof(T), What);
    if (!B)
      return B.takeError();
    return llvm::support::endian::read<T, llvm::endianness::little>(B->data());
  }

  /// Reads up to and excluding the next '\n' (which is consumed).
  llvm::Expected<llvm::StringRef> line(llvm::StringRef What) {
    size_t NL = Bytes.find('\n', Pos);
    if (NL == llvm::StringRef::npos)
      return decodeError(absolute(Pos),
                         "truncated pickle: {0} needs a line ending in '\\n'",
                         What);
    llvm::StringRef R = Bytes.slice(Pos, NL);
    Pos = NL + 1;
    return R;
  }

private:
  llvm::StringRef Bytes;
  uint64_t Base;
  uint64_t Pos = 0;
};

/// Makes an int node from LONG1/LONG4 bytes (little-endian two's complement).
/// One copy of the bytes, however long: a hostile LONG4 may carry hundreds
/// of megabytes, and the node is its only copy.
Value *makeIntFromLE(Checkpoint &C, llvm::StringRef B);

} // namespace pickle
} // namespace ckpt

#endif // CKPT_LIB_PICKLE_PICKLEINTERNALS_H
