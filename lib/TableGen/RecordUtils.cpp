//===- RecordUtils.cpp - Helpers over TableGen records --------------------===//
//
// Part of ckpt-migrate.
//
//===----------------------------------------------------------------------===//

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

const char *getFieldValueStart(const SourceMgr &SM, SMLoc L, const char *&End) {
  unsigned Buf = SM.FindBufferContainingLoc(L);
  if (!Buf)
    return nullptr;
  End = SM.getMemoryBuffer(Buf)->getBufferEnd();
  const char *P = L.getPointer();
  while (P < End && (isAlnum(*P) || *P == '_'))
    ++P;
  P = skipTableGenSpace(P, End);
  if (P == End || *P != '=')
    return nullptr;
  return skipTableGenSpace(P + 1, End);
}

const char *scanTableGenValue(const char *P, const char *End,
                              function_ref<bool(StringRef, int)> Visit) {
  int Depth = 0;
  while (true) {
    P = skipTableGenSpace(P, End);
    if (P == End)
      return P;
    const char *Begin = P;
    char C = *P;
    if (C == '"') {
      for (++P; P < End && *P != '"' && *P != '\n'; ++P)
        if (*P == '\\')
          ++P;
      P = P < End ? P + 1 : End;
    } else if (C == '[' && End - P >= 2 && P[1] == '{') {
      for (P += 2; End - P >= 2 && !(P[0] == '}' && P[1] == ']'); ++P)
        ;
      P = End - P >= 2 ? P + 2 : End;
    } else {
      ++P;
    }
    if (!Visit(StringRef(Begin, P - Begin), Depth))
      return Begin;
    if (P - Begin != 1)
      continue;
    if (C == '<' || C == '[' || C == '(' || C == '{')
      ++Depth;
    else if ((C == '>' || C == ']' || C == ')' || C == '}') && --Depth < 0)
      return Begin;
  }
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
