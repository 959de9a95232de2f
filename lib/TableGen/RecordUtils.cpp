//===- RecordUtils.cpp - Helpers over TableGen records --------------------===//

#include "ckpt/TableGen/RecordUtils.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/TableGen/Record.h"

using namespace llvm;

namespace ckpt {

SmallVector<SMLoc, 2> getRecordLocs(const Record &R) {
  return SmallVector<SMLoc, 2>(R.getLoc().begin(), R.getLoc().end());
}

SmallVector<SMLoc, 2> getRecordLocsAt(SMLoc L, const Record &R) {
  SmallVector<SMLoc, 2> Locs = getRecordLocs(R);
  if (Locs.empty())
    Locs.push_back(L);
  else
    Locs.front() = L;
  return Locs;
}

SMLoc getOwnFieldLoc(const SourceMgr &SM, const Record &R, StringRef Field) {
  const RecordVal *RV = R.getValue(Field);
  if (!RV || !RV->getLoc().isValid() || R.getLoc().empty())
    return SMLoc();
  unsigned RecBuf = SM.FindBufferContainingLoc(R.getLoc().front());
  if (!RecBuf || RecBuf != SM.FindBufferContainingLoc(RV->getLoc()) ||
      RV->getLoc().getPointer() < R.getLoc().front().getPointer())
    return SMLoc();
  return RV->getLoc();
}

const char *skipTableGenSpace(const char *P, const char *End) {
  while (P < End) {
    if (isSpace(*P)) {
      ++P;
    } else if (End - P >= 2 && P[0] == '/' && P[1] == '/') {
      while (P < End && *P != '\n')
        ++P;
    } else if (End - P >= 2 && P[0] == '/' && P[1] == '*') {
      P += 2;
      while (End - P >= 2 && !(P[0] == '*' && P[1] == '/'))
        ++P;
      P = End - P >= 2 ? P + 2 : End;
    } else {
      break;
    }
  }
  return P;
}

std::vector<const Record *> getDefsInOrder(const RecordKeeper &Records,
                                           StringRef ClassName) {
  std::vector<const Record *> Out;
  const Record *Class = Records.getClass(ClassName);
  if (!Class)
    return Out;
  for (const auto &KV : Records.getDefs())
    if (KV.second->isSubClassOf(Class))
      Out.push_back(KV.second.get());
  llvm::sort(Out, [](const Record *A, const Record *B) {
    return A->getID() < B->getID();
  });
  return Out;
}

} // namespace ckpt
