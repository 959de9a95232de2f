//===- ByteSize.cpp - Sizes written as 512M, 1G, 4096 ---------------------===//
//
// Part of ckpt-migrate. Byte-size parsing for options.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Support/ByteSize.h"

using namespace llvm;

std::optional<uint64_t> ckpt::parseByteSize(StringRef Text) {
  StringRef Digits =
      Text.take_while([](char C) { return C >= '0' && C <= '9'; });
  std::string S = Text.drop_front(Digits.size()).lower();
  uint64_t N;
  if (Digits.empty() || Digits.getAsInteger(10, N))
    return std::nullopt;
  unsigned Shift;
  if (S.empty() || S == "b")
    Shift = 0;
  else if (S == "k" || S == "kb" || S == "kib")
    Shift = 10;
  else if (S == "m" || S == "mb" || S == "mib")
    Shift = 20;
  else if (S == "g" || S == "gb" || S == "gib")
    Shift = 30;
  else if (S == "t" || S == "tb" || S == "tib")
    Shift = 40;
  else
    return std::nullopt;
  if (Shift && N > (UINT64_MAX >> Shift))
    return std::nullopt;
  return N << Shift;
}
