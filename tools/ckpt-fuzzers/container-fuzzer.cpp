//===- container-fuzzer.cpp - libFuzzer target for container parsing -----===//
//
// Part of ckpt-migrate. Feeds arbitrary bytes to container identification
// and to the zip and tar readers, then walks whatever members they return:
// every byte range handed out must lie inside the buffer.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Container/Archive.h"
#include "ckpt/Container/Container.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

using namespace ckpt;
using namespace llvm;

static void checkMembers(ArrayRef<ArchiveMember> Members, size_t Size) {
  for (const ArchiveMember &M : Members)
    if (M.DataOffset > Size || M.Size > Size - M.DataOffset)
      abort(); // A member claiming bytes outside the file is a reader bug.
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  StringRef Bytes(reinterpret_cast<const char *>(Data), Size);
  MemoryBufferRef Buf(Bytes, "fuzz");
  consumeError(identifyContainer(Buf).takeError());
  if (auto Zip = ZipArchive::create(Buf))
    checkMembers(Zip->members(), Size);
  else
    consumeError(Zip.takeError());
  if (auto Tar = TarArchive::create(Buf))
    checkMembers(Tar->members(), Size);
  else
    consumeError(Tar.takeError());
  raw_null_ostream Null;
  consumeError(printContainerListing(Null, Buf));
  return 0;
}
