//===- ckpt/Container/Safetensors.h - The safetensors layout ----*- C++ -*-===//
//
// Part of ckpt-migrate. The byte layout of a safetensors file: an 8-byte
// little-endian header length N, N bytes of JSON (a map from tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} plus an optional
// "__metadata__" map of strings), padded with spaces, then the tensors'
// bytes, offsets relative to the end of the header.
//
// Parsed with llvm::json; every rule the safetensors library enforces when
// loading is checked here, so a hostile header is an error with an offset
// before anything is built from it.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_CONTAINER_SAFETENSORS_H
#define CKPT_CONTAINER_SAFETENSORS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ckpt {

/// One tensor of a safetensors file.
struct SafetensorsTensor {
  std::string Name;
  /// The format's dtype name ("F32", "BF16", "F8_E4M3", ...).
  std::string DType;
  llvm::SmallVector<int64_t, 4> Shape;
  /// Byte range of its data, relative to the data start.
  uint64_t Begin = 0, End = 0;
};

/// The parsed header of a safetensors file.
struct SafetensorsHeader {
  /// Tensors by ascending data offset.
  std::vector<SafetensorsTensor> Tensors;
  /// `__metadata__`, sorted by key.
  std::vector<std::pair<std::string, std::string>> Metadata;
  /// File offset of the data (8 + the header's length).
  uint64_t DataStart = 0;
};

/// `__metadata__` entries ckpt-migrate writes for what the format has no
/// place for, and reads back (other tools keep them as strings):
/// - the state dict's `_metadata` (module versions), as JSON in order:
///   `[[prefix, [[key, value], ...]], ...]`, values int, float, str, bool or
///   null;
constexpr llvm::StringLiteral SafetensorsModuleVersionsKey =
    "ckpt-migrate.module_versions";
/// - tensors that view another's storage (tied weights, views), which the
///   format cannot hold twice: `[[name, stored tensor, storage offset in
///   elements, [shape], [stride]], ...]`;
constexpr llvm::StringLiteral SafetensorsAliasesKey = "ckpt-migrate.aliases";
/// - the state dict's order of names, when it is not the order of the data
///   (which puts larger elements first): `[name, ...]`.
constexpr llvm::StringLiteral SafetensorsOrderKey = "ckpt-migrate.order";

/// The largest header the safetensors library accepts (100 MB).
constexpr uint64_t MaxSafetensorsHeader = 100'000'000;

/// Bytes per element of a safetensors dtype name; 0 if unknown.
unsigned getSafetensorsDTypeSize(llvm::StringRef DType);

/// Parses and checks the header of \p Buf: the length and its bound, UTF-8
/// JSON that is an object, each entry's fields, known dtypes, shapes whose
/// byte size matches the range, ranges that tile the data from 0 to the end
/// of the file without hole or overlap, and `__metadata__` of strings.
/// Errors are DecodeErrors with the offset of the fault.
llvm::Expected<SafetensorsHeader>
parseSafetensorsHeader(llvm::MemoryBufferRef Buf);

/// The bytes that start a safetensors file holding \p Tensors (in data
/// order, their ranges tiling from 0) and \p Metadata (written when not
/// empty): the length, then the JSON, entries in the order given, padded
/// with spaces to a multiple of 8 bytes as the safetensors library pads.
std::string buildSafetensorsHeader(
    llvm::ArrayRef<SafetensorsTensor> Tensors,
    llvm::ArrayRef<std::pair<std::string, std::string>> Metadata);

} // namespace ckpt

#endif // CKPT_CONTAINER_SAFETENSORS_H
