//===- Disassembler.cpp - Print a pickle's opcodes, as pickletools --------===//
//
// Part of ckpt-migrate. `-dump-pickle`: one line per opcode with its offset,
// byte, name and argument, in the style of `python -m pickletools`.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Pickle/Disassembler.h"
#include "PickleInternals.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Pickle/Opcodes.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"
#include <cstring>

using namespace llvm;
using namespace ckpt;
using namespace ckpt::pickle;


Error ckpt::pickle::disassemble(raw_ostream &OS, StringRef Bytes,
                                uint64_t BaseOffset, uint64_t *EndOut) {
  Cursor In(Bytes, BaseOffset);
  unsigned Indent = 0;
  while (true) {
    uint64_t Off = In.absolute(In.tell());
    if (In.atEnd())
      return decodeError(Off, "truncated pickle: no STOP opcode");
    auto B = In.take(1, "opcode");
    if (!B)
      return B.takeError();
    const OpcodeInfo *Info = lookupOpcode(uint8_t((*B)[0]));
    if (!Info)
      return decodeError(Off, "invalid pickle opcode 0x{0}",
                         utohexstr(uint8_t((*B)[0]), true, 2));
    if ((Info->Op == Opcode::Tuple || Info->Op == Opcode::List ||
         Info->Op == Opcode::Dict || Info->Op == Opcode::Appends ||
         Info->Op == Opcode::SetItems || Info->Op == Opcode::Inst ||
         Info->Op == Opcode::Obj || Info->Op == Opcode::AddItems ||
         Info->Op == Opcode::FrozenSet || Info->Op == Opcode::PopMark) &&
        Indent)
      --Indent;
    OS << format("%8llu: ", (unsigned long long)Off);
    uint8_t Byte = uint8_t((*B)[0]);
    if (Byte >= 0x20 && Byte < 0x7f && Byte != '\\')
      OS << Byte << "    ";
    else
      OS << format("\\x%02x ", Byte);
    OS.indent(Indent * 4) << Info->Name;
    auto Arg = [&]() -> Error {
      switch (Info->Arg) {
      case ArgKind::None:
        return Error::success();
      case ArgKind::UInt8: {
        auto V = In.readLE<uint8_t>(Info->Name);
        if (!V)
          return V.takeError();
        OS << ' ' << unsigned(*V);
        return Error::success();
      }
      case ArgKind::UInt16: {
        auto V = In.readLE<uint16_t>(Info->Name);
        if (!V)
          return V.takeError();
        OS << ' ' << *V;
        return Error::success();
      }
      case ArgKind::Int32: {
        auto V = In.readLE<int32_t>(Info->Name);
        if (!V)
          return V.takeError();
        OS << ' ' << *V;
        return Error::success();
      }
      case ArgKind::UInt32: {
        auto V = In.readLE<uint32_t>(Info->Name);
        if (!V)
          return V.takeError();
        OS << ' ' << *V;
        return Error::success();
      }
      case ArgKind::UInt64: {
        auto V = In.readLE<uint64_t>(Info->Name);
        if (!V)
          return V.takeError();
        OS << ' ' << *V;
        return Error::success();
      }
      case ArgKind::Long1:
      case ArgKind::Long4: {
        uint64_t N;
        if (Info->Arg == ArgKind::Long1) {
          auto V = In.readLE<uint8_t>(Info->Name);
          if (!V)
            return V.takeError();
          N = *V;
        } else {
          auto V = In.readLE<int32_t>(Info->Name);
          if (!V)
            return V.takeError();
          if (*V < 0)
            return decodeError(Off, "LONG4 with negative length");
          N = *V;
        }
        auto S = In.take(N, Info->Name);
        if (!S)
          return S.takeError();
        // Decimal text is quadratic in the length: past 4096 bits (as
        // bigIntText in the printer) only the size is shown, and the value
        // is never built.
        if (N > 512) {
          OS << " <int of " << N << " bytes>";
          return Error::success();
        }
        Checkpoint Tmp;
        Value *V = makeIntFromLE(Tmp, *S);
        if (auto *I = dyn_cast<IntValue>(V))
          OS << ' ' << I->getValue();
        else
          OS << ' ' << toString(cast<BigIntValue>(V)->getValue(), 10, true);
        return Error::success();
      }
      case ArgKind::String1:
      case ArgKind::String4:
      case ArgKind::String4Signed:
      case ArgKind::String8: {
        uint64_t N;
        if (Info->Arg == ArgKind::String1) {
          auto V = In.readLE<uint8_t>(Info->Name);
          if (!V)
            return V.takeError();
          N = *V;
        } else if (Info->Arg == ArgKind::String8) {
          auto V = In.readLE<uint64_t>(Info->Name);
          if (!V)
            return V.takeError();
          N = *V;
        } else {
          auto V = In.readLE<int32_t>(Info->Name);
          if (!V)
            return V.takeError();
          N = uint32_t(*V);
        }
        auto S = In.take(N, Info->Name);
        if (!S)
          return S.takeError();
        OS << " '";
        OS.write_escaped(S->take_front(200));
        OS << (S->size() > 200 ? "'..." : "'");
        return Error::success();
      }
      case ArgKind::Float8BE: {
        auto S = In.take(8, Info->Name);
        if (!S)
          return S.takeError();
        uint64_t U =
            support::endian::read<uint64_t, llvm::endianness::big>(S->data());
        double D;
        std::memcpy(&D, &U, sizeof(D));
        OS << ' ' << format("%.17g", D);
        return Error::success();
      }
      case ArgKind::TwoLines: {
        auto A = In.line(Info->Name);
        if (!A)
          return A.takeError();
        auto N = In.line(Info->Name);
        if (!N)
          return N.takeError();
        OS << " '" << *A << ' ' << *N << "'";
        return Error::success();
      }
      default: {
        auto L = In.line(Info->Name);
        if (!L)
          return L.takeError();
        OS << ' ';
        OS.write_escaped(*L);
        return Error::success();
      }
      }
    };
    if (Error E = Arg())
      return E;
    OS << '\n';
    if (Info->Op == Opcode::Mark)
      ++Indent;
    if (Info->Op == Opcode::Stop) {
      if (EndOut)
        *EndOut = In.tell();
      return Error::success();
    }
  }
}
