//===- PrinterInternals.h - Shared by the printer and reports ---*- C++ -*-===//
//
// Part of ckpt-migrate. Private to the IR library.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_LIB_IR_PRINTERINTERNALS_H
#define CKPT_LIB_IR_PRINTERINTERNALS_H

#include "llvm/ADT/APInt.h"
#include <string>

namespace ckpt {

/// An int of any size as the textual IR prints it: in decimal up to 4096
/// bits, in hex beyond (`-0x1f...`).
std::string bigIntText(const llvm::APInt &V);

} // namespace ckpt

#endif // CKPT_LIB_IR_PRINTERINTERNALS_H
