//===- ir-parser-fuzzer.cpp - libFuzzer target for the textual IR parser -===//
//
// Part of ckpt-migrate. Parses arbitrary text as .ckir; what parses must
// print, and the printed form must parse again (the round trip the IR
// promises).
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/Checkpoint.h"
#include "ckpt/IR/Parser.h"
#include "ckpt/IR/Printer.h"
#include "ckpt/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

using namespace ckpt;
using namespace llvm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  StringRef Text(reinterpret_cast<const char *>(Data), Size);
  auto C = parseCheckpointText(
      MemoryBuffer::getMemBufferCopy(Text, "fuzz.ckir"));
  if (!C) {
    consumeError(C.takeError());
    return 0;
  }
  if (Error E = verifyCheckpoint(**C)) {
    consumeError(std::move(E));
    return 0;
  }
  std::string Printed;
  raw_string_ostream OS(Printed);
  PrintOptions Opts;
  Opts.InlineData = true;
  printCheckpoint(OS, **C, Opts);
  auto Again = parseCheckpointText(
      MemoryBuffer::getMemBufferCopy(Printed, "printed.ckir"));
  if (!Again) {
    errs() << "printed IR does not parse: " << toString(Again.takeError())
           << "\n"
           << Printed;
    abort();
  }
  return 0;
}
