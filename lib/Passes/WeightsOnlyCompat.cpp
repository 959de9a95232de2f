//===- WeightsOnlyCompat.cpp - Objects weights_only reads, made plain -----===//
//
// Part of ckpt-migrate. weights-only-compat: numpy scalars and arrays,
// argparse.Namespace and TorchVersion objects made the Python values and
// tensors torch's weights_only unpickler accepts.
//
//===----------------------------------------------------------------------===//

#include "GraphEdits.h"
#include "PythonObjects.h"
#include "ckpt/IR/Checkpoint.h"
#include "ckpt/Passes/Pass.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Endian.h"
#include <cstring>
#include <optional>

#define GEN_PASS_DEF_WEIGHTSONLYCOMPAT
#include "ckpt/Passes/PassDecls.inc"

using namespace llvm;

namespace ckpt {
namespace {

std::optional<DType> numpyToDType(char Kind, unsigned Size) {
  switch (Kind) {
  case 'f':
    return Size == 2   ? DType::Float16
           : Size == 4 ? DType::Float32
           : Size == 8 ? std::optional<DType>(DType::Float64)
                       : std::nullopt;
  case 'i':
    return Size == 1   ? DType::Int8
           : Size == 2 ? DType::Int16
           : Size == 4 ? DType::Int32
           : Size == 8 ? std::optional<DType>(DType::Int64)
                       : std::nullopt;
  case 'u': // uint16/32/64: torch 2.3+, through untyped storages.
    return Size == 1   ? DType::UInt8
           : Size == 2 ? DType::UInt16
           : Size == 4 ? DType::UInt32
           : Size == 8 ? std::optional<DType>(DType::UInt64)
                       : std::nullopt;
  case 'b':
    return Size == 1 ? std::optional<DType>(DType::Bool) : std::nullopt;
  case 'c':
    return Size == 8    ? DType::Complex64
           : Size == 16 ? std::optional<DType>(DType::Complex128)
                        : std::nullopt;
  default:
    return std::nullopt;
  }
}

class WeightsOnlyCompatPass
    : public impl::WeightsOnlyCompatBase<WeightsOnlyCompatPass> {
public:
  using Base::Base;

  Error run(Checkpoint &C, PassStatistics &Stats) override {
    replaceNodes(C, [&](Value *V) { return convert(C, V, Stats); });
    return Error::success();
  }

private:
  Value *convert(Checkpoint &C, Value *V, PassStatistics &Stats) {
    auto *O = dyn_cast<ObjectValue>(V);
    GlobalValue *G = O ? O->getCallableGlobal() : nullptr;
    if (!G)
      return nullptr;
    // numpy.core.multiarray.scalar(dtype, bytes) -> a Python number.
    if (isNumpyModule(G->getModule()) && G->getName() == "scalar" &&
        O->getArgs() && O->getArgs()->size() == 2) {
      auto DT = getNumpyDType((*O->getArgs())[0]);
      auto Bytes = getPickledBytes((*O->getArgs())[1]);
      if (!DT || !Bytes || Bytes->size() != DT->second)
        return nullptr;
      Value *N = makeNumber(C, DT->first, *Bytes);
      if (N)
        Stats.add(NumNumpyScalars);
      return N;
    }
    // numpy.core.multiarray._reconstruct(ndarray, (0,), b'b') + BUILD
    // (version, shape, dtype, is_fortran, data) -> a tensor.
    if (isNumpyModule(G->getModule()) && G->getName() == "_reconstruct") {
      Value *T = makeTensor(C, O);
      if (T)
        Stats.add(NumNumpyArrays);
      return T;
    }
    if (G->is("argparse", "Namespace") && O->getArgs() &&
        O->getArgs()->size() == 0 && O->states().size() == 1)
      if (auto *D = dyn_cast<DictValue>(O->getState())) {
        Stats.add(NumNamespaces);
        return D;
      }
    if (G->is("torch.torch_version", "TorchVersion") && O->getArgs() &&
        O->getArgs()->size() == 1)
      if (auto S = getStringValue((*O->getArgs())[0])) {
        Stats.add(NumVersions);
        return C.create<StrValue>(S->str());
      }
    return nullptr;
  }

  static Value *makeNumber(Checkpoint &C, char Kind, StringRef B) {
    using namespace support::endian;
    const char *P = B.data();
    switch (Kind) {
    case 'b':
      return C.getBool(P[0] != 0);
    case 'i':
      switch (B.size()) {
      case 1:
        return C.create<IntValue>(int8_t(P[0]));
      case 2:
        return C.create<IntValue>(int16_t(read16le(P)));
      case 4:
        return C.create<IntValue>(int32_t(read32le(P)));
      case 8:
        return C.create<IntValue>(int64_t(read64le(P)));
      }
      return nullptr;
    case 'u':
      switch (B.size()) {
      case 1:
        return C.create<IntValue>(uint8_t(P[0]));
      case 2:
        return C.create<IntValue>(read16le(P));
      case 4:
        return C.create<IntValue>(read32le(P));
      }
      return nullptr;
    case 'f': {
      if (B.size() == 8) {
        uint64_t U = read64le(P);
        double D;
        std::memcpy(&D, &U, 8);
        return C.create<FloatValue>(D);
      }
      if (B.size() == 4) {
        uint32_t U = read32le(P);
        float F;
        std::memcpy(&F, &U, 4);
        return C.create<FloatValue>(F);
      }
      if (B.size() == 2)
        return C.create<FloatValue>(
            APFloat(APFloat::IEEEhalf(), APInt(16, read16le(P)))
                .convertToDouble());
      return nullptr;
    }
    default:
      return nullptr;
    }
  }

  static Value *makeTensor(Checkpoint &C, ObjectValue *O) {
    auto *S = dyn_cast_or_null<TupleValue>(O->getState());
    if (!S || S->size() != 5 || O->states().size() != 1)
      return nullptr;
    auto *Shape = dyn_cast<TupleValue>((*S)[1]);
    auto DT = getNumpyDType((*S)[2]);
    auto *Fortran = dyn_cast<BoolValue>((*S)[3]);
    auto Bytes = getPickledBytes((*S)[4]);
    if (!Shape || !DT || !Fortran || !Bytes)
      return nullptr;
    std::optional<DType> T = numpyToDType(DT->first, DT->second);
    if (!T)
      return nullptr;
    SmallVector<int64_t, 4> Sizes;
    uint64_t N = 1;
    for (Value *E : Shape->elements()) {
      auto *I = dyn_cast<IntValue>(E);
      if (!I || I->getValue() < 0)
        return nullptr;
      Sizes.push_back(I->getValue());
      N *= uint64_t(I->getValue());
    }
    if (N * getDTypeSize(*T) != Bytes->size())
      return nullptr;
    SmallVector<int64_t, 4> Strides = getContiguousStrides(Sizes);
    if (Fortran->getValue()) {
      int64_t Step = 1;
      for (size_t I = 0; I != Sizes.size(); ++I) {
        Strides[I] = Step;
        Step *= std::max<int64_t>(Sizes[I], 1);
      }
    }
    // A dtype without a typed storage class (uint16/32/64) is saved as
    // torch 2.x does: _rebuild_tensor_v3 over an untyped storage of bytes.
    bool Untyped = getDTypeStorageClass(*T).empty();
    auto *St = Untyped ? C.create<StorageValue>(DType::Untyped, Bytes->size(),
                                                "cpu", "")
                       : C.create<StorageValue>(*T, N, "cpu", "");
    St->setData(C.saveBytes(std::move(*Bytes)), std::nullopt);
    C.getStorages().push_back(St);
    auto *TV =
        C.create<TensorValue>(Untyped ? TensorValue::Form::RebuildTensorV3
                                      : TensorValue::Form::RebuildTensorV2,
                              St, *T);
    TV->setShape(Sizes, Strides);
    return TV; // Null hooks: a fresh OrderedDict() when written.
  }
};

} // namespace
} // namespace ckpt
