//===- AtomicFile.cpp - Outputs that appear whole or not ------------------===//
//
// Part of ckpt-migrate. A temporary beside the output, renamed into place.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Support/AtomicFile.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

Error ckpt::writeFileAtomically(StringRef Path,
                                function_ref<Error(int FD)> Write) {
  // A device, pipe or socket (`-o /dev/null`, a FIFO) is written in place:
  // renaming a temporary over it would replace /dev/null with a file.
  sys::fs::file_status St;
  if (!sys::fs::status(Path, St) && sys::fs::exists(St) &&
      !sys::fs::is_regular_file(St) && !sys::fs::is_directory(St)) {
    int FD;
    if (std::error_code EC = sys::fs::openFileForWrite(
            Path, FD, sys::fs::CD_OpenExisting, sys::fs::OF_None))
      return createFileError(Path, errorCodeToError(EC));
    Error E = Write(FD);
    std::error_code CEC = sys::fs::closeFile(FD);
    if (E)
      return E;
    if (CEC)
      return createFileError(Path, errorCodeToError(CEC));
    return Error::success();
  }
  SmallString<256> Model(Path);
  sys::path::remove_filename(Model);
  sys::path::append(Model, "." + sys::path::filename(Path) + ".tmp-%%%%%%%%");
  auto Temp = sys::fs::TempFile::create(Model);
  if (!Temp)
    return createFileError(Path, Temp.takeError());
  if (Error E = Write(Temp->FD)) {
    consumeError(Temp->discard());
    return E;
  }
  if (Error E = Temp->keep(Path))
    return createFileError(Path, std::move(E));
  return Error::success();
}

Error ckpt::writeTextFileAtomically(StringRef Path,
                                    function_ref<Error(raw_ostream &)> Write) {
  return writeFileAtomically(Path, [&](int FD) -> Error {
    raw_fd_ostream OS(FD, /*shouldClose=*/false);
    if (Error E = Write(OS))
      return E;
    OS.flush();
    if (std::error_code EC = OS.error()) {
      OS.clear_error();
      return createFileError(Path, errorCodeToError(EC));
    }
    return Error::success();
  });
}
