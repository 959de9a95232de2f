//===- Safetensors.cpp - The safetensors layout ---------------------------===//
//
// Part of ckpt-migrate. The rules are those of the safetensors library's
// loader (safetensors 0.4.5, `SafeTensors::deserialize` and
// `Metadata::validate`): header length within the file and at most 100 MB,
// a JSON object, known dtypes, `data_offsets` ordered and contiguous from 0
// to the end of the data, each range exactly the shape's byte size.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Container/Safetensors.h"
#include "ckpt/Support/Error.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace ckpt {

namespace {

/// The dtypes of the safetensors format and their sizes in bytes.
struct FormatDType {
  StringRef Name;
  unsigned Size;
};
constexpr FormatDType FormatDTypes[] = {
    {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
    {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
    {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8},
};

/// Finds a name given twice in the top-level object \p Text (valid JSON):
/// llvm::json, like the safetensors library, keeps one of them silently.
/// Returns the offset in \p Text of the second, and the name.
std::optional<std::pair<size_t, std::string>> findDuplicateKey(StringRef Text) {
  StringSet<> Seen;
  unsigned Depth = 0;
  for (size_t I = 0; I < Text.size(); ++I) {
    char Ch = Text[I];
    if (Ch == '{' || Ch == '[') {
      ++Depth;
    } else if (Ch == '}' || Ch == ']') {
      --Depth;
    } else if (Ch == '"') {
      size_t Start = I;
      for (++I; I < Text.size() && Text[I] != '"'; ++I)
        if (Text[I] == '\\')
          ++I;
      // A key of the top-level object: a string followed by ':'.
      size_t After = Text.find_first_not_of(" \t\r\n", I + 1);
      if (Depth != 1 || After == StringRef::npos || Text[After] != ':')
        continue;
      Expected<json::Value> Key = json::parse(Text.slice(Start, I + 1));
      if (!Key) {
        consumeError(Key.takeError());
        continue;
      }
      std::string Name = Key->getAsString()->str();
      if (!Seen.insert(Name).second)
        return std::make_pair(Start, Name);
    }
  }
  return std::nullopt;
}

} // namespace

unsigned getSafetensorsDTypeSize(StringRef DType) {
  for (const FormatDType &D : FormatDTypes)
    if (D.Name == DType)
      return D.Size;
  return 0;
}

Expected<SafetensorsHeader> parseSafetensorsHeader(MemoryBufferRef Buf) {
  StringRef Data = Buf.getBuffer();
  if (Data.size() < 8)
    return decodeError(0,
                       "safetensors file of {0} bytes has no header "
                       "length (8 bytes)",
                       Data.size());
  uint64_t Len = support::endian::read64le(Data.data());
  if (Len > MaxSafetensorsHeader)
    return decodeError(0,
                       "safetensors header length {0} exceeds the "
                       "format's limit of {1} bytes",
                       Len, MaxSafetensorsHeader);
  if (Len > Data.size() - 8)
    return decodeError(0,
                       "safetensors header length {0} runs past the end "
                       "of the file ({1} bytes)",
                       Len, Data.size());
  StringRef Text = Data.substr(8, Len);
  if (!Text.starts_with("{"))
    return decodeError(8, "safetensors header does not start with '{'");
  // json::parse requires valid UTF-8 and reports duplicate keys.
  if (!json::isUTF8(Text))
    return decodeError(8, "safetensors header is not valid UTF-8");
  Expected<json::Value> Parsed = json::parse(Text);
  if (!Parsed) {
    // "[line:column, byte=N]: what": point at byte N of the header.
    std::string Msg = toString(Parsed.takeError());
    StringRef Rest = StringRef(Msg).split("byte=").second;
    uint64_t At = 0;
    Rest.consumeInteger(10, At);
    StringRef What = StringRef(Msg).split("]: ").second;
    return decodeError(8 + std::min<uint64_t>(At, Len),
                       "safetensors header is not valid JSON: {0}",
                       What.empty() ? StringRef(Msg) : What);
  }
  const json::Object *Root = Parsed->getAsObject();
  if (!Root)
    return decodeError(8, "safetensors header is not a JSON object");
  if (auto Dup = findDuplicateKey(Text))
    return decodeError(8 + Dup->first, "safetensors header names '{0}' twice",
                       Dup->second);

  SafetensorsHeader H;
  H.DataStart = 8 + Len;
  uint64_t DataSize = Data.size() - H.DataStart;
  for (const auto &[Key, V] : *Root) {
    StringRef Name = Key;
    if (Name == "__metadata__") {
      const json::Object *M = V.getAsObject();
      if (!M)
        return decodeError(8, "safetensors __metadata__ is not an object");
      for (const auto &[MK, MV] : *M) {
        std::optional<StringRef> S = MV.getAsString();
        if (!S)
          return decodeError(8,
                             "safetensors __metadata__ entry '{0}' is "
                             "not a string",
                             StringRef(MK));
        H.Metadata.emplace_back(StringRef(MK).str(), S->str());
      }
      continue;
    }
    const json::Object *O = V.getAsObject();
    if (!O)
      return decodeError(8, "safetensors entry '{0}' is not an object", Name);
    SafetensorsTensor T;
    T.Name = Name.str();
    std::optional<StringRef> DT = O->getString("dtype");
    const json::Array *Shape = O->getArray("shape");
    const json::Array *Offsets = O->getArray("data_offsets");
    if (!DT || !Shape || !Offsets)
      return decodeError(8, "safetensors entry '{0}' lacks {1}", Name,
                         !DT      ? "a string \"dtype\""
                         : !Shape ? "a \"shape\" array"
                                  : "a \"data_offsets\" array");
    unsigned Size = getSafetensorsDTypeSize(*DT);
    if (!Size)
      return decodeError(8, "safetensors entry '{0}' has unknown dtype '{1}'",
                         Name, *DT);
    T.DType = DT->str();
    // The element count, bounded by the data (every dimension is checked
    // before it is multiplied in, so it cannot overflow).
    uint64_t Count = 1;
    bool Empty = false;
    for (const json::Value &D : *Shape) {
      std::optional<int64_t> N = D.getAsInteger();
      if (!N || *N < 0)
        return decodeError(8,
                           "safetensors entry '{0}' has a shape "
                           "dimension that is not a non-negative integer",
                           Name);
      T.Shape.push_back(*N);
      if (*N == 0)
        Empty = true;
      else if (!Empty &&
               (uint64_t(*N) > DataSize || Count > DataSize / uint64_t(*N)))
        return decodeError(8,
                           "safetensors entry '{0}' has a shape larger "
                           "than the file's data ({1} bytes)",
                           Name, DataSize);
      else if (!Empty)
        Count *= uint64_t(*N);
    }
    if (Empty)
      Count = 0;
    if (Offsets->size() != 2)
      return decodeError(8,
                         "safetensors entry '{0}' has {1} data_offsets, "
                         "expected 2",
                         Name, Offsets->size());
    std::optional<int64_t> B = (*Offsets)[0].getAsInteger();
    std::optional<int64_t> E = (*Offsets)[1].getAsInteger();
    if (!B || !E || *B < 0 || *E < *B)
      return decodeError(8,
                         "safetensors entry '{0}' has invalid "
                         "data_offsets (expected 0 <= begin <= end)",
                         Name);
    T.Begin = *B;
    T.End = *E;
    if (T.End - T.Begin != Count * Size)
      return decodeError(8,
                         "safetensors entry '{0}': data_offsets [{1}, {2}] "
                         "hold {3} bytes, but shape and dtype {4} need {5}",
                         Name, T.Begin, T.End, T.End - T.Begin, T.DType,
                         Count * Size);
    H.Tensors.push_back(std::move(T));
  }
  // The JSON object is unordered: sort as the data lies, then names for
  // empty tensors at the same offset.
  llvm::sort(H.Tensors, [](const SafetensorsTensor &A,
                           const SafetensorsTensor &B) {
    return std::tie(A.Begin, A.End, A.Name) < std::tie(B.Begin, B.End, B.Name);
  });
  llvm::sort(H.Metadata);
  uint64_t At = 0;
  for (const SafetensorsTensor &T : H.Tensors) {
    if (T.Begin != At)
      return decodeError(H.DataStart + std::min(T.Begin, At),
                         "safetensors entry '{0}' starts at data offset {1} "
                         "but the previous tensor ends at {2} ({3})",
                         T.Name, T.Begin, At,
                         T.Begin > At ? "a hole" : "an overlap");
    At = T.End;
  }
  if (At != DataSize)
    return decodeError(H.DataStart + std::min(At, DataSize),
                       "safetensors tensors end at data offset {0} but the "
                       "file holds {1} bytes of data",
                       At, DataSize);
  return H;
}

std::string
buildSafetensorsHeader(ArrayRef<SafetensorsTensor> Tensors,
                       ArrayRef<std::pair<std::string, std::string>> Metadata) {
  std::string Text;
  raw_string_ostream OS(Text);
  json::OStream J(OS);
  J.object([&] {
    if (!Metadata.empty())
      J.attributeObject("__metadata__", [&] {
        for (const auto &[K, V] : Metadata)
          J.attribute(K, V);
      });
    for (const SafetensorsTensor &T : Tensors)
      J.attributeObject(T.Name, [&] {
        J.attribute("dtype", T.DType);
        J.attributeArray("shape", [&] {
          for (int64_t D : T.Shape)
            J.value(D);
        });
        J.attributeArray("data_offsets", [&] {
          J.value(int64_t(T.Begin));
          J.value(int64_t(T.End));
        });
      });
  });
  OS.flush();
  // The data starts 8-byte aligned.
  Text.append((8 - (8 + Text.size()) % 8) % 8, ' ');
  std::string Out(8, '\0');
  support::endian::write64le(Out.data(), Text.size());
  return Out + Text;
}

} // namespace ckpt
