//===- ckpt/TableGen/RecordUtils.h - Helpers over TableGen records -*- C++ -*-===//
//
// Part of ckpt-migrate. Locations and lookups over TableGen records shared by
// the pass model (lib/TableGen) and ckpt-tblgen's target backend.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_TABLEGEN_RECORDUTILS_H
#define CKPT_TABLEGEN_RECORDUTILS_H

#include "llvm/ADT/STLFunctionalExtras.h"
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

/// The first character of the value of the field whose name starts at \p L
/// (`name = value`: just after the `=` and any space), or null if there is
/// no `=`; \p End receives the end of its buffer.
const char *getFieldValueStart(const llvm::SourceMgr &SM, llvm::SMLoc L,
                               const char *&End);

/// Walks TableGen value text from \p P, a unit at a time: whitespace and
/// comments are skipped; a string literal (to its closing quote, or to the
/// end of its line if unterminated) and a `[{ code }]` block are one unit
/// each; any other character is a unit of its own. Calls \p Visit(Unit,
/// Depth) with the bracket depth (`<[({`) before the unit; stops when
/// \p Visit returns false, at \p End, or at a closing bracket that would
/// take the depth below 0. Returns where it stopped. For locating list
/// elements and literals, which TableGen keeps no locations for.
const char *scanTableGenValue(
    const char *P, const char *End,
    llvm::function_ref<bool(llvm::StringRef Unit, int Depth)> Visit);

/// The defs deriving from \p ClassName, in definition order; none if the
/// class does not exist.
std::vector<const llvm::Record *>
getDefsInOrder(const llvm::RecordKeeper &Records, llvm::StringRef ClassName);

} // namespace ckpt

#endif // CKPT_TABLEGEN_RECORDUTILS_H
