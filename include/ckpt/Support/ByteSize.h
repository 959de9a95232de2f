//===- ckpt/Support/ByteSize.h - Sizes like 512M, 1G -----------*- C++ -*-===//
//
// Part of ckpt-migrate. Parses the sizes users give options (`-memory-limit`,
// `-scan-max-inflated`): a count of bytes with an optional binary suffix.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_SUPPORT_BYTESIZE_H
#define CKPT_SUPPORT_BYTESIZE_H

#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>

namespace ckpt {

/// Parses "4096", "64K", "512M", "2G", "1T" (also "2GiB", "2GB"; suffixes are
/// powers of 1024, case-insensitive). None on anything else or on overflow.
std::optional<uint64_t> parseByteSize(llvm::StringRef Text);

} // namespace ckpt

#endif // CKPT_SUPPORT_BYTESIZE_H
