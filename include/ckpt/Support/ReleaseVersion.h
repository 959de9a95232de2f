//===- ckpt/Support/ReleaseVersion.h - PyTorch release numbers --*- C++ -*-===//
//
// Part of ckpt-migrate. What a release number looks like, in Versions.td, on
// the command line (-target=) and in pass options (release=): one parser for
// ckpt-tblgen, the target tables and the passes.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_SUPPORT_RELEASEVERSION_H
#define CKPT_SUPPORT_RELEASEVERSION_H

#include "llvm/ADT/StringRef.h"
#include <optional>
#include <tuple>

namespace ckpt {

/// A release number: "N.N" or "N.N.N", decimal components without leading
/// zeros, at most 6 digits each.
struct ReleaseVersion {
  unsigned Major = 0, Minor = 0;
  std::optional<unsigned> Patch;
  /// (major, minor, patch), a missing patch as 0: orders releases.
  std::tuple<unsigned, unsigned, unsigned> key() const {
    return {Major, Minor, Patch.value_or(0)};
  }
};

/// Parses \p S as a ReleaseVersion; std::nullopt if it is not one.
std::optional<ReleaseVersion> parseReleaseVersion(llvm::StringRef S);

} // namespace ckpt

#endif // CKPT_SUPPORT_RELEASEVERSION_H
