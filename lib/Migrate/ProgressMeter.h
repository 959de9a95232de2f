//===- ProgressMeter.h - A progress line for long copies --------*- C++ -*-===//
//
// Part of ckpt-migrate (private to lib/Migrate).
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_LIB_MIGRATE_PROGRESSMETER_H
#define CKPT_LIB_MIGRATE_PROGRESSMETER_H

#include "ckpt/Support/FileRange.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"
#include <chrono>
#include <cstdint>
#include <string>

namespace ckpt {

/// "copied 1.2 GiB of 4.0 GiB (30%)" on one terminal line, redrawn at most
/// ten times a second, erased when done.
class ProgressMeter : public CopyObserver {
public:
  ProgressMeter(llvm::raw_ostream &OS, llvm::StringRef Name, uint64_t Total)
      : OS(OS), Name(Name.str()), Total(Total) {}
  ~ProgressMeter() override {
    if (Drawn)
      OS << "\r\x1b[K";
    OS.flush();
  }

  void copied(uint64_t Bytes) override {
    Done += Bytes;
    auto Now = std::chrono::steady_clock::now();
    if (Drawn && Done < Total && Now - Last < std::chrono::milliseconds(100))
      return;
    Last = Now;
    Drawn = true;
    OS << llvm::formatv("\r{0}: copied {1:F1} GiB of {2:F1} GiB ({3}%)", Name,
                        Done / double(1 << 30), Total / double(1 << 30),
                        Total ? Done * 100 / Total : 100);
    OS.flush();
  }

private:
  llvm::raw_ostream &OS;
  std::string Name;
  uint64_t Total, Done = 0;
  bool Drawn = false;
  std::chrono::steady_clock::time_point Last;
};

} // namespace ckpt

#endif // CKPT_LIB_MIGRATE_PROGRESSMETER_H
