//===- DTypeConversion.cpp - Exact element conversions --------------------===//
//
// Part of ckpt-migrate. Float conversions go through llvm::APFloat, whose
// formats include torch's float8 family (float8_e4m3fn is APFloat's
// Float8E4M3FN, float8_e5m2fnuz its Float8E5M2FNUZ, ...): every bit pattern
// of an 8- or 16-bit source is converted once into a table, and APFloat
// reports any conversion that would lose information, so a widening listed
// here that were not exact would fail instead of changing a value. Tested
// against torch 2.6's own `.to()` on every bit pattern
// (test/Torch26/downgrade-1.13.test).
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/DTypeConversion.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APInt.h"
#include "llvm/Support/Endian.h"
#include <cstring>
#include <map>
#include <mutex>

using namespace llvm;

namespace ckpt {

ArrayRef<DType> getExactWidenings(DType From) {
  switch (From) {
  case DType::Float16:
  case DType::BFloat16: {
    static const DType W[] = {DType::Float32, DType::Float64};
    return W;
  }
  case DType::Float32: {
    static const DType W[] = {DType::Float64};
    return W;
  }
  case DType::Float8E5M2:
  case DType::Float8E4M3FN:
  case DType::Float8E5M2FNUZ:
  case DType::Float8E4M3FNUZ: {
    static const DType W[] = {DType::Float16, DType::Float32, DType::Float64};
    return W;
  }
  // 2^-127 .. 2^127: beyond float16's range.
  case DType::Float8E8M0FNU: {
    static const DType W[] = {DType::Float32, DType::Float64};
    return W;
  }
  case DType::Bool: {
    static const DType W[] = {DType::UInt8};
    return W;
  }
  case DType::UInt16: {
    static const DType W[] = {DType::Int32, DType::Int64};
    return W;
  }
  case DType::UInt32:
  case DType::UInt64: {
    static const DType W[] = {DType::Int64};
    return W;
  }
  case DType::Complex32: {
    static const DType W[] = {DType::Complex64, DType::Complex128};
    return W;
  }
  case DType::Complex64: {
    static const DType W[] = {DType::Complex128};
    return W;
  }
  default:
    return {};
  }
}

namespace {

/// The APFloat format of a float dtype; null for the others.
const fltSemantics *getSemantics(DType T) {
  switch (T) {
  case DType::Float64:
    return &APFloat::IEEEdouble();
  case DType::Float32:
    return &APFloat::IEEEsingle();
  case DType::Float16:
    return &APFloat::IEEEhalf();
  case DType::BFloat16:
    return &APFloat::BFloat();
  case DType::Float8E5M2:
    return &APFloat::Float8E5M2();
  case DType::Float8E4M3FN:
    return &APFloat::Float8E4M3FN();
  case DType::Float8E5M2FNUZ:
    return &APFloat::Float8E5M2FNUZ();
  case DType::Float8E4M3FNUZ:
    return &APFloat::Float8E4M3FNUZ();
  default:
    return nullptr;
  }
}

/// Whether \p T encodes NaNs as IEEE 754 does (all-ones exponent, any
/// non-zero payload).
bool hasIEEENaNs(DType T) {
  return T == DType::Float16 || T == DType::BFloat16 || T == DType::Float32 ||
         T == DType::Float8E5M2;
}

/// Writes the \p Bytes low bytes of \p V little-endian.
void writeLE(char *Out, uint64_t V, unsigned Bytes) {
  for (unsigned I = 0; I != Bytes; ++I)
    Out[I] = char(V >> (8 * I));
}

/// The value of float8_e8m0fnu pattern \p Bits: 2^(Bits - 127), NaN for
/// 0xff. LLVM 19's APFloat has no such format, so it is decoded here; the
/// value is then an exact power of two in APFloat.
APFloat decodeE8M0(unsigned Bits, const fltSemantics &To) {
  if (Bits == 0xff)
    return APFloat::getQNaN(To);
  return scalbn(APFloat::getOne(To), int(Bits) - 127,
                APFloat::rmNearestTiesToEven);
}

/// Builds the table of a float source of 8 or 16 bits; an error naming the
/// first pattern whose conversion is not exact.
Expected<std::shared_ptr<const std::vector<char>>> buildTable(DType From,
                                                              DType To) {
  const fltSemantics *ToSem = getSemantics(To);
  const fltSemantics *FromSem = getSemantics(From);
  unsigned InBits = getDTypeSize(From) * 8, OutSize = getDTypeSize(To);
  auto Table =
      std::make_shared<std::vector<char>>((size_t(1) << InBits) * OutSize);
  for (uint64_t P = 0, E = uint64_t(1) << InBits; P != E; ++P) {
    APFloat V = From == DType::Float8E8M0FNU
                    ? decodeE8M0(unsigned(P), *ToSem)
                    : APFloat(*FromSem, APInt(InBits, P));
    uint64_t Bits;
    bool LosesInfo = false;
    if (V.isNaN() && hasIEEENaNs(From)) {
      // A NaN of an IEEE-style format keeps its sign and payload, shifted
      // into the wider mantissa and not quieted: bit for bit what numpy and
      // torch make of a float16 or bfloat16 NaN (APFloat would quiet a
      // signaling one).
      unsigned InMant = APFloat::semanticsPrecision(*FromSem) - 1;
      unsigned OutMant = APFloat::semanticsPrecision(*ToSem) - 1;
      unsigned OutBits = OutSize * 8;
      uint64_t Sign = P >> (InBits - 1);
      uint64_t Payload = P & ((uint64_t(1) << InMant) - 1);
      uint64_t ExpMask = ((uint64_t(1) << (OutBits - 1 - OutMant)) - 1)
                         << OutMant;
      Bits =
          (Sign << (OutBits - 1)) | ExpMask | (Payload << (OutMant - InMant));
      writeLE(Table->data() + P * OutSize, Bits, OutSize);
      continue;
    }
    if (From != DType::Float8E8M0FNU)
      V.convert(*ToSem, APFloat::rmNearestTiesToEven, &LosesInfo);
    // The other NaNs (float8's, which have no payload) stay NaNs of the
    // same sign.
    if (LosesInfo && !V.isNaN()) {
      return makeError("converting {0} to {1} is not exact (bit pattern "
                       "{2:x})",
                       getDTypeIRName(From), getDTypeIRName(To), P);
    }
    writeLE(Table->data() + P * OutSize, V.bitcastToAPInt().getZExtValue(),
            OutSize);
  }
  return Table;
}

bool f32ToF64(const char *In, char *Out) {
  float F;
  uint32_t U = support::endian::read32le(In);
  std::memcpy(&F, &U, 4);
  double D = F; // exact: every float is a double
  uint64_t W;
  std::memcpy(&W, &D, 8);
  support::endian::write64le(Out, W);
  return true;
}

bool copyByte(const char *In, char *Out) {
  *Out = *In;
  return true;
}

bool u16ToI32(const char *In, char *Out) {
  support::endian::write32le(Out, support::endian::read16le(In));
  return true;
}

bool u16ToI64(const char *In, char *Out) {
  support::endian::write64le(Out, support::endian::read16le(In));
  return true;
}

bool u32ToI64(const char *In, char *Out) {
  support::endian::write64le(Out, support::endian::read32le(In));
  return true;
}

bool u64ToI64(const char *In, char *Out) {
  uint64_t V = support::endian::read64le(In);
  if (V >> 63)
    return false;
  support::endian::write64le(Out, V);
  return true;
}

/// The real-valued dtype of the parts of a complex dtype.
std::optional<DType> getComplexPart(DType T) {
  switch (T) {
  case DType::Complex32:
    return DType::Float16;
  case DType::Complex64:
    return DType::Float32;
  case DType::Complex128:
    return DType::Float64;
  default:
    return std::nullopt;
  }
}

} // namespace

Expected<ExactConversion> ExactConversion::get(DType From, DType To) {
  if (!is_contained(getExactWidenings(From), To))
    return makeError("{0} -> {1} is not an exact conversion",
                     getDTypeIRName(From), getDTypeIRName(To));
  ExactConversion C(From, To);
  // A complex number converts as its two parts.
  DType PartFrom = getComplexPart(From).value_or(From);
  DType PartTo = getComplexPart(To).value_or(To);

  bool FloatSource = getSemantics(PartFrom) || PartFrom == DType::Float8E8M0FNU;
  if (FloatSource && getDTypeSize(PartFrom) <= 2) {
    // Tables are shared by every conversion of the same pair.
    static std::mutex Lock;
    static std::map<std::pair<DType, DType>,
                    std::shared_ptr<const std::vector<char>>>
        Cache;
    std::lock_guard<std::mutex> Guard(Lock);
    auto &Slot = Cache[{PartFrom, PartTo}];
    if (!Slot) {
      auto T = buildTable(PartFrom, PartTo);
      if (!T)
        return T.takeError();
      Slot = std::move(*T);
    }
    C.Table = Slot;
    return C;
  }
  if (PartFrom == DType::Float32 && PartTo == DType::Float64)
    C.Fn = f32ToF64;
  else if (From == DType::Bool && To == DType::UInt8)
    C.Fn = copyByte;
  else if (From == DType::UInt16)
    C.Fn = To == DType::Int32 ? u16ToI32 : u16ToI64;
  else if (From == DType::UInt32)
    C.Fn = u32ToI64;
  else if (From == DType::UInt64)
    C.Fn = u64ToI64;
  else
    return makeError("{0} -> {1} has no conversion routine",
                     getDTypeIRName(From), getDTypeIRName(To));
  return C;
}

std::optional<uint64_t> ExactConversion::convert(const char *In, char *Out,
                                                 uint64_t N) const {
  // Complex elements are pairs of parts.
  uint64_t Parts = getComplexPart(From) ? 2 * N : N;
  unsigned InSize = getDTypeSize(From), OutSize = getDTypeSize(To);
  if (getComplexPart(From)) {
    InSize /= 2;
    OutSize /= 2;
  }
  if (Table) {
    const char *T = Table->data();
    for (uint64_t I = 0; I != Parts; ++I) {
      uint64_t P =
          InSize == 1 ? uint8_t(In[I]) : support::endian::read16le(In + 2 * I);
      std::memcpy(Out + I * OutSize, T + P * OutSize, OutSize);
    }
    return std::nullopt;
  }
  for (uint64_t I = 0; I != Parts; ++I)
    if (!Fn(In + I * InSize, Out + I * OutSize))
      return getComplexPart(From) ? I / 2 : I;
  return std::nullopt;
}

} // namespace ckpt
