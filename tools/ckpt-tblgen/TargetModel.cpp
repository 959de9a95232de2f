//===- TargetModel.cpp - Reading and checking Release records -------------===//
//
// Part of ckpt-migrate. Reads the Release records of a release file
// (TargetBase.td vocabulary) and checks them for the target backends. Every
// problem is a `file:line:col: error:` diagnostic pointing at the offending
// name where the def's own body writes it (else at the field, else at the def).
// A problem a release inherits from its base is reported once, at the release
// that introduced it.
//
//===----------------------------------------------------------------------===//

#include "TargetModel.h"
#include "ckpt/Support/ReleaseVersion.h"
#include "ckpt/TableGen/RecordUtils.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TableGen/Error.h"
#include "llvm/TableGen/Record.h"
#include <map>
#include <optional>
#include <tuple>

using namespace llvm;

namespace ckpt {

const ListFieldInfo ListFields[NumListKinds] = {
    {"containers", "addContainers", "removeContainers", "Containers",
     "container", "Containers"},
    {"rebuildFunctions", "addRebuildFunctions", "removeRebuildFunctions",
     "RebuildFunctions", "rebuild function", "Rebuild functions"},
    {"storageClasses", "addStorageClasses", "removeStorageClasses",
     "StorageClasses", "storage class", "Storage classes"},
    {"torchGlobals", "addTorchGlobals", "removeTorchGlobals", "TorchGlobals",
     "torch global", "Torch globals"},
    {"dtypes", "addDTypes", "removeDTypes", "DTypes", "dtype", "dtypes"},
    {"locations", "addLocations", "removeLocations", "Locations", "location",
     "Locations"},
    {"paramGroupKeys", "addParamGroupKeys", "removeParamGroupKeys",
     "ParamGroupKeys", "param-group key", "Param-group keys"},
    {"moduleClasses", "addModuleClasses", "removeModuleClasses",
     "ModuleClasses", "module class", "Module classes"},
    {"objectClasses", "addObjectClasses", "removeObjectClasses",
     "ObjectClasses", "object class", "Object classes"},
    {"zipRecords", "addZipRecords", "removeZipRecords", "ZipRecords",
     "zip record", "Zip records"},
};

namespace {

//===----------------------------------------------------------------------===//
// Vocabulary
//===----------------------------------------------------------------------===//

struct DTypeRow {
  StringRef IRName;
  StringRef TorchName;
  StringRef StorageClass;
};

constexpr DTypeRow DTypeRows[] = {
#define CKPT_DTYPE(Enum, IRName, TorchName, StorageClass, Size, Safetensors)   \
  {IRName, TorchName, StorageClass},
#include "ckpt/IR/DTypes.def"
};

/// The IR name of the byte storage of torch.UntypedStorage: a dtype of its
/// own in the IR, with no dtype object of its own in torch.
constexpr StringRef UntypedIRName = "untyped";

const DTypeRow *findDType(StringRef IRName) {
  for (const DTypeRow &Row : DTypeRows)
    if (Row.IRName == IRName)
      return &Row;
  return nullptr;
}

const DTypeRow *findStorageClass(StringRef Class) {
  for (const DTypeRow &Row : DTypeRows)
    if (!Row.StorageClass.empty() && Row.StorageClass == Class)
      return &Row;
  return nullptr;
}

constexpr StringRef KnownContainers[] = {"tar", "legacy", "zip"};
constexpr StringRef KnownZipRecords[] = {
#define CKPT_ZIP_RECORD(Name, Trailing) Name,
#include "ckpt/Container/ZipRecords.def"
};
constexpr StringRef KnownTensorForms[] = {"tensor_v1", "tensor"};
constexpr StringRef KnownParameterForms[] = {"parameter_legacy", "tensor",
                                             "parameter_call", "parameter"};

/// "a, b or c".
std::string alternatives(ArrayRef<StringRef> Names) {
  std::string S;
  for (size_t I = 0; I < Names.size(); ++I) {
    if (I)
      S += I + 1 == Names.size() ? " or " : ", ";
    S += Names[I].str();
  }
  return S;
}

bool isIdentifier(StringRef S) {
  if (S.empty() || !(isAlpha(S.front()) || S.front() == '_'))
    return false;
  return llvm::all_of(S, [](char C) { return isAlnum(C) || C == '_'; });
}

bool isLowerIdentifier(StringRef S) {
  return isIdentifier(S) && isLower(S.front()) &&
         llvm::none_of(S, [](char C) { return isUpper(C); });
}

/// `a.b.c` with every part an identifier.
bool isDottedName(StringRef S) {
  SmallVector<StringRef, 4> Parts;
  S.split(Parts, '.');
  return llvm::all_of(Parts, isIdentifier);
}

//===----------------------------------------------------------------------===//
// Model
//===----------------------------------------------------------------------===//

/// A problem with one release: what is wrong (without naming the release,
/// so that the same problem in a derived release compares equal), the field
/// it concerns and, for list elements, the element.
struct Issue {
  std::string Message;
  StringRef Field;
  std::string Element;
  /// Whether Field is a list field (Element locates it).
  std::optional<ListKind> List;
  /// Whether the last literal naming Element is the one to point at.
  bool Last = false;
};

class TargetModelBuilder {
public:
  explicit TargetModelBuilder(const RecordKeeper &Records) : Records(Records) {}

  /// Reads and checks every release; false after printing diagnostics.
  bool build();

  /// The releases, in definition (= ascending) order.
  std::vector<std::unique_ptr<ReleaseDef>> Releases;

private:
  const RecordKeeper &Records;
  bool Failed = false;
  std::map<const Record *, const ReleaseDef *> ByRecord;

  /// A diagnostic, printed (in file order) when building ends.
  struct Diag {
    SmallVector<SMLoc, 2> Loc;
    std::string Msg;
    SmallVector<SMLoc, 2> NoteLoc;
    std::string NoteMsg;
  };
  std::vector<Diag> Diags;

  void error(ArrayRef<SMLoc> Loc, const Twine &Msg,
             ArrayRef<SMLoc> NoteLoc = {}, const Twine &NoteMsg = "") {
    Diags.push_back({SmallVector<SMLoc, 2>(Loc.begin(), Loc.end()), Msg.str(),
                     SmallVector<SMLoc, 2>(NoteLoc.begin(), NoteLoc.end()),
                     NoteMsg.str()});
    Failed = true;
  }

  /// Prints the diagnostics in file order, whatever order the checks ran in.
  void printDiags() {
    auto Key = [](const Diag &D) {
      SMLoc L = D.Loc.empty() ? SMLoc() : D.Loc.front();
      unsigned Buf = L.isValid() ? SrcMgr.FindBufferContainingLoc(L) : 0;
      return std::make_pair(Buf, L.getPointer());
    };
    llvm::stable_sort(
        Diags, [&](const Diag &A, const Diag &B) { return Key(A) < Key(B); });
    for (const Diag &D : Diags) {
      PrintError(D.Loc, D.Msg);
      if (!D.NoteLoc.empty())
        PrintNote(D.NoteLoc, D.NoteMsg);
    }
    Diags.clear();
  }

  // --- Locations -----------------------------------------------------------
  static SmallVector<SMLoc, 2> locsOf(const Record &R) {
    return getRecordLocs(R);
  }
  static SmallVector<SMLoc, 2> at(SMLoc L, const Record &R) {
    return getRecordLocsAt(L, R);
  }
  static SMLoc ownFieldLoc(const Record &R, StringRef Field) {
    return getOwnFieldLoc(SrcMgr, R, Field);
  }

  /// Scans the text from \p P up to the first \p Stop character outside
  /// brackets, strings and comments, for the string literal "Value";
  /// returns the location of its opening quote, or invalid.
  static SMLoc findStringLiteral(const char *P, const char *End, StringRef Stop,
                                 StringRef Value, bool Last = false) {
    SMLoc Found;
    scanTableGenValue(P, End, [&](StringRef Unit, int Depth) {
      if (Depth == 0 && Unit.size() == 1 && Stop.contains(Unit.front()))
        return false;
      if (Unit.size() >= 2 && Unit.front() == '"' && Unit.back() == '"' &&
          Unit.drop_front().drop_back() == Value) {
        Found = SMLoc::getFromPointer(Unit.data());
        return Last;
      }
      return true;
    });
    return Found;
  }

  /// The (first or \p Last) string literal \p Value in the value of field
  /// \p Field, when the def's own body writes it there.
  static SMLoc fieldLiteralLoc(const Record &R, StringRef Field,
                               StringRef Value, bool Last = false) {
    SMLoc L = ownFieldLoc(R, Field);
    if (!L.isValid())
      return SMLoc();
    const char *End = nullptr;
    const char *P = getFieldValueStart(SrcMgr, L, End);
    if (!P)
      return SMLoc();
    return findStringLiteral(P, End, ";", Value, Last);
  }

  /// The version literal in `def X : Release<"1.2", ...>`.
  static SmallVector<SMLoc, 2> versionLoc(const ReleaseDef &D) {
    const Record &R = *D.R;
    if (!R.getLoc().empty()) {
      SMLoc L = R.getLoc().front();
      if (unsigned Buf = SrcMgr.FindBufferContainingLoc(L)) {
        const char *End = SrcMgr.getMemoryBuffer(Buf)->getBufferEnd();
        SMLoc V = findStringLiteral(L.getPointer(), End, "{;", D.Version);
        if (V.isValid())
          return at(V, R);
      }
    }
    return locsOf(R);
  }

  /// Where to report \p I about release \p D.
  static SmallVector<SMLoc, 2> issueLoc(const ReleaseDef &D, const Issue &I) {
    const Record &R = *D.R;
    if (I.List) {
      const ListFieldInfo &F = ListFields[*I.List];
      for (StringRef Field : {I.Field, F.AddField, F.Field, F.RemoveField}) {
        SMLoc L = fieldLiteralLoc(R, Field, I.Element, I.Last);
        if (L.isValid())
          return at(L, R);
      }
      for (StringRef Field : {F.AddField, F.Field}) {
        SMLoc L = ownFieldLoc(R, Field);
        if (L.isValid())
          return at(L, R);
      }
      return locsOf(R);
    }
    SMLoc L = ownFieldLoc(R, I.Field);
    if (L.isValid()) {
      SMLoc V = fieldLiteralLoc(R, I.Field, I.Element);
      return at(V.isValid() ? V : L, R);
    }
    return locsOf(R);
  }

  // --- Field access --------------------------------------------------------
  const Init *getField(const Record &R, StringRef Field) {
    const RecordVal *RV = R.getValue(Field);
    if (!RV) {
      error(locsOf(R), "record '" + R.getName() + "' has no field '" + Field +
                           "' (does it derive from Release in "
                           "TargetBase.td?)");
      return nullptr;
    }
    const Init *V = RV->getValue();
    if (!V || isa<UnsetInit>(V)) {
      error(locsOf(R), "field '" + Field + "' of release '" + R.getName() +
                           "' is not set");
      return nullptr;
    }
    return V;
  }

  bool getString(const Record &R, StringRef Field, std::string &Out) {
    const Init *V = getField(R, Field);
    if (!V)
      return false;
    if (const auto *S = dyn_cast<StringInit>(V)) {
      Out = S->getValue().str();
      return true;
    }
    error(locsOf(R), "field '" + Field + "' of release '" + R.getName() +
                         "' is not a string: " + V->getAsString());
    return false;
  }

  bool getInt(const Record &R, StringRef Field, int64_t &Out) {
    const Init *V = getField(R, Field);
    if (!V)
      return false;
    if (const auto *I = dyn_cast<IntInit>(V)) {
      Out = I->getValue();
      return true;
    }
    error(locsOf(R), "field '" + Field + "' of release '" + R.getName() +
                         "' is not an int: " + V->getAsString());
    return false;
  }

  bool getBit(const Record &R, StringRef Field, bool &Out) {
    const Init *V = getField(R, Field);
    if (!V)
      return false;
    if (const auto *B = dyn_cast<BitInit>(V)) {
      Out = B->getValue();
      return true;
    }
    error(locsOf(R), "field '" + Field + "' of release '" + R.getName() +
                         "' is not a bit: " + V->getAsString());
    return false;
  }

  bool getStringList(const Record &R, StringRef Field,
                     std::vector<std::string> &Out) {
    const Init *V = getField(R, Field);
    if (!V)
      return false;
    const auto *L = dyn_cast<ListInit>(V);
    if (!L) {
      error(locsOf(R), "field '" + Field + "' of release '" + R.getName() +
                           "' is not a list: " + V->getAsString());
      return false;
    }
    for (const Init *E : L->getValues()) {
      const auto *S = dyn_cast<StringInit>(E);
      if (!S) {
        error(locsOf(R), "element '" + E->getAsString() + "' of field '" +
                             Field + "' of release '" + R.getName() +
                             "' is not a string");
        return false;
      }
      Out.push_back(S->getValue().str());
    }
    return true;
  }

  // --- Reading and checking ------------------------------------------------
  std::vector<const Record *> derivedDefs(StringRef ClassName) {
    return getDefsInOrder(Records, ClassName);
  }

  std::unique_ptr<ReleaseDef> read(const Record &R);
  static std::vector<Issue> check(const ReleaseDef &D);
  void checkVersions();
};

std::unique_ptr<ReleaseDef> TargetModelBuilder::read(const Record &R) {
  auto D = std::make_unique<ReleaseDef>();
  D->R = &R;
  bool OK = getString(R, "version", D->Version);
  OK &= getString(R, "summary", D->Summary);
  for (unsigned K = 0; K < NumListKinds; ++K) {
    OK &= getStringList(R, ListFields[K].Field, D->Lists[K]);
    OK &= getStringList(R, ListFields[K].RemoveField, D->Removes[K]);
  }
  OK &= getString(R, "defaultContainer", D->DefaultContainer);
  OK &= getInt(R, "maxZipVersion", D->MaxZipVersion);
  OK &= getString(R, "tensorForm", D->TensorForm);
  OK &= getString(R, "parameterForm", D->ParameterForm);
  OK &= getBit(R, "hasModuleVersions", D->HasModuleVersions);
  OK &= getBit(R, "tensorOptimizerStep", D->TensorOptimizerStep);
  OK &= getBit(R, "weightsOnlyDefault", D->WeightsOnlyDefault);
  OK &= getInt(R, "maxPickleProtocol", D->MaxPickleProtocol);
  if (const Init *B = getField(R, "base")) {
    if (const auto *DI = dyn_cast<DefInit>(B))
      D->Base = ByRecord.count(DI->getDef()) ? ByRecord[DI->getDef()] : nullptr;
  } else {
    OK = false;
  }
  return OK ? std::move(D) : nullptr;
}

std::vector<Issue> TargetModelBuilder::check(const ReleaseDef &D) {
  std::vector<Issue> Issues;
  auto ListIssue = [&](ListKind K, StringRef Element, const Twine &Msg) {
    Issues.push_back({Msg.str(), ListFields[K].Field, Element.str(), K});
  };
  auto FieldIssue = [&](StringRef Field, StringRef Value, const Twine &Msg) {
    Issues.push_back({Msg.str(), Field, Value.str(), std::nullopt});
  };

  // Names.
  for (unsigned K = 0; K < NumListKinds; ++K) {
    ListKind LK = static_cast<ListKind>(K);
    StringRef Noun = ListFields[K].Noun;
    StringSet<> Seen;
    for (const std::string &E : D.Lists[K]) {
      if (!Seen.insert(E).second) {
        ListIssue(LK, E, "duplicate " + Noun + " '" + E + "'");
        Issues.back().Last = true;
        continue;
      }
      switch (LK) {
      case LK_Containers:
        if (!llvm::is_contained(KnownContainers, E))
          ListIssue(LK, E,
                    "unknown container '" + E + "' (expected " +
                        alternatives(KnownContainers) + ")");
        break;
      case LK_RebuildFunctions:
        if (!isIdentifier(E))
          ListIssue(LK, E,
                    "invalid rebuild function '" + E +
                        "' (expected an unqualified name in torch._utils or "
                        "torch._tensor)");
        break;
      case LK_StorageClasses:
        if (!findStorageClass(E))
          ListIssue(LK, E,
                    "unknown storage class '" + E +
                        "' (not a storage class of ckpt/IR/DTypes.def)");
        break;
      case LK_TorchGlobals:
        if (!StringRef(E).starts_with("torch.") || !isDottedName(E))
          ListIssue(LK, E,
                    "invalid torch global '" + E + "' (expected torch.<name>)");
        break;
      case LK_DTypes:
        if (!findDType(E))
          ListIssue(LK, E,
                    "unknown dtype '" + E +
                        "' (not an IR name of ckpt/IR/DTypes.def)");
        break;
      case LK_Locations:
        if (!isLowerIdentifier(E))
          ListIssue(LK, E,
                    "invalid location '" + E +
                        "' (expected a device tag such as cpu or cuda)");
        break;
      case LK_ParamGroupKeys: {
        auto [Opt, Key] = StringRef(E).split(':');
        if (!isLowerIdentifier(Opt) || !isIdentifier(Key))
          ListIssue(LK, E,
                    "invalid param-group key '" + E +
                        "' (expected optimizer:key, e.g. adam:amsgrad)");
        break;
      }
      case LK_ModuleClasses:
      case LK_ObjectClasses:
        // Classes of a torch submodule, never of torch itself (those are
        // torch globals), and each in one list only.
        if (!StringRef(E).starts_with("torch.") || !isDottedName(E) ||
            StringRef(E).count('.') < 2)
          ListIssue(LK, E,
                    "invalid " + Noun + " '" + E +
                        "' (expected torch.<module>.<Name>)");
        else if (D.has(LK_TorchGlobals, E))
          ListIssue(LK, E, Noun + " '" + E + "' is also a torch global");
        else if (LK == LK_ObjectClasses && D.has(LK_ModuleClasses, E))
          ListIssue(LK, E, "object class '" + E + "' is also a module class");
        break;
      case LK_ZipRecords:
        if (!llvm::is_contained(KnownZipRecords, E))
          ListIssue(LK, E,
                    "unknown zip record '" + E + "' (expected " +
                        alternatives(KnownZipRecords) + ")");
        break;
      case NumListKinds:
        break;
      }
    }
    // Removing what the base does not have is a typo.
    for (const std::string &E : D.Removes[K])
      if (!D.Base || !D.Base->has(LK, E))
        Issues.push_back({"removes " + Noun.str() + " '" + E + "' that " +
                              (D.Base ? "release '" + D.Base->Version + "'"
                                      : std::string("its base")) +
                              " does not have",
                          ListFields[K].RemoveField, E, LK});
  }

  // Containers.
  if (!llvm::is_contained(KnownContainers, D.DefaultContainer))
    FieldIssue("defaultContainer", D.DefaultContainer,
               "unknown default container '" + D.DefaultContainer +
                   "' (expected " + alternatives(KnownContainers) + ")");
  else if (!D.has(LK_Containers, D.DefaultContainer))
    FieldIssue("defaultContainer", D.DefaultContainer,
               "default container '" + D.DefaultContainer +
                   "' is not among the containers it reads");
  bool Zip = D.has(LK_Containers, "zip");
  if (Zip && D.MaxZipVersion <= 0)
    FieldIssue("maxZipVersion", "",
               "reads zip but its max zip version is " +
                   Twine(D.MaxZipVersion));
  if (!Zip && D.MaxZipVersion != 0)
    FieldIssue("maxZipVersion", "",
               "max zip version " + Twine(D.MaxZipVersion) +
                   " without the zip container");

  // Tensor and parameter forms.
  if (!llvm::is_contained(KnownTensorForms, D.TensorForm))
    FieldIssue("tensorForm", D.TensorForm,
               "unknown tensor form '" + D.TensorForm + "' (expected " +
                   alternatives(KnownTensorForms) + ")");
  else if (StringRef Fn = D.TensorForm == "tensor" ? "_rebuild_tensor_v2"
                                                   : "_rebuild_tensor";
           !D.has(LK_RebuildFunctions, Fn))
    FieldIssue("tensorForm", D.TensorForm,
               "tensor form '" + D.TensorForm + "' needs rebuild function '" +
                   Fn + "'");
  if (!llvm::is_contained(KnownParameterForms, D.ParameterForm))
    FieldIssue("parameterForm", D.ParameterForm,
               "unknown parameter form '" + D.ParameterForm + "' (expected " +
                   alternatives(KnownParameterForms) + ")");
  else if (D.ParameterForm == "parameter" &&
           !D.has(LK_RebuildFunctions, "_rebuild_parameter"))
    FieldIssue("parameterForm", D.ParameterForm,
               "parameter form 'parameter' needs rebuild function "
               "'_rebuild_parameter'");
  else if ((D.ParameterForm == "parameter_call" ||
            D.ParameterForm == "parameter_legacy") &&
           !D.has(LK_TorchGlobals, "torch.nn.parameter.Parameter"))
    FieldIssue("parameterForm", D.ParameterForm,
               "parameter form '" + D.ParameterForm +
                   "' needs torch global 'torch.nn.parameter.Parameter'");

  // dtypes, storage classes and dtype objects agree.
  bool HasDTypeObjects = false;
  for (const DTypeRow &Row : DTypeRows)
    if (Row.IRName != UntypedIRName &&
        D.has(LK_TorchGlobals, ("torch." + Row.TorchName).str()))
      HasDTypeObjects = true;
  StringSet<> SeenDType;
  for (const std::string &E : D.Lists[LK_DTypes]) {
    const DTypeRow *Row = findDType(E);
    if (!Row || !SeenDType.insert(E).second)
      continue;
    if (!Row->StorageClass.empty()) {
      if (!D.has(LK_StorageClasses, Row->StorageClass))
        ListIssue(LK_DTypes, E,
                  "dtype '" + E + "' needs storage class '" +
                      Row->StorageClass + "'");
    } else if (!D.has(LK_RebuildFunctions, "_rebuild_tensor_v3") ||
               !D.has(LK_StorageClasses, "UntypedStorage")) {
      ListIssue(LK_DTypes, E,
                "dtype '" + E +
                    "' needs rebuild function '_rebuild_tensor_v3' and "
                    "storage class 'UntypedStorage'");
    }
    std::string Global = ("torch." + Row->TorchName).str();
    if (HasDTypeObjects && E != UntypedIRName &&
        !D.has(LK_TorchGlobals, Global))
      ListIssue(LK_DTypes, E,
                "dtype '" + E + "' needs torch global '" + Global +
                    "' (the release has dtype objects)");
  }
  StringSet<> SeenClass;
  for (const std::string &E : D.Lists[LK_StorageClasses]) {
    const DTypeRow *Row = findStorageClass(E);
    if (!Row || !SeenClass.insert(E).second)
      continue;
    if (!D.has(LK_DTypes, Row->IRName))
      ListIssue(LK_StorageClasses, E,
                "storage class '" + E + "' needs dtype '" + Row->IRName + "'");
  }

  if (D.MaxPickleProtocol < 2 || D.MaxPickleProtocol > 5)
    FieldIssue("maxPickleProtocol", "",
               "max pickle protocol " + Twine(D.MaxPickleProtocol) +
                   " is not between 2 and 5");
  return Issues;
}

void TargetModelBuilder::checkVersions() {
  StringMap<const ReleaseDef *> ByVersion;
  const ReleaseDef *Prev = nullptr;
  std::optional<ReleaseVersion> PrevV;
  for (const auto &D : Releases) {
    std::optional<ReleaseVersion> V = parseReleaseVersion(D->Version);
    if (!V) {
      error(versionLoc(*D),
            "invalid version '" + D->Version + "' (expected N.N or N.N.N)");
      continue;
    }
    auto [It, Inserted] = ByVersion.try_emplace(D->Version, D.get());
    if (!Inserted) {
      error(versionLoc(*D), "duplicate release '" + D->Version + "'",
            versionLoc(*It->second), "previous definition here");
      continue;
    }
    if (PrevV && V->key() <= PrevV->key()) {
      std::string Msg =
          V->key() == PrevV->key()
              ? "release '" + D->Version + "' is the same release as '" +
                    Prev->Version + "'"
              : "release '" + D->Version + "' is older than release '" +
                    Prev->Version +
                    "' defined before it; releases must be in ascending order";
      error(versionLoc(*D), Msg, versionLoc(*Prev), "previous release here");
      continue;
    }
    Prev = D.get();
    PrevV = V;
  }
}

bool TargetModelBuilder::build() {
  for (const Record *R : derivedDefs("Release")) {
    std::unique_ptr<ReleaseDef> D = read(*R);
    if (!D)
      continue;
    ByRecord[R] = D.get();
    Releases.push_back(std::move(D));
  }
  if (Failed) {
    printDiags();
    return false;
  }
  checkVersions();
  for (const auto &D : Releases) {
    std::vector<Issue> Issues = check(*D);
    std::vector<Issue> BaseIssues;
    if (D->Base)
      BaseIssues = check(*D->Base);
    for (const Issue &I : Issues) {
      // Reported where it was introduced, unless this body restates it.
      bool Inherited = llvm::any_of(
          BaseIssues, [&](const Issue &B) { return B.Message == I.Message; });
      if (Inherited && (I.List || !ownFieldLoc(*D->R, I.Field).isValid()))
        continue;
      error(issueLoc(*D, I), "release '" + D->Version + "': " + I.Message);
    }
  }
  printDiags();
  return !Failed;
}

} // namespace

std::optional<TargetModel> buildTargetModel(const RecordKeeper &Records) {
  TargetModelBuilder B(Records);
  if (!B.build())
    return std::nullopt;
  TargetModel M;
  M.Releases = std::move(B.Releases);
  return M;
}

} // namespace ckpt
