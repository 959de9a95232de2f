//===- Batch.cpp - Many inputs into one directory -------------------------===//
//
// Part of ckpt-migrate. Each file is independent and written atomically; a
// thread pool migrates up to -j at once, and each file's diagnostics are
// printed together.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Migrate/Migrate.h"
#include "ckpt/Support/Diagnostics.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <mutex>

using namespace llvm;

namespace ckpt {

unsigned migrateFiles(ArrayRef<std::string> Inputs, StringRef Dir,
                      const MigrateOptions &Opts, unsigned Jobs, bool Ticker,
                      raw_ostream &Diag) {
  StringRef ToolName = Opts.ToolName;
  if (std::error_code EC = sys::fs::create_directories(Dir)) {
    reportError(Diag, ToolName, Dir, errorCodeToError(EC));
    return Inputs.size();
  }
  // Two inputs of one name would overwrite each other's result.
  std::vector<std::string> Outputs;
  StringMap<StringRef> ByName;
  for (const std::string &In : Inputs) {
    StringRef Name = sys::path::filename(In);
    auto [It, New] = ByName.try_emplace(Name, In);
    if (!New) {
      reportError(Diag, ToolName, "",
                  makeError("'{0}' and '{1}' would both be written to {2}/{3}",
                            It->second, In, Dir, Name));
      return Inputs.size();
    }
    SmallString<256> Out(Dir);
    sys::path::append(Out, Name);
    Outputs.push_back(std::string(Out));
  }

  std::mutex Lock;
  unsigned Done = 0, Failed = 0;
  DefaultThreadPool Pool(hardware_concurrency(std::max(1u, unsigned(Jobs))));
  for (size_t I = 0; I != Inputs.size(); ++I)
    Pool.async([&, I] {
      StringRef In = Inputs[I], Out = Outputs[I];
      // Each file's diagnostics are printed together, not interleaved.
      std::string Log;
      raw_string_ostream FileDiag(Log);
      bool OK;
      sys::fs::UniqueID InID, OutID;
      if (!sys::fs::getUniqueID(In, InID) &&
          !sys::fs::getUniqueID(Out, OutID) && InID == OutID) {
        reportError(FileDiag, ToolName, Out,
                    makeError("output file is the input file"));
        OK = false;
      } else {
        OK = migrateFile(In, Out, Opts, FileDiag);
      }
      std::lock_guard<std::mutex> G(Lock);
      Diag << Log;
      ++Done;
      Failed += !OK;
      if (Ticker)
        Diag << formatv("[{0}/{1}] {2} {3}\n", Done, Inputs.size(),
                        OK ? "migrated" : "FAILED", In);
    });
  Pool.wait();
  Diag << formatv("{0} of {1} files migrated, {2} failed\n",
                  Inputs.size() - Failed, Inputs.size(), Failed);
  return Failed;
}

} // namespace ckpt
