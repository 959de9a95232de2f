//===- ckpt/TableGen/RecordUtils.h - Helpers over TableGen records -*- C++ -*-===//
//
// Part of ckpt-migrate. Locations and lookups over TableGen records shared by
// the pass model (lib/TableGen) and ckpt-tblgen's target backend.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_TABLEGEN_RECORDUTILS_H
#define CKPT_TABLEGEN_RECORDUTILS_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"
#include <vector>

namespace llvm {
class Record;
class RecordKeeper;
class SourceMgr;
} // namespace llvm

namespace ckpt {

/// \p R's locations (the def, then any multiclass instantiation notes).
llvm::SmallVector<llvm::SMLoc, 2> getRecordLocs(const llvm::Record &R);

/// \p R's locations with the first replaced by \p L.
llvm::SmallVector<llvm::SMLoc, 2> getRecordLocsAt(llvm::SMLoc L,
                                                  const llvm::Record &R);

/// The location of the name of field \p Field if the def's own body sets it
/// (`let rules = ...` inside `def X : Pass<...> { }`), else invalid.
llvm::SMLoc getOwnFieldLoc(const llvm::SourceMgr &SM, const llvm::Record &R,
                           llvm::StringRef Field);

/// Skips whitespace and `//` / `/* */` comments of TableGen source.
const char *skipTableGenSpace(const char *P, const char *End);

/// The defs deriving from \p ClassName, in definition order; none if the
/// class does not exist.
std::vector<const llvm::Record *>
getDefsInOrder(const llvm::RecordKeeper &Records, llvm::StringRef ClassName);

} // namespace ckpt

#endif // CKPT_TABLEGEN_RECORDUTILS_H
