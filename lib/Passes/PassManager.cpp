//===- PassManager.cpp - Pipelines of passes ------------------------------===//
//
// Part of ckpt-migrate. After LLVM's PassBuilder::parsePassPipeline and
// StandardInstrumentations: one registry, text pipelines with options, and
// instrumentation around (never inside) the passes.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Passes/PassManager.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/IR/Printer.h"
#include "ckpt/IR/Verifier.h"
#include "ckpt/Passes/PassText.h"
#include "ckpt/Passes/Rules.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Timer.h"
#include <algorithm>
#include <functional>

using namespace llvm;

namespace ckpt {

Pass::~Pass() = default;

bool PassStatistics::empty() const {
  return llvm::all_of(Counts, [](const auto &KV) { return KV.second == 0; });
}

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

/// Checks a value given on the command line with the same parser as `.td`
/// defaults (PassSpec.cpp), in the pass manager's own words.
static Error checkGivenOption(StringRef Pass, const OptionSpec &O,
                              StringRef V) {
  if (O.Type == OptionType::Int && !parseIntOption(V))
    return makeError("option '{0}' of pass '{1}' takes an integer, not '{2}'",
                     O.Name, Pass, V);
  if (O.Type == OptionType::Bool && !parseBoolOption(V))
    return makeError("option '{0}' of pass '{1}' takes true or false, not "
                     "'{2}'",
                     O.Name, Pass, V);
  return Error::success();
}

Expected<OptionValues>
OptionValues::create(StringRef PassName, ArrayRef<OptionSpec> Specs,
                     const StringMap<std::string> &Given) {
  OptionValues V;
  for (const OptionSpec &O : Specs)
    V.Values.push_back({O.Name.str(), O.Default.str()});
  for (const auto &KV : Given) {
    const OptionSpec *O = nullptr;
    for (const OptionSpec &S : Specs)
      if (S.Name == KV.getKey())
        O = &S;
    if (!O) {
      std::string Valid;
      for (const OptionSpec &S : Specs)
        Valid += (Valid.empty() ? "" : ", ") + S.Name.str();
      return makeError("pass '{0}' has no option '{1}'{2}", PassName,
                       KV.getKey(),
                       Valid.empty() ? std::string("; it takes no options")
                                     : "; its options are: " + Valid);
    }
    if (Error E = checkGivenOption(PassName, *O, KV.getValue()))
      return E;
    *V.find(O->Name) = KV.getValue();
  }
  return V;
}

std::string *OptionValues::find(StringRef Name) {
  for (auto &[K, V] : Values)
    if (K == Name)
      return &V;
  return nullptr;
}

StringRef OptionValues::getString(StringRef Name) const {
  for (auto &[K, V] : Values)
    if (K == Name)
      return V;
  return StringRef();
}

int64_t OptionValues::getInt(StringRef Name) const {
  return parseIntOption(getString(Name)).value_or(0);
}

bool OptionValues::getBool(StringRef Name) const {
  return parseBoolOption(getString(Name)).value_or(false);
}

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

PassRegistry PassRegistry::createWithBuiltins() {
  PassRegistry R;
  for (const PassSpec &P : getBuiltinPassSpecs())
    cantFail(R.addPass(P));
  for (const PipelineSpec &P : getBuiltinPipelineSpecs())
    cantFail(R.addPipeline(P));
  return R;
}

Error PassRegistry::addPass(const PassSpec &Spec) {
  if (PassByName.count(Spec.Argument) || PipelineByName.count(Spec.Argument))
    return makeError("a pass or pipeline named '{0}' already exists",
                     Spec.Argument);
  PassByName[Spec.Argument] = &Spec;
  Passes.push_back(&Spec);
  return Error::success();
}

Error PassRegistry::addPipeline(const PipelineSpec &Spec) {
  if (PassByName.count(Spec.Name) || PipelineByName.count(Spec.Name))
    return makeError("a pass or pipeline named '{0}' already exists",
                     Spec.Name);
  PipelineByName[Spec.Name] = &Spec;
  Pipelines.push_back(&Spec);
  return Error::success();
}

const PassSpec *PassRegistry::lookupPass(StringRef Name) const {
  return PassByName.lookup(Name);
}

const PipelineSpec *PassRegistry::lookupPipeline(StringRef Name) const {
  return PipelineByName.lookup(Name);
}

std::vector<std::string> PassRegistry::getNearMatches(StringRef Name) const {
  // The closest names by edit distance (ties kept, at most four), and only
  // when they are close enough to be a plausible typo.
  unsigned Limit = std::max<unsigned>(2, Name.size() / 4);
  std::vector<std::pair<unsigned, std::string>> Scored;
  auto Consider = [&](StringRef Candidate) {
    unsigned D = Name.edit_distance(Candidate, true, Limit);
    if (D <= Limit)
      Scored.push_back({D, Candidate.str()});
  };
  for (const PassSpec *P : Passes)
    Consider(P->Argument);
  for (const PipelineSpec *P : Pipelines)
    Consider(P->Name);
  llvm::sort(Scored);
  std::vector<std::string> Out;
  for (auto &[D, N] : Scored)
    if (D == Scored.front().first && Out.size() < 4)
      Out.push_back(N);
  return Out;
}

void PassRegistry::print(raw_ostream &OS) const {
  OS << "Passes:\n";
  std::vector<const PassSpec *> Sorted = Passes;
  llvm::sort(Sorted, [](const PassSpec *A, const PassSpec *B) {
    return A->Argument < B->Argument;
  });
  for (const PassSpec *P : Sorted) {
    OS << "  " << P->Argument;
    if (!P->Summary.empty())
      OS << " - " << P->Summary;
    OS << '\n';
    for (const OptionSpec &O : P->Options) {
      OS << "    " << O.Name << "=<" << getOptionTypeName(O.Type)
         << "> (default: " << (O.Default.empty() ? "\"\"" : O.Default) << ") - "
         << O.Description << '\n';
    }
  }
  OS << "Pipelines:\n";
  std::vector<const PipelineSpec *> SortedP = Pipelines;
  llvm::sort(SortedP, [](const PipelineSpec *A, const PipelineSpec *B) {
    return A->Name < B->Name;
  });
  for (const PipelineSpec *P : SortedP) {
    OS << "  " << P->Name;
    if (!P->Summary.empty())
      OS << " - " << P->Summary;
    OS << '\n';
    if (!P->Target.empty())
      OS << "    target: " << P->Target << '\n';
    OS << "    passes: " << P->Passes << '\n';
  }
}

//===----------------------------------------------------------------------===//
// Pipeline text
//===----------------------------------------------------------------------===//

namespace {

/// Expands pipeline text, recursively through named pipelines.
class PipelineParser {
public:
  PipelineParser(const PassRegistry &R) : R(R) {}

  Error parse(StringRef Text, StringRef Origin,
              std::vector<PipelineEntry> &Out, unsigned Depth) {
    if (Depth > 32)
      return makeError("pipelines nest more than 32 deep (a cycle through "
                       "'{0}'?)",
                       Origin);
    auto Elements = parsePassText(Text);
    if (!Elements)
      return handleErrors(Elements.takeError(), [&](const PassTextError &E) {
        return makeError("in pipeline text '{0}' at column {1}: {2}", Text,
                         E.getOffset() + 1, E.getMessage());
      });
    for (const PassTextElement &El : *Elements) {
      if (const PipelineSpec *P = R.lookupPipeline(El.Name)) {
        if (!El.Options.empty())
          return makeError("pipeline '{0}' takes no options", El.Name);
        if (!P->Target.empty())
          Target = P->Target.str();
        std::string Inner = Origin.empty() ? P->Name.str()
                                           : (Origin + " > " + P->Name).str();
        if (Error E = parse(P->Passes, Inner, Out, Depth + 1))
          return E;
        continue;
      }
      const PassSpec *S = R.lookupPass(El.Name);
      if (!S) {
        std::string Msg = formatv("unknown pass or pipeline '{0}'", El.Name);
        std::vector<std::string> Near = R.getNearMatches(El.Name);
        if (!Near.empty())
          Msg += "; did you mean " + join(Near, ", ") + "?";
        if (!Origin.empty())
          Msg += " (in pipeline " + Origin.str() + ")";
        return makeError("{0}", Msg);
      }
      StringMap<std::string> Given;
      for (const PassTextOption &O : El.Options)
        Given[O.Key] = O.Value.str();
      auto Values = OptionValues::create(S->Argument, S->Options, Given);
      if (!Values)
        return Values.takeError();
      std::string Text = S->Argument.str();
      if (!El.Options.empty()) {
        Text += "{";
        ListSeparator LS(",");
        for (const PassTextOption &O : El.Options)
          Text += (StringRef(LS) + O.Key + "=" + O.Value).str();
        Text += "}";
      }
      Out.push_back({S, std::move(*Values), std::move(Text), Origin.str()});
    }
    return Error::success();
  }

  std::string Target;

private:
  const PassRegistry &R;
};

} // namespace

Expected<std::vector<PipelineEntry>>
parsePassPipeline(StringRef Text, const PassRegistry &R,
                  std::string *TargetOut) {
  std::vector<PipelineEntry> Out;
  PipelineParser P(R);
  if (Error E = P.parse(Text, "", Out, 0))
    return E;
  if (TargetOut)
    *TargetOut = P.Target;
  return Out;
}

Expected<std::unique_ptr<Pass>> createPass(const PipelineEntry &E) {
  if (E.Spec->Factory)
    return E.Spec->Factory(E.Options);
  return RulePass::create(*E.Spec, E.Options);
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

void pruneUnreferencedStorages(Checkpoint &C) {
  uint32_t Walk = newVisitWalk();
  SmallVector<const Value *, 64> Work;
  auto Push = [&](const Value *V) {
    if (V && !V->isScalar() && V->markVisited(Walk))
      Work.push_back(V);
  };
  Push(C.getRoot());
  while (!Work.empty()) {
    const Value *V = Work.pop_back_val();
    if (auto *T = dyn_cast<TensorValue>(V))
      Push(T->getStorage());
    if (auto *S = dyn_cast<StorageValue>(V))
      Push(S->getViewRoot());
    forEachChild(V, Push);
  }
  // Reached storages carry this walk's mark.
  llvm::erase_if(C.getStorages(),
                 [&](StorageValue *S) { return S->markVisited(Walk); });
}

namespace {

std::string printIR(const Checkpoint &C) {
  std::string S;
  raw_string_ostream OS(S);
  printCheckpoint(OS, C);
  return S;
}

/// A unified-style line diff (longest common subsequence) with two lines of
/// context, for -print-changed. Falls back to the whole new text for huge
/// inputs.
void printDiff(raw_ostream &OS, StringRef Before, StringRef After) {
  SmallVector<StringRef, 0> A, B;
  Before.split(A, '\n');
  After.split(B, '\n');
  size_t N = A.size(), M = B.size();
  if (N * M > 40'000'000) {
    OS << "(IR too large to diff; printing it whole)\n" << After;
    return;
  }
  std::vector<uint32_t> L((N + 1) * (M + 1), 0);
  auto At = [&](size_t I, size_t J) -> uint32_t & { return L[I * (M + 1) + J]; };
  for (size_t I = N; I-- > 0;)
    for (size_t J = M; J-- > 0;)
      At(I, J) = A[I] == B[J] ? At(I + 1, J + 1) + 1
                              : std::max(At(I + 1, J), At(I, J + 1));
  // The edit script: ' ' keep, '-' delete, '+' insert (deletions first).
  std::vector<std::pair<char, StringRef>> Script;
  size_t I = 0, J = 0;
  while (I < N || J < M) {
    if (I < N && J < M && A[I] == B[J]) {
      Script.push_back({' ', A[I++]});
      ++J;
    } else if (I < N && (J == M || At(I + 1, J) >= At(I, J + 1))) {
      Script.push_back({'-', A[I++]});
    } else {
      Script.push_back({'+', B[J++]});
    }
  }
  constexpr size_t Context = 2;
  size_t LastPrinted = 0;
  bool Any = false;
  for (size_t K = 0; K != Script.size(); ++K) {
    bool Near = false;
    for (size_t D = K >= Context ? K - Context : 0;
         D <= std::min(Script.size() - 1, K + Context); ++D)
      Near |= Script[D].first != ' ';
    if (!Near)
      continue;
    if (Any && K > LastPrinted + 1)
      OS << "...\n";
    OS << Script[K].first << Script[K].second << '\n';
    LastPrinted = K;
    Any = true;
  }
}

/// A pass may count only the statistics its `.td` declares (for a pass of
/// rules, those of its rule kinds): -stats and the docs list them.
Error checkDeclaredStatistics(const PassSpec &Spec,
                              const PassStatistics &Stats) {
  for (const auto &KV : Stats.all())
    if (llvm::none_of(Spec.Statistics, [&](const StatisticSpec &S) {
          return S.Name == KV.first;
        }))
      return makeError("pass '{0}' counted '{1}', a statistic it does not "
                       "declare (add Statistic<\"{1}\", ...> to its "
                       "definition at {2})",
                       Spec.Argument, KV.first, Spec.Loc);
  return Error::success();
}

bool matchesAny(ArrayRef<std::string> Names, const PipelineEntry &E) {
  return llvm::any_of(Names, [&](const std::string &N) {
    return N == "all" || N == E.Spec->Argument;
  });
}

} // namespace

Error PassManager::run(Checkpoint &C) {
  TimerGroup TG("ckpt-passes", "ckpt-migrate pass execution timing");
  std::vector<std::unique_ptr<Timer>> Timers;
  for (const PipelineEntry &E : Entries) {
    auto P = createPass(E);
    if (!P)
      return makeError("{0}: {1}", E.Text, toString(P.takeError()));
    if (PI.PrintBeforeAll || matchesAny(PI.PrintBefore, E)) {
      Log << "// *** IR Dump Before " << E.Text << " ***\n";
      printCheckpoint(Log, C);
    }
    std::string Before;
    if (PI.PrintChanged)
      Before = printIR(C);

    PassStatistics Stats;
    {
      std::unique_ptr<Timer> T;
      if (PI.TimePasses) {
        T = std::make_unique<Timer>(E.Text, E.Text, TG);
        T->startTimer();
      }
      C.beginPass();
      Error Err = (*P)->run(C, Stats);
      // A pass reports every change in its statistics: none, or only changes
      // to scalars, means the next pass may reuse its walk.
      C.endPass(!Stats.empty() && !Stats.keepsReachable());
      if (T) {
        T->stopTimer();
        Timers.push_back(std::move(T));
      }
      if (Err)
        return makeError("pass '{0}' failed: {1}", E.Text,
                         toString(std::move(Err)));
    }
    if (Error Err = checkDeclaredStatistics(*E.Spec, Stats))
      return Err;
    // A pass that reports no change, or changes only to scalars, left no
    // storage unreferenced.
    if (!Stats.empty()) {
      if (!Stats.keepsReachable())
        pruneUnreferencedStorages(C);
      Changed = true;
    }

    if (PI.VerifyEach)
      if (Error Err = verifyCheckpoint(C))
        return makeError("after pass '{0}': {1}", E.Text,
                         toString(std::move(Err)));
    if (PI.Stats) {
      Log << "// === " << E.Text << " ===\n";
      if (Stats.empty())
        Log << "//   (no changes)\n";
      for (auto &[Name, N] : Stats.all())
        if (N)
          Log << formatv("//   {0,8} {1}\n", N, Name);
      for (const std::string &R : Stats.remarks())
        Log << "//     " << R << '\n';
    }
    if (PI.PrintChanged) {
      std::string After = printIR(C);
      if (After == Before) {
        Log << "// *** IR Dump After " << E.Text << " omitted because no "
            << "change ***\n";
      } else {
        Log << "// *** IR Diff After " << E.Text << " ***\n";
        printDiff(Log, Before, After);
      }
    }
    if (PI.PrintAfterAll || matchesAny(PI.PrintAfter, E)) {
      Log << "// *** IR Dump After " << E.Text << " ***\n";
      printCheckpoint(Log, C);
    }
  }
  if (PI.TimePasses)
    TG.print(Log, /*ResetAfterPrint=*/true);
  return Error::success();
}

} // namespace ckpt
