//===- ckpt/IR/DTypeConversion.h - Exact element conversions ----*- C++ -*-===//
//
// Part of ckpt-migrate. Which dtypes hold every value of which others, and
// the conversions between them: what `widen-dtype` and a downgrade use to
// give an older release a dtype it has instead of one it lacks, without
// changing any value.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_IR_DTYPECONVERSION_H
#define CKPT_IR_DTYPECONVERSION_H

#include "ckpt/IR/DType.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace ckpt {

/// The dtypes every value of \p From converts to exactly, in order of
/// preference (the smallest first): float8 -> f16, f32; uint16 -> i32, i64;
/// complex32 -> c64; ... Empty when there is none. uint64 -> i64 is listed
/// although only values below 2^63 convert: the conversion refuses the
/// others, naming the element.
llvm::ArrayRef<DType> getExactWidenings(DType From);

/// Converts elements of one dtype into another without changing a value.
class ExactConversion {
public:
  /// The conversion \p From -> \p To; an error naming both when \p To is not
  /// one of getExactWidenings(\p From).
  static llvm::Expected<ExactConversion> get(DType From, DType To);

  DType getFrom() const { return From; }
  DType getTo() const { return To; }

  /// Converts the \p N elements at \p In (little-endian, getDTypeSize(From)
  /// bytes each) into \p Out (getDTypeSize(To) bytes each). Returns the index
  /// of the first element that has no exact counterpart (only possible for
  /// uint64 -> int64), or std::nullopt when all converted.
  std::optional<uint64_t> convert(const char *In, char *Out, uint64_t N) const;

private:
  using ElementFn = bool (*)(const char *In, char *Out);
  ExactConversion(DType From, DType To) : From(From), To(To) {}

  DType From, To;
  /// For 8- and 16-bit float sources: the converted bytes of every input
  /// bit pattern (2^8 or 2^16 entries of getDTypeSize(To) bytes), built once
  /// with llvm::APFloat, which checks each is exact.
  std::shared_ptr<const std::vector<char>> Table;
  /// For the others: converts one element; false when it has no exact
  /// counterpart.
  ElementFn Fn = nullptr;
};

} // namespace ckpt

#endif // CKPT_IR_DTYPECONVERSION_H
