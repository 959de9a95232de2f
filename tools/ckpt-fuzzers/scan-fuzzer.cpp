//===- scan-fuzzer.cpp - libFuzzer target for -scan -----------------------===//
//
// Part of ckpt-migrate. Runs `-scan` (every pickle of every container,
// deflated zip records inflated as a stream) on arbitrary bytes, and prints
// the report in both formats. -scan exists for files nobody trusts: it must
// finish on anything, within its memory limit, and its report must account
// for every pickle it found.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Scan/Scan.h"
#include "ckpt/Target/TargetSpec.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

using namespace ckpt;
using namespace llvm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  StringRef Bytes(reinterpret_cast<const char *>(Data), Size);
  ScanOptions Opts;
  // Well inside the -rss_limit_mb run-fuzzers.sh gives (ASan's own overhead
  // comes on top), so that a runaway is this limit's error, not an OOM.
  Opts.MemoryLimit = uint64_t(256) << 20;
  Opts.MaxInflatedBytes = uint64_t(16) << 20;
  ScanReport R = scanCheckpoint(MemoryBufferRef(Bytes, "fuzz"),
                                getTargetSpecs().back(), Opts);
  // A clean verdict needs every pickle parsed to its STOP.
  if (R.isClean())
    for (const ScannedPickle &P : R.Pickles)
      if (!P.Error.empty())
        abort();
  raw_null_ostream Null;
  printScanReport(Null, R, "fuzz");
  printScanReportJSON(Null, R, "fuzz");
  return 0;
}
