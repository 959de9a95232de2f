//===- TargetModel.h - Release records as checked data ----------*- C++ -*-===//
//
// Part of ckpt-migrate (private to ckpt-tblgen). The Release records of a
// release file (TargetBase.td vocabulary), read and checked, for the
// -gen-target-tables and -gen-target-docs backends.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_TOOLS_CKPT_TBLGEN_TARGETMODEL_H
#define CKPT_TOOLS_CKPT_TBLGEN_TARGETMODEL_H

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class Record;
class RecordKeeper;
} // namespace llvm

namespace ckpt {

/// The list fields of a release, in TargetSpec order.
enum ListKind {
  LK_Containers,
  LK_RebuildFunctions,
  LK_StorageClasses,
  LK_TorchGlobals,
  LK_DTypes,
  LK_Locations,
  LK_ParamGroupKeys,
  LK_ModuleClasses,
  LK_ObjectClasses,
  LK_ZipRecords,
  NumListKinds
};

struct ListFieldInfo {
  /// The field of TargetFacts ("dtypes").
  llvm::StringRef Field;
  /// The `add*`/`remove*` fields of Release.
  llvm::StringRef AddField;
  llvm::StringRef RemoveField;
  /// The TargetSpec member, also the name of its generated arrays.
  llvm::StringRef Member;
  /// What one element is, in diagnostics ("dtype").
  llvm::StringRef Noun;
  /// Docs heading.
  llvm::StringRef Title;
};

/// Every list field, indexed by ListKind.
extern const ListFieldInfo ListFields[NumListKinds];

/// Whether the docs list field \p K in full only for the oldest release and
/// as changes after it (the long class lists).
inline bool isLongList(unsigned K) {
  return K == LK_ModuleClasses || K == LK_ObjectClasses;
}

/// One Release record, read but not yet checked.
struct ReleaseDef {
  const llvm::Record *R = nullptr;
  std::string Version;
  std::string Summary;
  /// The ReleaseDef this one derives from, or null (NoRelease).
  const ReleaseDef *Base = nullptr;
  std::vector<std::string> Lists[NumListKinds];
  std::vector<std::string> Removes[NumListKinds];
  std::string DefaultContainer;
  int64_t MaxZipVersion = 0;
  std::string TensorForm;
  std::string ParameterForm;
  bool HasModuleVersions = false;
  bool TensorOptimizerStep = false;
  bool WeightsOnlyDefault = false;
  int64_t MaxPickleProtocol = 2;

  bool has(ListKind K, llvm::StringRef Value) const {
    return llvm::is_contained(Lists[K], Value);
  }
};

/// Every release of a release file, checked, in definition (= ascending)
/// order.
struct TargetModel {
  std::vector<std::unique_ptr<ReleaseDef>> Releases;
};

/// Reads and checks every Release record of \p Records. Every problem is a
/// `file:line:col: error:` diagnostic printed (in file order) through
/// TableGen's PrintError; then the result is empty.
std::optional<TargetModel> buildTargetModel(const llvm::RecordKeeper &Records);

} // namespace ckpt

#endif // CKPT_TOOLS_CKPT_TBLGEN_TARGETMODEL_H
