//===- PythonObjects.cpp - Pickled Python objects passes recognise --------===//
//
// Part of ckpt-migrate. See PythonObjects.h.
//
//===----------------------------------------------------------------------===//

#include "PythonObjects.h"
#include "llvm/Support/ConvertUTF.h"

using namespace llvm;

namespace ckpt {

std::optional<std::string> getPickledBytes(Value *V) {
  if (auto *B = dyn_cast<BytesValue>(V))
    return B->getValue().str();
  auto *O = dyn_cast<ObjectValue>(V);
  if (!O || !O->isCallTo("_codecs", "encode") || !O->getArgs() ||
      O->getArgs()->size() != 2)
    return std::nullopt;
  auto Text = getStringValue((*O->getArgs())[0]);
  auto Enc = getStringValue((*O->getArgs())[1]);
  if (!Text || !Enc || *Enc != "latin1")
    return std::nullopt;
  std::string Out;
  const UTF8 *P = reinterpret_cast<const UTF8 *>(Text->data());
  const UTF8 *E = P + Text->size();
  while (P < E) {
    UTF32 CP;
    if (convertUTF8Sequence(&P, E, &CP, strictConversion) != conversionOK ||
        CP > 0xff)
      return std::nullopt;
    Out.push_back(char(CP));
  }
  return Out;
}

std::optional<std::pair<char, unsigned>> getNumpyDType(Value *V) {
  auto *O = dyn_cast<ObjectValue>(V);
  if (!O || !O->getCallableGlobal() ||
      O->getCallableGlobal()->getName() != "dtype" || !O->getArgs() ||
      O->getArgs()->size() < 1)
    return std::nullopt;
  StringRef M = O->getCallableGlobal()->getModule();
  if (M != "numpy")
    return std::nullopt;
  auto Code = getStringValue((*O->getArgs())[0]);
  if (!Code || Code->size() < 2)
    return std::nullopt;
  if (auto *S = dyn_cast_or_null<TupleValue>(O->getState()))
    if (S->size() > 1)
      if (auto Order = getStringValue((*S)[1]); Order && *Order == ">")
        return std::nullopt;
  unsigned Size;
  if (Code->drop_front().getAsInteger(10, Size))
    return std::nullopt;
  return std::make_pair((*Code)[0], Size);
}

std::optional<std::string> getNumpyDTypeName(char Kind, unsigned Size) {
  const char *Base;
  switch (Kind) {
  case 'f':
    Base = "float";
    break;
  case 'i':
    Base = "int";
    break;
  case 'u':
    Base = "uint";
    break;
  case 'c':
    Base = "complex";
    break;
  case 'b':
    return Size == 1 ? std::optional<std::string>("bool") : std::nullopt;
  default:
    return std::nullopt;
  }
  return std::string(Base) + std::to_string(Size * 8);
}

bool isNumpyModule(StringRef M) {
  return M == "numpy.core.multiarray" || M == "numpy._core.multiarray";
}

GlobalValue *getPersistentClass(PersistentRefValue *R) {
  auto *Id = R ? dyn_cast<TupleValue>(R->getId()) : nullptr;
  if (!Id || Id->size() < 2)
    return nullptr;
  // The legacy format: ('module', cls, source_file, source).
  if (auto Tag = getStringValue((*Id)[0]))
    return *Tag == "module" ? dyn_cast<GlobalValue>((*Id)[1]) : nullptr;
  // The tar format (0.1.x): (cls, source_file, source).
  if (Id->size() == 3 && getStringValue((*Id)[1]))
    return dyn_cast<GlobalValue>((*Id)[0]);
  return nullptr;
}

GlobalValue *getObjectClass(ObjectValue *O) {
  if (GlobalValue *G = O->getCallableGlobal())
    return G;
  return getPersistentClass(
      dyn_cast_or_null<PersistentRefValue>(O->getCallable()));
}

MappingValue *getModuleAttributes(Value *V) {
  auto *O = dyn_cast<ObjectValue>(V);
  auto *A = O ? dyn_cast_or_null<MappingValue>(O->getState()) : nullptr;
  if (!A || !A->lookup("_parameters") || !A->lookup("_buffers") ||
      !A->lookup("_modules"))
    return nullptr;
  return A;
}

} // namespace ckpt
