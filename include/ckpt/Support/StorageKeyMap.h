//===- ckpt/Support/StorageKeyMap.h - Maps keyed by storage keys -*- C++ -*-=//
//
// Part of ckpt-migrate. Checkpoints name their storages with keys that are
// almost always the decimal numbers torch counts up ("0", "1", ... in zip
// archives and in 1.x legacy files); a checkpoint of two million tensors
// looks two million of them up while it is read and again while it is
// written. This map keeps such keys in a vector indexed by their value and
// any other key (0.x pointer values, hand-made names) in a StringMap.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_SUPPORT_STORAGEKEYMAP_H
#define CKPT_SUPPORT_STORAGEKEYMAP_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>
#include <vector>

namespace ckpt {

/// Maps storage keys to pointers; null means absent.
template <typename T> class StorageKeyMap {
  static_assert(std::is_pointer_v<T>, "values are pointers; null is absent");

public:
  /// The value under \p Key, or null.
  T lookup(llvm::StringRef Key) const {
    if (std::optional<uint32_t> I = asIndex(Key))
      if (*I < Dense.size() && Dense[*I])
        return Dense[*I];
    // A number may have come before the vector reached it.
    return Other.empty() ? nullptr : Other.lookup(Key);
  }

  /// Puts \p V (not null) under \p Key unless the key is taken; returns
  /// whether it was put.
  bool insert(llvm::StringRef Key, T V) {
    if (std::optional<uint32_t> I = asIndex(Key);
        I && *I <= 2 * Dense.size() + DenseSlack) {
      if (*I >= Dense.size())
        Dense.resize(std::max<size_t>(*I + 1, 2 * Dense.size()), nullptr);
      if (Dense[*I] || (!Other.empty() && Other.count(Key)))
        return false;
      Dense[*I] = V;
      return true;
    }
    if (lookup(Key))
      return false;
    return Other.try_emplace(Key, V).second;
  }

private:
  /// Keys this far past the dense ones still go to the vector.
  static constexpr uint32_t DenseSlack = 1024;

  /// \p Key as a number, if it is the canonical decimal of one below 2^31
  /// ("0", "17"; not "017", "+1" or "").
  static std::optional<uint32_t> asIndex(llvm::StringRef Key) {
    if (Key.empty() || Key.size() > 9 || (Key.size() > 1 && Key[0] == '0'))
      return std::nullopt;
    uint32_t N = 0;
    for (char C : Key) {
      if (C < '0' || C > '9')
        return std::nullopt;
      N = N * 10 + uint32_t(C - '0');
    }
    return N;
  }

  std::vector<T> Dense;
  llvm::StringMap<T> Other;
};

} // namespace ckpt

#endif // CKPT_SUPPORT_STORAGEKEYMAP_H
