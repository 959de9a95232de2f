//===- OptimizerRules.cpp - Rule kinds for optimizer state ----------------===//
//
// Part of ckpt-migrate. OptimizerStepToNumber, OptimizerStepToTensor,
// AddParamGroupKey and DropParamGroupKey: the optimizer state of one release
// made what another reads.
//
//===----------------------------------------------------------------------===//

#include "RuleSupport.h"
#include "ckpt/Support/Error.h"
#include "llvm/Support/Endian.h"
#include <cmath>
#include <cstring>

using namespace llvm;

namespace ckpt {
namespace {

std::vector<OptimizerStateValue *> optimizerStates(Checkpoint &C) {
  std::vector<OptimizerStateValue *> Out;
  for (Value *V : reachableNodes(C))
    if (auto *O = dyn_cast<OptimizerStateValue>(V))
      Out.push_back(O);
  return Out;
}

/// Reads the single element of a 0-dim or 1-element tensor as a double.
std::optional<double> readScalar(const TensorValue *T) {
  const StorageValue *S = T->getStorage();
  if (!S || !S->hasData() || T->getNumElements() != 1)
    return std::nullopt;
  uint64_t Size = getDTypeSize(T->getDType());
  uint64_t Off = uint64_t(T->getOffset()) * Size;
  if (Off + Size > S->getData().size())
    return std::nullopt;
  const char *P = S->getData().data() + Off;
  using namespace support;
  switch (T->getDType()) {
  case DType::Float32: {
    uint32_t U = endian::read<uint32_t, llvm::endianness::little>(P);
    float F;
    std::memcpy(&F, &U, 4);
    return F;
  }
  case DType::Float64: {
    uint64_t U = endian::read<uint64_t, llvm::endianness::little>(P);
    double D;
    std::memcpy(&D, &U, 8);
    return D;
  }
  case DType::Int64:
    return double(endian::read<int64_t, llvm::endianness::little>(P));
  case DType::Int32:
    return double(endian::read<int32_t, llvm::endianness::little>(P));
  default:
    return std::nullopt;
  }
}

/// Calls Fn on every per-parameter state dict of every optimizer state.
template <typename F> void forEachParamState(Checkpoint &C, F Fn) {
  for (OptimizerStateValue *O : optimizerStates(C))
    if (MappingValue *PS = O->getParamState())
      for (DictItem &It : PS->getItems())
        if (auto *M = dyn_cast<MappingValue>(It.second))
          Fn(*M);
}

class OptimizerStepToNumberRule : public Rule {
public:
  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    Error Err = Error::success();
    forEachParamState(C, [&](MappingValue &M) {
      for (DictItem &It : M.getItems()) {
        auto K = getStringValue(It.first);
        auto *T = dyn_cast<TensorValue>(It.second);
        if (!K || *K != "step" || !T || Err)
          continue;
        std::optional<double> D = readScalar(T);
        if (!D) {
          Err =
              makeError("an optimizer step tensor of dtype {0} with {1} "
                        "elements is not a readable scalar",
                        getDTypeTorchName(T->getDType()), T->getNumElements());
          return;
        }
        // Steps count whole iterations: an integral value becomes an int.
        if (std::trunc(*D) == *D && std::fabs(*D) < 9e15)
          It.second = C.create<IntValue>(int64_t(*D));
        else
          It.second = C.create<FloatValue>(*D);
        Stats.add("steps-to-number");
      }
    });
    return Err;
  }
};

class OptimizerStepToTensorRule : public Rule {
public:
  explicit OptimizerStepToTensorRule(DType T) : T(T) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    forEachParamState(C, [&](MappingValue &M) {
      for (DictItem &It : M.getItems()) {
        auto K = getStringValue(It.first);
        if (!K || *K != "step")
          continue;
        double D;
        if (auto *I = dyn_cast<IntValue>(It.second))
          D = double(I->getValue());
        else if (auto *F = dyn_cast<FloatValue>(It.second))
          D = F->getValue();
        else
          continue;
        It.second = makeScalarTensor(C, D);
        Stats.add("steps-to-tensor");
      }
    });
    return Error::success();
  }

private:
  Value *makeScalarTensor(Checkpoint &C, double D) {
    std::string Bytes(getDTypeSize(T), '\0');
    if (T == DType::Float64) {
      std::memcpy(Bytes.data(), &D, 8);
    } else if (T == DType::Int64) {
      int64_t I = int64_t(D);
      std::memcpy(Bytes.data(), &I, 8);
    } else {
      float F = float(D);
      std::memcpy(Bytes.data(), &F, 4);
    }
    auto *S = C.create<StorageValue>(T, 1, "cpu", "");
    S->setData(C.saveBytes(std::move(Bytes)), std::nullopt);
    C.getStorages().push_back(S);
    auto *TV = C.create<TensorValue>(TensorValue::Form::RebuildTensorV2, S, T);
    TV->setShape({}, {});
    return TV; // Null hooks: a fresh OrderedDict() when written.
  }

  DType T;
};

std::vector<MappingValue *> paramGroups(Checkpoint &C) {
  std::vector<MappingValue *> Out;
  for (OptimizerStateValue *O : optimizerStates(C))
    if (ListValue *G = O->getParamGroups())
      for (Value *E : G->elements())
        if (auto *M = dyn_cast<MappingValue>(E))
          Out.push_back(M);
  return Out;
}

class AddParamGroupKeyRule : public Rule {
public:
  AddParamGroupKeyRule(std::string Key, std::string Literal)
      : Key(std::move(Key)), Literal(std::move(Literal)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (MappingValue *M : paramGroups(C)) {
      if (M->lookup(Key))
        continue;
      auto V = parseLiteral(C, Literal);
      if (!V)
        return V.takeError();
      M->set(C.create<StrValue>(Key), *V);
      Stats.add("param-group-keys-added");
    }
    return Error::success();
  }

private:
  std::string Key, Literal;
};

class DropParamGroupKeyRule : public Rule {
public:
  explicit DropParamGroupKeyRule(std::string Key) : Key(std::move(Key)) {}

  Error apply(Checkpoint &C, PassStatistics &Stats) override {
    for (MappingValue *M : paramGroups(C)) {
      auto &Items = M->getItems();
      size_t Before = Items.size();
      bool OnlyScalars = true;
      llvm::erase_if(Items, [&](const DictItem &It) {
        auto K = getStringValue(It.first);
        if (!K || *K != Key)
          return false;
        OnlyScalars &= It.second->isScalar();
        return true;
      });
      Stats.add("param-group-keys-dropped", Before - Items.size(),
                /*KeepsReachable=*/OnlyScalars);
    }
    return Error::success();
  }

private:
  std::string Key;
};

} // namespace

Expected<std::unique_ptr<Rule>> createOptimizerStepToNumberRule(RuleArgs &) {
  return std::make_unique<OptimizerStepToNumberRule>();
}

Expected<std::unique_ptr<Rule>> createOptimizerStepToTensorRule(RuleArgs &A) {
  StringRef Name = A.getString("dtype");
  std::optional<DType> T = parseDTypeIRName(Name);
  if (!T ||
      !(*T == DType::Float32 || *T == DType::Float64 || *T == DType::Int64))
    return makeError("{0}: dtype must be f32, f64 or i64, not '{1}'",
                     A.getWhat(), Name);
  return std::make_unique<OptimizerStepToTensorRule>(*T);
}

Expected<std::unique_ptr<Rule>> createAddParamGroupKeyRule(RuleArgs &A) {
  return std::make_unique<AddParamGroupKeyRule>(A.getString("key"),
                                                A.getString("value"));
}

Expected<std::unique_ptr<Rule>> createDropParamGroupKeyRule(RuleArgs &A) {
  return std::make_unique<DropParamGroupKeyRule>(A.getString("key"));
}

} // namespace ckpt
