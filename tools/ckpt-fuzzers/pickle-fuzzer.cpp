//===- pickle-fuzzer.cpp - libFuzzer target for the pickle machine -------===//
//
// Part of ckpt-migrate. Interprets arbitrary bytes as a pickle (persistent
// ids left as references), prints the resulting graph, and disassembles the
// same bytes: neither may crash, hang or read outside the input.
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/Checkpoint.h"
#include "ckpt/IR/Printer.h"
#include "ckpt/Pickle/Disassembler.h"
#include "ckpt/Pickle/Unpickler.h"
#include "llvm/Support/raw_ostream.h"

using namespace ckpt;
using namespace llvm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  StringRef Bytes(reinterpret_cast<const char *>(Data), Size);
  raw_null_ostream Null;
  {
    Checkpoint C;
    if (auto R = pickle::unpickle(C, Bytes, /*BaseOffset=*/0)) {
      C.setRoot(R->Root);
      printCheckpoint(Null, C);
    } else {
      consumeError(R.takeError());
    }
  }
  consumeError(pickle::disassemble(Null, Bytes, /*BaseOffset=*/0));
  return 0;
}
