//===- ReleaseVersion.cpp - PyTorch release numbers -----------------------===//
//
// Part of ckpt-migrate.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Support/ReleaseVersion.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

using namespace llvm;

namespace ckpt {

std::optional<ReleaseVersion> parseReleaseVersion(StringRef S) {
  SmallVector<StringRef, 3> Parts;
  S.split(Parts, '.');
  if (Parts.size() != 2 && Parts.size() != 3)
    return std::nullopt;
  unsigned N[3] = {0, 0, 0};
  for (size_t I = 0; I < Parts.size(); ++I) {
    StringRef P = Parts[I];
    if (P.empty() || !all_of(P, isDigit) ||
        (P.size() > 1 && P.front() == '0') || P.size() > 6 ||
        P.getAsInteger(10, N[I]))
      return std::nullopt;
  }
  ReleaseVersion V;
  V.Major = N[0];
  V.Minor = N[1];
  if (Parts.size() == 3)
    V.Patch = N[2];
  return V;
}

} // namespace ckpt
