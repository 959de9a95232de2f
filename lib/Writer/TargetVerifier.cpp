//===- TargetVerifier.cpp - Can a release load this? ----------------------===//
//
// Part of ckpt-migrate. Mirrors the encoding choices of Writer.cpp (which
// forms a release gets) and checks each against the release's description.
// Every global of torch must be in the description (serialization names,
// torch.nn module classes, torch.optim classes); one that is not is an
// error, whether a newer release has it or no release describes it. Globals
// outside torch (user classes, numpy, the standard library) cannot be judged
// from a description: they are returned as assumptions, never dropped.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Writer/TargetVerifier.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Support/Error.h"
#include "ckpt/Target/TargetSpec.h"
#include "ckpt/Target/WeightsOnly.h"
#include "ckpt/Writer/Writer.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include <set>

using namespace llvm;

namespace ckpt {
namespace {

class TargetChecker {
public:
  TargetChecker(const Checkpoint &C, const TargetSpec &T, const Encoding &Enc)
      : C(C), T(T), Enc(Enc) {}

  /// The globals outside torch the checkpoint names, as "needs X importable
  /// (at PATH)", in the order first met.
  std::vector<std::string> takeAssumptions() {
    std::vector<std::string> Out;
    for (const auto &[Q, Path] : Assumed)
      Out.push_back(formatv("needs {0} importable (at {1})", Q, Path).str());
    return Out;
  }

  Error run() {
    ContainerKind K = getOutputContainer(C, Enc);
    StringRef KName = getContainerKindName(K);
    if (!is_contained(T.Containers, KName))
      problem("$", formatv("PyTorch {0} cannot read {1} checkpoints", T.Version,
                           KName),
              "-format=legacy");
    for (const StorageValue *S : C.getStorages())
      checkStorage(S);
    if (C.getRoot()) {
      std::string Path = "$";
      walk(C.getRoot(), Path);
    }
    if (Problems.empty())
      return Error::success();
    std::string Msg =
        formatv("PyTorch {0} cannot load this checkpoint:", T.Version).str();
    for (const std::string &P : Problems)
      Msg += "\n  " + P;
    if (Omitted)
      Msg += formatv("\n  ... and {0} more problem{1}", Omitted,
                     Omitted == 1 ? "" : "s")
                 .str();
    return makeError("{0}", Msg);
  }

private:
  void problem(StringRef Path, const Twine &What, StringRef Fix = "") {
    std::string P = (Path + ": " + What).str();
    if (!Seen.insert(P + " (fix: " + Fix.str() + ")").second)
      return;
    // A fix is spelled out once; the problems after it that it also fixes
    // say so, rather than repeat it.
    if (!Fix.empty())
      P += FixesGiven.insert(Fix).second ? " (fix: " + Fix.str() + ")"
                                         : std::string(" (fix: as above)");
    if (Problems.size() < MaxProblems)
      Problems.push_back(P);
    else
      ++Omitted;
  }

  void checkStorage(const StorageValue *S) {
    std::string Path = ("storage '" + S->getKey() + "'").str();
    StringRef Cls = getDTypeStorageClass(S->getDType());
    if (!is_contained(T.StorageClasses, Cls))
      problem(Path,
              formatv("storage class torch.{0} ({1}) does not exist in {2}",
                      Cls, getDTypeTorchName(S->getDType()), T.Version),
              dtypeFix(S->getDType()));
    StringRef Loc = S->getLocation().split(':').first;
    if (!is_contained(T.Locations, Loc))
      problem(Path,
              formatv("location '{0}' cannot be restored by {1}",
                      S->getLocation(), T.Version),
              "map the storage to cpu");
  }

  static StringRef dtypeFix(DType D) {
    switch (D) {
    case DType::BFloat16:
      return "widen-dtype{from=bf16,to=f32}";
    case DType::Bool:
      return "widen-dtype{from=bool,to=u8}";
    default:
      return "";
    }
  }

  bool hasRebuild(StringRef Fn) const {
    return is_contained(T.RebuildFunctions, Fn);
  }

  void checkTensor(const TensorValue *TV, StringRef Path) {
    if (!is_contained(T.DTypes, getDTypeIRName(TV->getDType())))
      problem(Path,
              formatv("dtype {0} does not exist in {1}",
                      getDTypeTorchName(TV->getDType()), T.Version),
              dtypeFix(TV->getDType()));
    switch (TV->getForm()) {
    case TensorValue::Form::RebuildTensorV3:
      if (!hasRebuild("_rebuild_tensor_v3"))
        problem(Path,
                formatv("torch._utils._rebuild_tensor_v3 does not exist in {0}",
                        T.Version));
      break;
    case TensorValue::Form::RebuildQTensor:
      if (!hasRebuild("_rebuild_qtensor"))
        problem(Path,
                formatv("quantized tensors (_rebuild_qtensor) do not exist "
                        "in {0}",
                        T.Version),
                "dequantize the tensor");
      break;
    default: {
      StringRef Fn = T.TensorForm == "tensor_v1" ? "_rebuild_tensor"
                                                  : "_rebuild_tensor_v2";
      if (!hasRebuild(Fn))
        problem(Path, formatv("torch._utils.{0} does not exist in {1}", Fn,
                              T.Version));
      if (T.TensorForm == "tensor_v1" && TV->getRank() == 0)
        problem(Path,
                formatv("0-dim tensors do not exist in {0}", T.Version),
                "reshape it to [1]");
      break;
    }
    }
    if (TV->getSubclass() && !hasRebuild("_rebuild_from_type_v2"))
      problem(Path,
              formatv("tensor subclasses (torch._tensor._rebuild_from_type_v2) "
                      "cannot be loaded by {0}",
                      T.Version));
    if (TV->getMetadata() && T.TensorForm == "tensor" &&
        !hasRebuild("_rebuild_tensor_v3"))
      problem(Path, formatv("_rebuild_tensor_v2 of {0} takes no metadata "
                            "argument",
                            T.Version));
  }

  /// torch 2.6's weights_only unpickler: anything off its allowlist fails
  /// (`Unsupported global: GLOBAL numpy.core.multiarray.scalar`).
  bool isWeightsOnlyAllowed(const GlobalValue *G) const {
    return ckpt::isWeightsOnlyAllowed(T, G->getModule(), G->getName());
  }

  /// Whether \p Spec describes the torch global \p G.
  static bool describes(const TargetSpec &Spec, const GlobalValue *G) {
    std::string Q = G->getQualifiedName();
    StringRef M = G->getModule();
    return is_contained(Spec.TorchGlobals, Q) ||
           is_contained(Spec.ModuleClasses, Q) ||
           is_contained(Spec.ObjectClasses, Q) ||
           ((M == "torch" || (M == "torch.storage" &&
                              G->getName() == "UntypedStorage")) &&
            is_contained(Spec.StorageClasses, G->getName())) ||
           ((M == "torch._utils" || M == "torch._tensor") &&
            is_contained(Spec.RebuildFunctions, G->getName()));
  }

  /// Names of the Python standard library that torch's own pickles use and
  /// that every Python a described release runs on (2.7, 3.x) has: judged
  /// present, so neither problems nor assumptions.
  static bool isPythonBuiltin(StringRef Q) {
    static const StringLiteral Names[] = {"collections.OrderedDict",
                                          "_codecs.encode",
                                          "copyreg._reconstructor",
                                          "copy_reg._reconstructor",
                                          "builtins.set",
                                          "__builtin__.set",
                                          "builtins.frozenset",
                                          "__builtin__.frozenset",
                                          "builtins.bytearray",
                                          "__builtin__.bytearray",
                                          "builtins.complex",
                                          "__builtin__.complex",
                                          "builtins.slice",
                                          "__builtin__.slice",
                                          "builtins.object",
                                          "__builtin__.object"};
    return is_contained(Names, Q);
  }

  /// The fix for a torch global of module \p M that the target lacks.
  static StringRef missingGlobalFix(StringRef M) {
    if (M.starts_with("torch.nn."))
      return "save the model's state_dict() instead of the pickled module, or "
             "rename-global to a class the release has";
    if (M.starts_with("torch.optim"))
      return "save the optimizer's or scheduler's state_dict() instead of the "
             "pickled object";
    return "";
  }

  void checkGlobal(const GlobalValue *G, StringRef Path) {
    if (T.WeightsOnlyDefault && !isWeightsOnlyAllowed(G)) {
      problem(Path,
              formatv("torch.load(weights_only=True), the default since 2.6, "
                      "refuses the global {0}",
                      G->getQualifiedName()),
              "upgrade-weights-only (objects-to-state-dicts for whole modules "
              "and optimizers, weights-only-compat for numpy and argparse "
              "values, plain-data for everything else)");
      return;
    }
    StringRef M = G->getModule();
    std::string Q = G->getQualifiedName();
    if (M != "torch" && !M.starts_with("torch.")) {
      // User code, numpy, the standard library: whether the loading side can
      // import it is not a property of the release.
      if (!isPythonBuiltin(Q) && AssumedNames.insert(Q).second)
        Assumed.emplace_back(Q, Path.str());
      return;
    }
    if (describes(T, G))
      return;
    // Which described releases have it?
    StringRef First, Last;
    for (const TargetSpec &S : getTargetSpecs())
      if (describes(S, G)) {
        if (First.empty())
          First = S.Version;
        Last = S.Version;
      }
    StringRef Fix = missingGlobalFix(M);
    if (First.empty()) {
      problem(Path,
              formatv("global {0} is in no release's description "
                      "(include/ckpt/Target/Versions.td), so whether {1} has "
                      "it cannot be judged",
                      Q, T.Version),
              Fix.empty() ? StringRef("describe it in Versions.td") : Fix);
      return;
    }
    bool Current = Last == getTargetSpecs().back().Version;
    problem(Path,
            formatv("global {0} does not exist in {1} (described {2})", Q,
                    T.Version,
                    Current ? ("from " + First).str()
                            : ("in " + First + " - " + Last + " only").str()),
            Fix);
  }

  void walk(const Value *V, std::string &Path) {
    if (V->isScalar() || isa<StorageValue>(V))
      return;
    if (auto *G = dyn_cast<GlobalValue>(V)) {
      checkGlobal(G, Path);
      return;
    }
    if (!Visited.insert(V).second)
      return;
    if (auto *TV = dyn_cast<TensorValue>(V))
      checkTensor(TV, Path);
    if (auto *P = dyn_cast<ParameterValue>(V))
      if (P->getForm() == ParameterValue::Form::RebuildParameterWithState &&
          P->getState() && !hasRebuild("_rebuild_parameter_with_state"))
        problem(Path, formatv("a Parameter with Python state cannot be "
                              "loaded by {0}",
                              T.Version));
    if (auto *SD = dyn_cast<StateDictValue>(V))
      if (!T.HasModuleVersions)
        for (const DictItem &It : SD->items())
          if (auto K = getStringValue(It.first))
            if (*K == "num_batches_tracked" ||
                K->ends_with(".num_batches_tracked"))
              problem(Path + "['" + K->str() + "']",
                      formatv("BatchNorm of {0} has no num_batches_tracked; "
                              "strict load_state_dict rejects it",
                              T.Version),
                      "drop-num-batches-tracked");
    if (auto *O = dyn_cast<OptimizerStateValue>(V))
      if (!T.TensorOptimizerStep)
        if (MappingValue *PS = O->getParamState())
          for (const DictItem &It : PS->items())
            if (auto *M = dyn_cast<MappingValue>(It.second))
              if (isa_and_nonnull<TensorValue>(M->lookup("step")))
                problem(Path + "['state']",
                        formatv("optimizers of {0} keep `step` as a number",
                                T.Version),
                        "optim-step-to-number");
    size_t Len = Path.size();
    auto Child = [&](const std::string &Suffix, const Value *Ch) {
      Path += Suffix;
      walk(Ch, Path);
      Path.resize(Len);
    };
    if (auto *M = dyn_cast<MappingValue>(V)) {
      for (const DictItem &It : M->items()) {
        auto K = getStringValue(It.first);
        Child("", It.first);
        Child(K ? ("['" + *K + "']").str() : "[?]", It.second);
      }
      if (auto *SD = dyn_cast<StateDictValue>(V)) {
        Child("", SD->getClass());
        if (SD->getState())
          Child("._metadata", SD->getState());
      }
      return;
    }
    unsigned I = 0;
    forEachChild(V, [&](Value *Ch) { Child("/" + std::to_string(I++), Ch); });
  }

  const Checkpoint &C;
  const TargetSpec &T;
  const Encoding &Enc;
  DenseSet<const Value *> Visited;
  std::set<std::string> Seen;
  /// The first MaxProblems problems are listed; the rest are counted.
  static constexpr size_t MaxProblems = 50;
  std::vector<std::string> Problems;
  /// The fixes already spelled out.
  StringSet<> FixesGiven;
  size_t Omitted = 0;
  /// Globals outside torch, each with the first path that names it, in the
  /// order first met.
  std::vector<std::pair<std::string, std::string>> Assumed;
  StringSet<> AssumedNames;
};

} // namespace

Error verifyForTarget(const Checkpoint &C, const TargetSpec &T,
                      const Encoding &Enc,
                      std::vector<std::string> *Assumptions) {
  TargetChecker Checker(C, T, Enc);
  Error E = Checker.run();
  if (Assumptions)
    *Assumptions = Checker.takeAssumptions();
  return E;
}

} // namespace ckpt
