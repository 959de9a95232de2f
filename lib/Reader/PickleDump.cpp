//===- PickleDump.cpp - -dump-pickle: every pickle of a file --------------===//
//
// Part of ckpt-migrate. Finds the pickles of each container (a legacy
// stream's five, a zip's *.pkl records, a tar's members) and disassembles
// them with their file offsets.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Reader/PickleDump.h"
#include "ckpt/Container/Archive.h"
#include "ckpt/Container/Container.h"
#include "ckpt/Pickle/Disassembler.h"
#include "ckpt/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace ckpt {

Error dumpCheckpointPickles(raw_ostream &OS, MemoryBufferRef Buf) {
  auto Kind = identifyContainer(Buf);
  if (!Kind)
    return Kind.takeError();
  StringRef Bytes = Buf.getBuffer();
  switch (*Kind) {
  case ContainerKind::Legacy: {
    uint64_t Pos = 0;
    for (StringRef Name : getLegacyPickleNames()) {
      OS << "; pickle: " << Name << '\n';
      uint64_t End;
      if (Error E = pickle::disassemble(OS, Bytes.substr(Pos), Pos, &End))
        return E;
      Pos += End;
    }
    OS << "; storage records start at offset " << Pos << '\n';
    return Error::success();
  }
  case ContainerKind::Zip: {
    auto Zip = ZipArchive::create(Buf);
    if (!Zip)
      return Zip.takeError();
    for (const ArchiveMember &M : Zip->members()) {
      if (!StringRef(M.Name).ends_with(".pkl"))
        continue;
      OS << "; pickle: " << M.Name << '\n';
      if (Error E = pickle::disassemble(OS, Zip->getData(M), M.DataOffset))
        return E;
    }
    return Error::success();
  }
  case ContainerKind::Tar: {
    auto Tar = TarArchive::create(Buf);
    if (!Tar)
      return Tar.takeError();
    for (StringRef Name : {"sys_info", "pickle"}) {
      const ArchiveMember *M = Tar->find(Name);
      if (!M)
        continue;
      OS << "; pickle: " << Name << '\n';
      if (Error E = pickle::disassemble(OS, Tar->getData(*M), M->DataOffset))
        return E;
    }
    return Error::success();
  }
  case ContainerKind::Pickle:
    return pickle::disassemble(OS, Bytes, 0);
  case ContainerKind::Safetensors:
    return makeError("a safetensors file holds no pickle (-list-records "
                     "shows its header)");
  case ContainerKind::DCP:
    break;
  }
  return Error::success();
}

} // namespace ckpt
