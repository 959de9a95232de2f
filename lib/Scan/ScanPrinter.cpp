//===- ScanPrinter.cpp - Print what a scan found --------------------------===//
//
// Part of ckpt-migrate. `-scan`'s reports: one finding a line with notes,
// errors and a verdict, or one JSON object (`-scan-format=json`).
//
//===----------------------------------------------------------------------===//

#include "ScanInternals.h"
#include "ckpt/Scan/Scan.h"
#include "ckpt/Target/TargetSpec.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace ckpt::scan;

namespace ckpt {


static StringRef kindWord(ScanFinding::Kind K) {
  switch (K) {
  case ScanFinding::Kind::Global:
    return "GLOBAL";
  case ScanFinding::Kind::Call:
    return "CALL";
  case ScanFinding::Kind::Build:
    return "BUILD";
  case ScanFinding::Kind::PersistentLoad:
    return "PERSID";
  case ScanFinding::Kind::Container:
    return "CONTAINER";
  }
  return "?";
}

static std::string gradeText(const ScanFinding &F, const ScanReport &R) {
  if (F.Allowed)
    return "allowed";
  std::string S = ("REFUSED by weights_only (" + R.Graded->Version + ")").str();
  SmallVector<std::string, 2> Tags;
  if (F.Dangerous)
    Tags.push_back("dangerous");
  if (!F.Reason.empty())
    Tags.push_back(F.Reason);
  if (!Tags.empty())
    S += " [" + join(Tags, "; ") + "]";
  return S;
}

/// "via REDUCE", "=> __setstate__", ...: what the opcode does.
static std::string opcodeText(const ScanFinding &F) {
  switch (F.K) {
  case ScanFinding::Kind::Global:
    return F.Opcode == "GLOBAL" ? "" : " (" + F.Opcode + ")";
  case ScanFinding::Kind::Call:
    return " (" + F.Opcode + ")";
  case ScanFinding::Kind::Build:
    return " (BUILD => __setstate__ or __dict__ update)";
  case ScanFinding::Kind::PersistentLoad:
    return " (" + F.Opcode + " => persistent_load)";
  case ScanFinding::Kind::Container:
    return "";
  }
  return "";
}

void printScanReport(raw_ostream &OS, const ScanReport &R, StringRef FileName) {
  size_t NP = R.Pickles.size();
  OS << "scan: " << FileName << ": " << R.Container << ", " << NP
     << (NP == 1 ? " pickle" : " pickles") << ", graded against torch "
     << R.Graded->Version << "'s weights_only allowlist\n";
  if (R.Requested != R.Graded)
    OS << "note: torch " << R.Requested->Version
       << " has no weights_only mode (1.13+); graded against the newest "
          "described release, "
       << R.Graded->Version << '\n';
  auto PickleTag = [&](unsigned I) {
    return formatv("pickle {0}/{1}", I + 1, NP).str();
  };
  for (size_t I = 0; I < NP; ++I) {
    const ScannedPickle &P = R.Pickles[I];
    OS << PickleTag(I) << ": " << P.Name << " at offset " << hex(P.Offset)
       << (P.Inflated ? " (inflated record)" : "");
    if (P.Error.empty())
      OS << ", protocol " << P.Protocol;
    OS << '\n';
  }
  for (const ScanFinding &F : R.Findings) {
    if (F.K == ScanFinding::Kind::Container)
      OS << "offset 0x0 file";
    else
      OS << "offset " << hex(F.Offset) << ' ' << PickleTag(F.Pickle);
    OS << ' ' << kindWord(F.K) << ' ' << F.Subject << opcodeText(F) << "  "
       << gradeText(F, R) << '\n';
  }
  for (size_t I = 0; I < NP; ++I)
    for (const auto &[Op, Off] : R.Pickles[I].UnsupportedOpcodes)
      OS << "note: " << PickleTag(I) << " uses opcode " << Op
         << " (first at offset " << hex(Off)
         << "), which torch's weights_only unpickler does not implement: "
            "torch.load(weights_only=True) fails on it\n";
  for (const std::string &N : R.Notes)
    OS << "note: " << N << '\n';
  for (size_t I = 0; I < NP; ++I)
    if (!R.Pickles[I].Error.empty())
      OS << "error: " << PickleTag(I) << " (" << R.Pickles[I].Name
         << "): " << R.Pickles[I].Error
         << "; findings above are those before the error\n";
  for (const std::string &E : R.Errors)
    OS << "error: " << E << '\n';

  unsigned Refused = R.getNumRefused();
  unsigned Dangerous = count_if(R.Findings, [](const ScanFinding &F) {
    return !F.Allowed && F.Dangerous;
  });
  // The names to allowlist or remove: refused globals (and containers);
  // calls, BUILDs and persistent loads of them are not repeated.
  std::vector<std::string> Names;
  StringSet<> SeenNames;
  for (const ScanFinding &F : R.Findings)
    if (!F.Allowed &&
        (F.K == ScanFinding::Kind::Global ||
         F.K == ScanFinding::Kind::Container) &&
        SeenNames.insert(F.Subject).second)
      Names.push_back(F.Subject);
  unsigned Odd = count_if(R.Findings, [](const ScanFinding &F) {
    return !F.Allowed && F.K == ScanFinding::Kind::Call &&
           !StringRef(F.Reason).empty() &&
           F.Reason.find("not a global") != std::string::npos;
  });
  SmallVector<StringRef, 4> Ops;
  StringSet<> SeenOps;
  for (const ScannedPickle &P : R.Pickles)
    for (const auto &Op : P.UnsupportedOpcodes)
      if (SeenOps.insert(Op.first).second)
        Ops.push_back(Op.first);

  OS << "verdict: ";
  if (!R.isComplete())
    OS << "INCOMPLETE: the file could not be fully scanned; of the "
       << R.Findings.size() << " globals and calls seen, " << Refused
       << " are outside torch " << R.Graded->Version
       << "'s weights_only allowlist";
  else if (Refused)
    OS << "REFUSED: " << Refused << " of " << R.Findings.size()
       << " globals and calls are outside torch " << R.Graded->Version
       << "'s weights_only allowlist";
  else
    OS << "ALLOWED: all " << R.Findings.size()
       << " globals and calls are on torch " << R.Graded->Version
       << "'s weights_only allowlist";
  if (Refused) {
    if (Dangerous)
      OS << " (" << Dangerous << " known dangerous)";
    if (!Names.empty()) {
      OS << ": ";
      for (size_t I = 0; I < Names.size(); ++I) {
        if (I == 12) {
          OS << ", ... (" << Names.size() - I << " more)";
          break;
        }
        OS << (I ? ", " : "") << Names[I];
      }
    }
    if (Odd)
      OS << (Names.empty() ? ": " : "; ") << Odd
         << (Odd == 1 ? " call" : " calls")
         << " of values that are not globals";
  }
  if (!Refused && R.isComplete() && !Ops.empty())
    OS << "; torch.load(weights_only=True) still fails on opcodes it does not "
          "implement: "
       << join(Ops, ", ");
  OS << '\n';
}

void printScanReportJSON(raw_ostream &OS, const ScanReport &R,
                         StringRef FileName) {
  json::OStream J(OS, 2);
  J.object([&] {
    J.attribute("file", FileName);
    J.attribute("container", R.Container);
    J.attribute("target", R.Requested->Version);
    J.attribute("graded_against", R.Graded->Version);
    J.attribute("verdict", !R.isComplete()     ? "incomplete"
                           : R.getNumRefused() ? "refused"
                                               : "allowed");
    J.attributeArray("pickles", [&] {
      for (const ScannedPickle &P : R.Pickles)
        J.object([&] {
          J.attribute("name", P.Name);
          J.attribute("offset", int64_t(P.Offset));
          J.attribute("inflated", P.Inflated);
          J.attribute("protocol", int64_t(P.Protocol));
          J.attributeArray("unsupported_opcodes", [&] {
            // (No structured bindings: clang 14 cannot capture them.)
            for (const auto &U : P.UnsupportedOpcodes)
              J.object([&] {
                J.attribute("opcode", U.first);
                J.attribute("offset", int64_t(U.second));
              });
          });
          if (!P.Error.empty())
            J.attribute("error", P.Error);
        });
    });
    J.attributeArray("findings", [&] {
      for (const ScanFinding &F : R.Findings)
        J.object([&] {
          J.attribute("kind", kindWord(F.K));
          if (F.K != ScanFinding::Kind::Container) {
            J.attribute("offset", int64_t(F.Offset));
            J.attribute("pickle", int64_t(F.Pickle + 1));
            J.attribute("opcode", F.Opcode);
          }
          J.attribute("subject", F.Subject);
          J.attribute("allowed", F.Allowed);
          J.attribute("dangerous", F.Dangerous);
          if (!F.Reason.empty())
            J.attribute("reason", F.Reason);
        });
    });
    J.attributeArray("notes", [&] {
      for (const std::string &N : R.Notes)
        J.value(N);
    });
    J.attributeArray("errors", [&] {
      for (const std::string &E : R.Errors)
        J.value(E);
    });
  });
  OS << '\n';
}

} // namespace ckpt
