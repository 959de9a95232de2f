//===- ScanInternals.h - Shared by the scanner and its printers -*- C++ -*-===//
//
// Part of ckpt-migrate. Private to the scan library.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_LIB_SCAN_SCANINTERNALS_H
#define CKPT_LIB_SCAN_SCANINTERNALS_H

#include "llvm/ADT/StringExtras.h"
#include <cstdint>
#include <string>

namespace ckpt {
namespace scan {

/// \p V as the scan writes offsets: `0x` and lower-case hex digits.
inline std::string hex(uint64_t V) {
  return "0x" + llvm::utohexstr(V, /*LowerCase=*/true);
}

} // namespace scan
} // namespace ckpt

#endif // CKPT_LIB_SCAN_SCANINTERNALS_H
