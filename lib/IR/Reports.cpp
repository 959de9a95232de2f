//===- Reports.cpp - Tensor listing and summary of a checkpoint -----------===//
//
// Part of ckpt-migrate. The reports for people and for comparison with real
// torch: `-tensors` (one line per tensor) and `-summary`.
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/Reports.h"
#include "PrinterInternals.h"
#include "ckpt/Container/Container.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/IR/Printer.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"
#include <map>

using namespace llvm;

namespace ckpt {

//===----------------------------------------------------------------------===//
// Tensor listing
//===----------------------------------------------------------------------===//

namespace {

class TensorLister {
public:
  TensorLister(raw_ostream &OS) : OS(OS) {}

  void walk(const Value *V, std::string &Path);

private:
  void emit(const Value *V, const TensorValue *T, bool IsParam, bool RG,
            StringRef Path);
  static std::string keyRepr(const Value *K);

  raw_ostream &OS;
  DenseSet<const Value *> Visited;
  DenseMap<const StorageValue *, unsigned> StorageIds;
};

std::string TensorLister::keyRepr(const Value *K) {
  if (auto S = getStringValue(K))
    return ("'" + *S + "'").str();
  if (auto *B = dyn_cast<BoolValue>(K))
    return B->getValue() ? "True" : "False";
  if (auto *I = dyn_cast<IntValue>(K))
    return std::to_string(I->getValue());
  if (auto *I = dyn_cast<BigIntValue>(K))
    return bigIntText(I->getValue());
  if (isa<NoneValue>(K))
    return "None";
  return "?";
}

void TensorLister::emit(const Value *V, const TensorValue *T, bool IsParam,
                        bool RG, StringRef Path) {
  const StorageValue *S = T->getStorage();
  auto [It, New] = StorageIds.insert({S, StorageIds.size()});
  OS << Path << ' ' << (IsParam ? "param" : "tensor") << ' '
     << getDTypeTorchName(T->getDType()) << ' ';
  auto Compact = [&](ArrayRef<int64_t> A) {
    OS << '[';
    ListSeparator LS(",");
    for (int64_t X : A)
      OS << LS << X;
    OS << ']';
  };
  Compact(T->getSizes());
  OS << ' ';
  Compact(T->getStrides());
  OS << ' ' << T->getOffset() << " s" << It->second << ' '
     << format_hex_no_prefix(S->hasData() ? checksumBytes(S->getData()) : 0, 16)
     << " rg=" << (RG ? 1 : 0) << '\n';
}

void TensorLister::walk(const Value *V, std::string &Path) {
  if (auto *T = dyn_cast<TensorValue>(V)) {
    emit(V, T, false, T->getRequiresGrad(), Path);
    return;
  }
  if (auto *P = dyn_cast<ParameterValue>(V)) {
    if (auto *T = P->getTensor())
      emit(V, T, true, P->getRequiresGrad(), Path);
    return;
  }
  if (V->isScalar() || isa<GlobalValue>(V) || isa<StorageValue>(V) ||
      isa<SetValue>(V) || isa<FrozenSetValue>(V) || isa<ExtensionValue>(V) ||
      isa<PersistentRefValue>(V))
    return;
  if (!Visited.insert(V).second)
    return;
  size_t Len = Path.size();
  auto Child = [&](const std::string &Suffix, const Value *Ch) {
    Path += Suffix;
    walk(Ch, Path);
    Path.resize(Len);
  };
  auto WalkState = [&](const Value *State) {
    auto *M = dyn_cast_or_null<MappingValue>(State);
    if (!M)
      return;
    for (const DictItem &It : M->items())
      if (auto S = getStringValue(It.first))
        Child(("." + *S).str(), It.second);
  };
  if (auto *Seq = dyn_cast<SequenceValue>(V)) {
    for (size_t I = 0; I != Seq->size(); ++I)
      Child("[" + std::to_string(I) + "]", (*Seq)[I]);
    return;
  }
  if (auto *M = dyn_cast<MappingValue>(V)) {
    for (const DictItem &It : M->items())
      Child("[" + keyRepr(It.first) + "]", It.second);
    if (auto *SD = dyn_cast<StateDictValue>(V))
      WalkState(SD->getState());
    return;
  }
  if (auto *O = dyn_cast<ObjectValue>(V)) {
    for (size_t I = 0; I != O->listItems().size(); ++I)
      Child("[" + std::to_string(I) + "]", O->listItems()[I]);
    for (const DictItem &It : O->dictItems())
      Child("[" + keyRepr(It.first) + "]", It.second);
    WalkState(O->getState());
    return;
  }
}

} // namespace

void printTensorListing(raw_ostream &OS, const Checkpoint &C) {
  if (!C.getRoot())
    return;
  std::string Path = "$";
  TensorLister(OS).walk(C.getRoot(), Path);
}

//===----------------------------------------------------------------------===//
// Summary
//===----------------------------------------------------------------------===//

void printSummary(raw_ostream &OS, const Checkpoint &C) {
  const ContainerInfo &CI = C.getContainer();
  std::map<std::string, unsigned> Globals;
  std::map<std::string, std::pair<unsigned, uint64_t>> ByDType;
  unsigned Tensors = 0, Params = 0, StateDicts = 0, Optimizers = 0;
  bool TensorSteps = false;
  std::map<std::string, unsigned> Forms;
  std::map<std::string, unsigned> Locations;

  DenseSet<const Value *> Seen;
  SmallVector<const Value *, 64> Work;
  auto Push = [&](const Value *V) {
    if (V && Seen.insert(V).second)
      Work.push_back(V);
  };
  Push(C.getRoot());
  while (!Work.empty()) {
    const Value *V = Work.pop_back_val();
    // Typed nodes stand for the globals their pickled form names.
    if (auto *G = dyn_cast<GlobalValue>(V))
      ++Globals[G->getQualifiedName()];
    else if (auto *T = dyn_cast<TensorValue>(V)) {
      ++Tensors;
      static const char *Names[] = {"_rebuild_tensor", "_rebuild_tensor_v2",
                                    "_rebuild_tensor_v3", "_rebuild_qtensor",
                                    "torch.<T>Tensor + state"};
      StringRef Form = Names[unsigned(T->getForm())];
      ++Forms[Form.str()];
      if (Form.starts_with("_"))
        ++Globals[("torch._utils." + Form).str()];
      if (T->getForm() == TensorValue::Form::TensorClassState)
        ++Globals[("torch." + getDTypeStorageClass(T->getDType()).drop_back(7) +
                   "Tensor")
                      .str()];
    } else if (auto *P = dyn_cast<ParameterValue>(V)) {
      ++Params;
      static const char *Names[] = {"_rebuild_parameter",
                                    "_rebuild_parameter_with_state",
                                    "Parameter(...)", "Parameter + state"};
      ++Forms[Names[unsigned(P->getForm())]];
      if (P->getForm() == ParameterValue::Form::RebuildParameter ||
          P->getForm() == ParameterValue::Form::RebuildParameterWithState)
        ++Globals[("torch._utils." + StringRef(Names[unsigned(P->getForm())]))
                      .str()];
      else
        ++Globals["torch.nn.parameter.Parameter"];
    } else if (isa<StateDictValue>(V))
      ++StateDicts;
    else if (auto *O = dyn_cast<OptimizerStateValue>(V)) {
      ++Optimizers;
      if (MappingValue *PS = O->getParamState())
        for (const DictItem &It : PS->items())
          if (auto *M = dyn_cast<MappingValue>(It.second))
            if (isa_and_nonnull<TensorValue>(M->lookup("step")))
              TensorSteps = true;
    }
    forEachChild(V, [&](Value *Ch) { Push(Ch); });
  }
  uint64_t TotalBytes = 0;
  for (const StorageValue *S : C.getStorages()) {
    if (S->getViewRoot())
      continue;
    ++Globals[(getDTypeStorageClassModule(S->getDType()) + "." +
               getDTypeStorageClass(S->getDType()))
                  .str()];
    // Untyped storages (torch 2.x, new dtypes) hold bytes, whatever their
    // tensors' dtypes: not uint8.
    auto &E = ByDType[S->getDType() == DType::Untyped
                          ? std::string("untyped")
                          : getDTypeTorchName(S->getDType()).str()];
    ++E.first;
    E.second += S->getNumBytes();
    TotalBytes += S->getNumBytes();
    ++Locations[S->getLocation().str()];
  }

  // Era from the newest rebuild function and container seen.
  StringRef Era = "unknown";
  if (CI.Kind == ContainerKind::Tar)
    Era = "0.1.1 - 0.1.9 (tar container)";
  else if (Forms.count("_rebuild_tensor_v3") ||
           Forms.count("_rebuild_parameter_with_state"))
    Era = "2.x";
  else if (CI.findRecord(".format_version"))
    Era = "2.7+ (.format_version record)";
  else if (CI.findRecord(".data/serialization_id"))
    Era = "2.2+ (serialization_id record)";
  else if (CI.findRecord("byteorder"))
    Era = "2.1+ (byteorder record)";
  else if (CI.Kind == ContainerKind::Zip && TensorSteps)
    Era = "1.12 - 2.0 (zip; optimizer step is a tensor)";
  else if (CI.Kind == ContainerKind::Zip)
    Era = Forms.count("_rebuild_qtensor") ? "1.4 - 2.0, quantized (zip)"
                                          : "1.4 - 2.0 (zip container)";
  else if (TensorSteps)
    Era = "1.12+ (legacy container; optimizer step is a tensor)";
  else if (Forms.count("_rebuild_qtensor"))
    Era = "1.3 - 1.5 (quantized tensors)";
  else if (Forms.count("_rebuild_parameter"))
    Era = "1.0 - 1.5 (_rebuild_parameter)";
  else if (Forms.count("Parameter(...)"))
    Era = "0.4.1 - 0.4.x (Parameter reduce)";
  else if (Forms.count("_rebuild_tensor_v2"))
    Era = "0.4 - 1.5 (_rebuild_tensor_v2)";
  else if (Forms.count("_rebuild_tensor"))
    Era = "0.1.11 - 0.3.x (_rebuild_tensor)";
  else if (Forms.count("torch.<T>Tensor + state"))
    Era = "0.1.10 (tensor classes pickled with state)";
  else if (CI.Kind == ContainerKind::Legacy)
    Era = "0.1.10 - 0.3.x";

  OS << "container: " << getContainerKindName(CI.Kind) << '\n';
  if (!CI.ArchiveRoot.empty())
    OS << "archive root: " << CI.ArchiveRoot << '\n';
  OS << "pickle protocol: " << CI.PickleProtocol << '\n';
  OS << "era: " << Era << '\n';
  OS << "tensors: " << Tensors << " (parameters: " << Params << ")\n";
  OS << "storages: " << C.getStorages().size() << " (" << TotalBytes
     << " bytes)\n";
  for (auto &[D, E] : ByDType)
    OS << "  " << D << ": " << E.first << " storages, " << E.second
       << " bytes\n";
  OS << "locations:";
  for (auto &[L, N] : Locations)
    OS << ' ' << L << " (" << N << ')';
  OS << '\n';
  OS << "state dicts: " << StateDicts << ", optimizer states: " << Optimizers
     << '\n';
  OS << "rebuild forms:";
  for (auto &[F, N] : Forms)
    OS << ' ' << F << " (" << N << ')';
  OS << '\n';
  OS << "globals:\n";
  for (auto &[G, N] : Globals)
    OS << "  " << G << '\n';
}

} // namespace ckpt
