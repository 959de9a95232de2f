//===- PickleWriter.cpp - Emit pickle opcodes -----------------------------===//

#include "ckpt/Pickle/PickleWriter.h"
#include "llvm/ADT/SmallVector.h"
#include <cstring>

using namespace llvm;
using namespace ckpt::pickle;

void PickleWriter::le(uint64_t V, unsigned Bytes) {
  for (unsigned I = 0; I != Bytes; ++I)
    Out.push_back(static_cast<char>((V >> (8 * I)) & 0xff));
}

void PickleWriter::proto(unsigned N) {
  if (N < 2)
    return;
  op(Opcode::Proto);
  Out.push_back(static_cast<char>(N));
}

void PickleWriter::boolean(bool B) {
  op(B ? Opcode::NewTrue : Opcode::NewFalse);
}

void PickleWriter::integer(int64_t V) {
  if (V >= 0 && V <= 0xff) {
    op(Opcode::BinInt1);
    le(V, 1);
  } else if (V >= 0 && V <= 0xffff) {
    op(Opcode::BinInt2);
    le(V, 2);
  } else if (V >= INT32_MIN && V <= INT32_MAX) {
    op(Opcode::BinInt);
    le(static_cast<uint32_t>(static_cast<int32_t>(V)), 4);
  } else {
    bigInteger(APInt(64, static_cast<uint64_t>(V), /*isSigned=*/true));
  }
}

void PickleWriter::bigInteger(const APInt &V) {
  // CPython's encode_long: the fewest bytes of two's complement that keep
  // the sign. The bytes are read from V's words (sign-extended past its
  // width), so a 100 MB int is not copied to be written.
  unsigned Bytes = V.isZero() ? 0 : (V.getSignificantBits() + 7) / 8;
  if (Bytes < 256) {
    op(Opcode::Long1);
    Out.push_back(static_cast<char>(Bytes));
  } else {
    op(Opcode::Long4);
    le(Bytes, 4);
  }
  const uint64_t *Raw = V.getRawData();
  unsigned NumWords = V.getNumWords();
  unsigned TopBits = V.getBitWidth() - 64 * (NumWords - 1);
  uint64_t Fill = V.isNegative() ? ~uint64_t(0) : 0;
  Out.reserve(Out.size() + Bytes);
  for (unsigned I = 0; I != Bytes; ++I) {
    unsigned W = I / 8;
    uint64_t X = Fill;
    if (W + 1 < NumWords)
      X = Raw[W];
    else if (W + 1 == NumWords)
      X = TopBits < 64 ? uint64_t(SignExtend64(Raw[W], TopBits)) : Raw[W];
    Out.push_back(static_cast<char>(X >> (8 * (I % 8))));
  }
}

void PickleWriter::floating(double D) {
  op(Opcode::BinFloat);
  uint64_t U;
  std::memcpy(&U, &D, sizeof(U));
  for (int I = 7; I >= 0; --I)
    Out.push_back(static_cast<char>((U >> (8 * I)) & 0xff));
}

void PickleWriter::unicode(StringRef S) {
  if (S.size() > UINT32_MAX) {
    op(Opcode::BinUnicode8);
    le(S.size(), 8);
  } else {
    op(Opcode::BinUnicode);
    le(S.size(), 4);
  }
  raw(S);
}

void PickleWriter::bytes(StringRef S) {
  if (S.size() < 256) {
    op(Opcode::ShortBinBytes);
    le(S.size(), 1);
  } else if (S.size() <= UINT32_MAX) {
    op(Opcode::BinBytes);
    le(S.size(), 4);
  } else {
    op(Opcode::BinBytes8);
    le(S.size(), 8);
  }
  raw(S);
}

void PickleWriter::py2String(StringRef S) {
  if (S.size() < 256) {
    op(Opcode::ShortBinString);
    le(S.size(), 1);
  } else {
    op(Opcode::BinString);
    le(S.size(), 4);
  }
  raw(S);
}

void PickleWriter::byteArray(StringRef S) {
  op(Opcode::ByteArray8);
  le(S.size(), 8);
  raw(S);
}

void PickleWriter::global(StringRef Module, StringRef Name) {
  op(Opcode::Global);
  raw(Module);
  Out.push_back('\n');
  raw(Name);
  Out.push_back('\n');
}

void PickleWriter::inst(StringRef Module, StringRef Name) {
  op(Opcode::Inst);
  raw(Module);
  Out.push_back('\n');
  raw(Name);
  Out.push_back('\n');
}

void PickleWriter::extension(int32_t Code) {
  if (Code >= 0 && Code <= 0xff) {
    op(Opcode::Ext1);
    le(Code, 1);
  } else if (Code >= 0 && Code <= 0xffff) {
    op(Opcode::Ext2);
    le(Code, 2);
  } else {
    op(Opcode::Ext4);
    le(static_cast<uint32_t>(Code), 4);
  }
}

void PickleWriter::tupleFromStack(size_t N) {
  switch (N) {
  case 1:
    op(Opcode::Tuple1);
    return;
  case 2:
    op(Opcode::Tuple2);
    return;
  case 3:
    op(Opcode::Tuple3);
    return;
  default:
    op(Opcode::Tuple);
    return;
  }
}

uint32_t PickleWriter::put() {
  uint32_t I = NextMemo++;
  if (I < 256) {
    op(Opcode::BinPut);
    le(I, 1);
  } else {
    op(Opcode::LongBinPut);
    le(I, 4);
  }
  return I;
}

void PickleWriter::get(uint32_t I) {
  if (I < 256) {
    op(Opcode::BinGet);
    le(I, 1);
  } else {
    op(Opcode::LongBinGet);
    le(I, 4);
  }
}
