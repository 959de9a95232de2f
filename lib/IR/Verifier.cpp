//===- Verifier.cpp - Check the invariants of the IR ----------------------===//

#include "ckpt/IR/Verifier.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

namespace ckpt {
namespace {

class Verifier {
public:
  Verifier(const Checkpoint &C, StringRef Heading) : C(C), Heading(Heading) {}

  Error run() {
    for (const StorageValue *S : C.getStorages())
      checkStorage(S);
    if (C.getRoot()) {
      std::string Path = "$";
      walk(C.getRoot(), Path, 0);
    }
    if (Problems.empty())
      return Error::success();
    std::string Msg = (Heading + ":").str();
    for (const std::string &P : Problems)
      Msg += "\n  " + P;
    if (Dropped)
      Msg += formatv("\n  ... and {0} more", Dropped).str();
    return makeError("{0}", Msg);
  }

private:
  void problem(std::string P) {
    if (Problems.size() < 20)
      Problems.push_back(std::move(P));
    else
      ++Dropped;
  }

  void checkStorage(const StorageValue *S) {
    if (S->hasData() && S->getData().size() != S->getNumBytes())
      problem(formatv("storage '{0}' holds {1} bytes but {2}[{3}] needs {4}",
                      S->getKey(), S->getData().size(),
                      getDTypeIRName(S->getDType()), S->getNumElements(),
                      S->getNumBytes()));
    if (const StorageValue *R = S->getViewRoot()) {
      uint64_t EndBytes =
          (S->getViewOffset() + S->getNumElements()) * getDTypeSize(S->getDType());
      if (R->getViewRoot() || EndBytes > R->getNumBytes())
        problem(formatv("storage view '{0}' does not lie inside its root '{1}'",
                        S->getKey(), R->getKey()));
    }
  }

  void checkTensor(const TensorValue *T, StringRef Path) {
    const StorageValue *S = T->getStorage();
    if (!S) {
      problem(formatv("{0}: tensor has no storage", Path));
      return;
    }
    bool Untyped = S->getDType() == DType::Untyped;
    if (S->getDType() != T->getDType() &&
        !(Untyped && T->getForm() == TensorValue::Form::RebuildTensorV3))
      problem(formatv("{0}: tensor of dtype {1} on a storage of dtype {2}",
                      Path, getDTypeIRName(T->getDType()),
                      getDTypeIRName(S->getDType())));
    if (T->getForm() == TensorValue::Form::RebuildQTensor &&
        !isQuantized(T->getDType()))
      problem(formatv("{0}: qtensor of non-quantized dtype {1}", Path,
                      getDTypeIRName(T->getDType())));
    if (T->getSizes().size() != T->getStrides().size()) {
      problem(formatv("{0}: {1} sizes but {2} strides", Path,
                      T->getSizes().size(), T->getStrides().size()));
      return;
    }
    if (T->getOffset() < 0)
      problem(formatv("{0}: negative storage offset {1}", Path,
                      T->getOffset()));
    // The last element the view can reach must lie inside the storage.
    uint64_t Capacity = Untyped && getDTypeSize(T->getDType())
                            ? S->getNumBytes() / getDTypeSize(T->getDType())
                            : S->getNumElements();
    // Sub-byte quantized types pack several elements per storage byte.
    if (T->getDType() == DType::QUInt4x2)
      Capacity *= 2;
    else if (T->getDType() == DType::QUInt2x4)
      Capacity *= 4;
    bool Empty = false;
    uint64_t Extent = 0;
    for (size_t I = 0; I != T->getSizes().size(); ++I) {
      int64_t Sz = T->getSizes()[I], St = T->getStrides()[I];
      if (Sz < 0 || St < 0) {
        problem(formatv("{0}: negative size or stride in dimension {1}",
                        Path, I));
        return;
      }
      uint64_t Step = 0;
      if (Sz == 0)
        Empty = true;
      else if (__builtin_mul_overflow(uint64_t(Sz - 1), uint64_t(St), &Step) ||
               __builtin_add_overflow(Extent, Step, &Extent)) {
        // Hostile sizes/strides must not wrap around into the storage.
        problem(formatv("{0}: sizes and strides overflow 64 bits in "
                        "dimension {1} (size {2}, stride {3})",
                        Path, I, Sz, St));
        return;
      }
    }
    uint64_t Last;
    if (!Empty &&
        (__builtin_add_overflow(uint64_t(std::max<int64_t>(T->getOffset(), 0)),
                                Extent, &Last) ||
         Last >= Capacity))
      problem(formatv("{0}: view reaches element {1} of a storage of {2} "
                      "elements",
                      Path,
                      Last < Extent ? std::string("beyond 2^64")
                                    : std::to_string(Last),
                      Capacity));
  }

  void walk(const Value *V, std::string &Path, unsigned Depth) {
    if (V->isScalar() || isa<GlobalValue>(V) || isa<StorageValue>(V))
      return;
    if (!Visited.insert(V).second || Depth > 5000)
      return;
    size_t Len = Path.size();
    auto Child = [&](const std::string &Suffix, const Value *Ch) {
      Path += Suffix;
      walk(Ch, Path, Depth + 1);
      Path.resize(Len);
    };
    if (auto *T = dyn_cast<TensorValue>(V))
      checkTensor(T, Path);
    if (auto *P = dyn_cast<ParameterValue>(V)) {
      if (!isa_and_nonnull<TensorValue>(P->getData()))
        problem(formatv("{0}: parameter does not wrap a tensor", Path));
    }
    if (auto *SD = dyn_cast<StateDictValue>(V))
      for (const DictItem &It : SD->items())
        if (!getStringValue(It.first))
          problem(formatv("{0}: state-dict key is not a string", Path));
    if (auto *M = dyn_cast<MappingValue>(V)) {
      for (const DictItem &It : M->items()) {
        auto S = getStringValue(It.first);
        Child(S ? ("['" + *S + "']").str() : "[?]", It.second);
      }
    }
    unsigned I = 0;
    forEachChild(V, [&](Value *Ch) {
      if (!isa<MappingValue>(V))
        Child("/" + std::to_string(I++), Ch);
    });
    if (auto *SD = dyn_cast<StateDictValue>(V))
      if (SD->getState())
        Child(".__dict__", SD->getState());
  }

  const Checkpoint &C;
  StringRef Heading;
  DenseSet<const Value *> Visited;
  std::vector<std::string> Problems;
  unsigned Dropped = 0;
};

} // namespace

Error verifyCheckpoint(const Checkpoint &C, StringRef Heading) {
  return Verifier(C, Heading).run();
}

} // namespace ckpt
