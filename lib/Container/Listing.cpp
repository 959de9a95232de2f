//===- Listing.cpp - Print the members of a checkpoint container ----------===//
//
// Part of ckpt-migrate. The text behind `ckpt-migrate -list-records`: one
// line for the container kind, then one line per member with its byte range.
// The format is stable (lit tests FileCheck it):
//
//   container: zip
//   root: archive
//   record data.pkl offset 64 size 161 crc32 0x9091f4df align64 yes
//
//   container: tar
//   member sys_info offset 1536 size 102
//
//===----------------------------------------------------------------------===//

#include "ckpt/Container/Archive.h"
#include "ckpt/Container/Container.h"
#include "ckpt/Container/Safetensors.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace ckpt {

Error printContainerListing(raw_ostream &OS, MemoryBufferRef Buf) {
  Expected<ContainerKind> Kind = identifyContainer(Buf);
  if (!Kind)
    return Kind.takeError();

  // Parse before printing anything, so that a broken archive prints only the
  // error.
  switch (*Kind) {
  case ContainerKind::Zip: {
    Expected<ZipArchive> Zip = ZipArchive::create(Buf);
    if (!Zip)
      return Zip.takeError();
    OS << "container: " << getContainerKindName(*Kind) << '\n';
    OS << "root: " << Zip->getRootName() << '\n';
    size_t RootLen = Zip->getRootName().size() + 1;
    for (const ArchiveMember &M : Zip->members())
      OS << "record " << StringRef(M.Name).drop_front(RootLen) << " offset "
         << M.DataOffset << " size " << M.Size << " crc32 "
         << format("0x%08x", M.CRC32) << " align64 "
         << (M.DataOffset % 64 == 0 ? "yes" : "no") << '\n';
    return Error::success();
  }
  case ContainerKind::Tar: {
    Expected<TarArchive> Tar = TarArchive::create(Buf);
    if (!Tar)
      return Tar.takeError();
    OS << "container: " << getContainerKindName(*Kind) << '\n';
    for (const ArchiveMember &M : Tar->members())
      OS << "member " << M.Name << " offset " << M.DataOffset << " size "
         << M.Size << '\n';
    return Error::success();
  }
  case ContainerKind::Safetensors: {
    Expected<SafetensorsHeader> H = parseSafetensorsHeader(Buf);
    if (!H)
      return H.takeError();
    OS << "container: " << getContainerKindName(*Kind) << '\n';
    OS << "header: offset 8 size " << H->DataStart - 8 << '\n';
    for (const auto &[K, V] : H->Metadata)
      OS << "metadata " << K << " size " << V.size() << '\n';
    for (const SafetensorsTensor &T : H->Tensors) {
      OS << "tensor " << T.Name << " " << T.DType << " [";
      interleave(T.Shape, OS, ",");
      OS << "] offset " << H->DataStart + T.Begin << " size " << T.End - T.Begin
         << '\n';
    }
    return Error::success();
  }
  case ContainerKind::Legacy:
  case ContainerKind::Pickle:
    OS << "container: " << getContainerKindName(*Kind) << '\n';
    return Error::success();
  case ContainerKind::DCP:
    break; // a directory, never identified from bytes
  }
  llvm_unreachable("unknown ContainerKind");
}

} // namespace ckpt
