//===- ckpt/Pickle/PickleWriter.h - Emit pickle opcodes ---------*- C++ -*-===//
//
// Part of ckpt-migrate. A low-level pickle emitter that chooses opcodes the
// way CPython's Pickler does for protocol 2 (BININT1/BININT2/BININT/LONG1,
// BINUNICODE, BINFLOAT, TUPLE1-3, batched APPENDS/SETITEMS, BINPUT/BINGET),
// so that what it writes loads in every Python that torch ever ran on. It
// knows opcodes only; lib/Writer decides what to emit.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PICKLE_PICKLEWRITER_H
#define CKPT_PICKLE_PICKLEWRITER_H

#include "ckpt/Pickle/Opcodes.h"
#include "llvm/ADT/APInt.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <string>

namespace ckpt {
namespace pickle {

/// Appends pickle opcodes to a byte string.
class PickleWriter {
public:
  explicit PickleWriter(std::string &Out) : Out(Out) {}

  /// PROTO n (only for n >= 2, as CPython).
  void proto(unsigned N);
  void stop() { op(Opcode::Stop); }

  void none() { op(Opcode::None); }
  void boolean(bool B);
  /// An int, in the smallest encoding CPython would pick.
  void integer(int64_t V);
  /// An int of any size (LONG1/LONG4 of its minimal two's complement).
  void bigInteger(const llvm::APInt &V);
  void floating(double D);
  void unicode(llvm::StringRef S);
  void bytes(llvm::StringRef S);
  /// A Python 2 str (SHORT_BINSTRING / BINSTRING).
  void py2String(llvm::StringRef S);
  void byteArray(llvm::StringRef S);
  /// GLOBAL 'module\nname\n'.
  void global(llvm::StringRef Module, llvm::StringRef Name);
  void extension(int32_t Code);
  /// INST 'module\nname\n' (protocol 0 object creation from the mark).
  void inst(llvm::StringRef Module, llvm::StringRef Name);

  void mark() { op(Opcode::Mark); }
  void emptyTuple() { op(Opcode::EmptyTuple); }
  /// Builds a tuple from the last \p N values (TUPLE1-3) or from the mark.
  void tupleFromStack(size_t N);
  void emptyList() { op(Opcode::EmptyList); }
  void emptyDict() { op(Opcode::EmptyDict); }
  void emptySet() { op(Opcode::EmptySet); }
  void op(Opcode O) { Out.push_back(static_cast<char>(O)); }

  /// Memo: stores the top of the stack under the next index and returns it.
  uint32_t put();
  void get(uint32_t Index);
  /// Number of memo entries so far.
  uint32_t memoSize() const { return NextMemo; }

  /// The largest batch of APPENDS/SETITEMS CPython emits.
  static constexpr size_t BatchSize = 1000;

private:
  void raw(llvm::StringRef S) { Out.append(S.data(), S.size()); }
  void le(uint64_t V, unsigned Bytes);

  std::string &Out;
  uint32_t NextMemo = 0;
};

} // namespace pickle
} // namespace ckpt

#endif // CKPT_PICKLE_PICKLEWRITER_H
