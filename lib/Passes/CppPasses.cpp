//===- CppPasses.cpp - Passes too complex for declarative rules -----------===//
//
// Part of ckpt-migrate. Each pass here is declared in passes.td with
// `let constructor`; its options struct comes from PassDecls.inc.
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Passes/Pass.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Endian.h"
#include <cstring>

#define GEN_PASS_DECL_WIDENDTYPE
#define GEN_PASS_DECL_DROPSCHEDULERLAMBDAS
#include "ckpt/Passes/PassDecls.inc"

using namespace llvm;

namespace ckpt {
namespace {

/// Every node reachable from the root, each once.
std::vector<Value *> reachableNodes(Checkpoint &C) {
  std::vector<Value *> Out;
  DenseSet<Value *> Seen;
  SmallVector<Value *, 64> Work;
  auto Push = [&](Value *V) {
    if (V && !V->isScalar() && Seen.insert(V).second)
      Work.push_back(V);
  };
  Push(C.getRoot());
  while (!Work.empty()) {
    Value *V = Work.pop_back_val();
    Out.push_back(V);
    forEachChild(V, Push);
  }
  return Out;
}

/// Converts one element; returns false when the pair is not supported.
using Converter = void (*)(const char *In, char *Out);

void bf16ToF32(const char *In, char *Out) {
  uint32_t U = uint32_t(support::endian::read16le(In)) << 16;
  support::endian::write32le(Out, U);
}

void f16ToF32(const char *In, char *Out) {
  uint16_t H = support::endian::read16le(In);
  uint32_t Sign = uint32_t(H & 0x8000) << 16;
  uint32_t Exp = (H >> 10) & 0x1f, Mant = H & 0x3ff, U;
  if (Exp == 0x1f) {
    U = Sign | 0x7f800000 | (Mant << 13); // inf / nan
  } else if (Exp != 0) {
    U = Sign | ((Exp + 112) << 23) | (Mant << 13);
  } else if (Mant == 0) {
    U = Sign; // +-0
  } else {
    // Subnormal half: normalise into a float.
    int E = -1;
    do {
      ++E;
      Mant <<= 1;
    } while (!(Mant & 0x400));
    U = Sign | (uint32_t(112 - E) << 23) | ((Mant & 0x3ff) << 13);
  }
  support::endian::write32le(Out, U);
}

void f32ToF64(const char *In, char *Out) {
  uint32_t U = support::endian::read32le(In);
  float F;
  std::memcpy(&F, &U, 4);
  double D = F;
  uint64_t W;
  std::memcpy(&W, &D, 8);
  support::endian::write64le(Out, W);
}

void copyByte(const char *In, char *Out) { *Out = *In; }

Converter findConverter(DType From, DType To) {
  if (From == DType::BFloat16 && To == DType::Float32)
    return bf16ToF32;
  if (From == DType::Float16 && To == DType::Float32)
    return f16ToF32;
  if (From == DType::Float32 && To == DType::Float64)
    return f32ToF64;
  if (From == DType::Bool && To == DType::UInt8)
    return copyByte;
  return nullptr;
}

class WidenDTypePass : public Pass {
public:
  WidenDTypePass(DType From, DType To, Converter Convert)
      : From(From), To(To), Convert(Convert) {}

  StringRef getArgument() const override { return "widen-dtype"; }

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    DenseSet<StorageValue *> Widened;
    for (StorageValue *S : C.getStorages()) {
      if (S->getDType() != From || S->getViewRoot())
        continue;
      if (!S->hasData())
        return makeError("storage '{0}' has no bytes to convert",
                         S->getKey());
      uint64_t N = S->getNumElements();
      unsigned InSize = getDTypeSize(From), OutSize = getDTypeSize(To);
      std::string Out(N * OutSize, '\0');
      const char *In = S->getData().data();
      for (uint64_t I = 0; I != N; ++I)
        Convert(In + I * InSize, Out.data() + I * OutSize);
      S->setDType(To);
      S->setData(C.saveBytes(std::move(Out)), std::nullopt);
      Widened.insert(S);
      Stats.add("storages-widened");
    }
    for (StorageValue *S : C.getStorages())
      if (S->getViewRoot() && Widened.count(S->getViewRoot()))
        return makeError("storage view '{0}' of a widened storage cannot be "
                         "widened; write the checkpoint without views first",
                         S->getKey());
    for (Value *V : reachableNodes(C))
      if (auto *T = dyn_cast<TensorValue>(V))
        if (Widened.count(T->getStorage()) && T->getDType() == From) {
          T->setDType(To);
          Stats.add("tensors-retyped");
        }
    return Error::success();
  }

private:
  DType From, To;
  Converter Convert;
};

class DropSchedulerLambdasPass : public Pass {
public:
  StringRef getArgument() const override { return "drop-scheduler-lambdas"; }

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    for (Value *V : reachableNodes(C)) {
      auto *M = dyn_cast<MappingValue>(V);
      if (!M)
        continue;
      size_t Before = M->size();
      llvm::erase_if(M->getItems(), [](const DictItem &It) {
        auto K = getStringValue(It.first);
        auto *L = dyn_cast<ListValue>(It.second);
        return K && *K == "lr_lambdas" && L &&
               llvm::all_of(L->elements(),
                            [](Value *E) { return isa<NoneValue>(E); });
      });
      Stats.add("lr-lambdas-dropped", Before - M->size());
    }
    return Error::success();
  }
};

} // namespace

Expected<std::unique_ptr<Pass>> createWidenDTypePass(const OptionValues &V) {
  auto Opts = WidenDTypeOptions::fromValues(V);
  if (!Opts)
    return Opts.takeError();
  std::optional<DType> From = parseDTypeIRName(Opts->from);
  std::optional<DType> To = parseDTypeIRName(Opts->to);
  if (!From || !To)
    return makeError("widen-dtype: unknown dtype '{0}'",
                     !From ? Opts->from : Opts->to);
  Converter Convert = findConverter(*From, *To);
  if (!Convert)
    return makeError("widen-dtype: {0} -> {1} is not an exact widening "
                     "(supported: bf16->f32, f16->f32, f32->f64, bool->u8)",
                     Opts->from, Opts->to);
  return std::make_unique<WidenDTypePass>(*From, *To, Convert);
}

Expected<std::unique_ptr<Pass>>
createDropSchedulerLambdasPass(const OptionValues &) {
  return std::make_unique<DropSchedulerLambdasPass>();
}

} // namespace ckpt
