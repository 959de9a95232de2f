//===- lowering-fuzzer.cpp - libFuzzer target for reading and lowering ---===//
//
// Part of ckpt-migrate. Runs the whole reader (container, every pickle,
// storage resolution, lowering into typed nodes) on arbitrary bytes. What it
// accepts must pass the IR verifier, print, and write back out in every
// container: a checkpoint the reader builds but the writer cannot handle
// gracefully is a bug in one of them.
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/Checkpoint.h"
#include "ckpt/IR/Printer.h"
#include "ckpt/IR/Reports.h"
#include "ckpt/IR/Verifier.h"
#include "ckpt/Reader/Reader.h"
#include "ckpt/Writer/Writer.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

using namespace ckpt;
using namespace llvm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  StringRef Bytes(reinterpret_cast<const char *>(Data), Size);
  // Inside the -rss_limit_mb run-fuzzers.sh gives, ASan's overhead on top.
  ReaderOptions Opts;
  Opts.MemoryLimit = uint64_t(256) << 20;
  auto C = readCheckpoint(MemoryBuffer::getMemBuffer(
                              Bytes, "fuzz", /*RequiresNullTerminator=*/false),
                          Opts);
  if (!C) {
    consumeError(C.takeError());
    return 0;
  }
  if (Error E = verifyCheckpoint(**C)) {
    // The reader must never build IR its own verifier rejects.
    errs() << toString(std::move(E)) << "\n";
    abort();
  }
  raw_null_ostream Null;
  printCheckpoint(Null, **C);
  printTensorListing(Null, **C);
  printSummary(Null, **C);
  for (ContainerKind K : {ContainerKind::Legacy, ContainerKind::Zip}) {
    Encoding Enc;
    Enc.Container = K;
    consumeError(writeCheckpoint(**C, Null, Enc));
  }
  return 0;
}
