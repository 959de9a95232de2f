//===- ckpt/Container/ZipWriter.h - Write zip archives as torch does -*- C++
//-*-===//
//
// Part of ckpt-migrate. Writes an uncompressed zip archive laid out like
// PyTorch's PyTorchStreamWriter (miniz with MZ_ZIP_FLAG_WRITE_ZIP64): every
// record stored under one root folder, each record's data 64-byte aligned by
// an 'FB' padding extra field, zip64 extra fields when a size or offset needs
// them, and always a zip64 end-of-central-directory record and locator.
//
// Hand-written rather than with libzip: libzip cannot place data at a chosen
// alignment and buffers entries; this writer streams each record once, tensor
// data straight from the input file.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_CONTAINER_ZIPWRITER_H
#define CKPT_CONTAINER_ZIPWRITER_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdint>
#include <string>
#include <vector>

namespace ckpt {

/// Streams records into a zip archive.
class ZipWriter {
public:
  /// Alignment of every record's data, as torch writes it.
  static constexpr uint64_t Alignment = 64;

  ZipWriter(llvm::raw_ostream &OS, llvm::StringRef RootName)
      : OS(OS), Root(RootName.str()) {}

  /// Writes one stored record named `<root>/<Name>` holding \p Data.
  void addRecord(llvm::StringRef Name, llvm::StringRef Data);

  /// Writes one stored record of \p Size bytes with CRC-32 \p CRC whose
  /// data \p WriteData appends to the stream it is given: for bytes the
  /// caller copies from elsewhere (a file range) rather than holds.
  llvm::Error
  addRecord(llvm::StringRef Name, uint64_t Size, uint32_t CRC,
            llvm::function_ref<llvm::Error(llvm::raw_ostream &)> WriteData);

  /// Writes the central directory and end records. No record may follow.
  void finish();

  /// Bytes written so far.
  uint64_t tell() const { return Offset; }

  /// The `.data/serialization_id` torch's PyTorchStreamWriter writes after
  /// the records written so far: 20 decimal digits of a combined hash of
  /// their names, then 20 of a combined hash of their CRC-32s.
  std::string getSerializationId() const;

private:
  /// Writes the local header of a record and notes its entry.
  void beginRecord(llvm::StringRef Name, uint64_t Size, uint32_t CRC);

  struct Entry {
    std::string Name;
    uint64_t HeaderOffset;
    uint64_t Size;
    uint32_t CRC;
  };
  void write(llvm::StringRef S) {
    OS << S;
    Offset += S.size();
  }

  llvm::raw_ostream &OS;
  std::string Root;
  uint64_t Offset = 0;
  std::vector<Entry> Entries;
};

} // namespace ckpt

#endif // CKPT_CONTAINER_ZIPWRITER_H
