//===- PassModel.cpp - Pass and Pipeline records as checked data ----------===//
//
// Part of ckpt-migrate. Reads the Pass and Pipeline records of a RecordKeeper
// into a PassFileModel, checking everything a generated table or the rule
// engine would otherwise trip over later. Never calls PrintFatalError or any
// Record accessor that does: a user's file must not end the process.
//
//===----------------------------------------------------------------------===//

#include "ckpt/TableGen/PassModel.h"
#include "ckpt/Passes/OptionRefs.h"
#include "ckpt/Passes/PassText.h"
#include "ckpt/Passes/RuleKinds.h"
#include "ckpt/TableGen/RecordUtils.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TableGen/Record.h"
#include <algorithm>
#include <functional>

using namespace llvm;

namespace ckpt {

//===----------------------------------------------------------------------===//
// Small helpers
//===----------------------------------------------------------------------===//

const OptionDef *PassDef::findOption(StringRef Name) const {
  for (const OptionDef &O : Options)
    if (O.Name == Name)
      return &O;
  return nullptr;
}

const StatisticDef *PassDef::findStatistic(StringRef Name) const {
  for (const StatisticDef &S : Statistics)
    if (S.Name == Name)
      return &S;
  return nullptr;
}

const PassDef *PassFileModel::findPass(StringRef Argument) const {
  for (const PassDef &P : Passes)
    if (P.Argument == Argument)
      return &P;
  return nullptr;
}

const PipelineDef *PassFileModel::findPipeline(StringRef Name) const {
  for (const PipelineDef &P : Pipelines)
    if (P.Name == Name)
      return &P;
  return nullptr;
}

/// Appends the words of \p Name (separated by '-' and '.') to \p Out in
/// camel case: every word capitalized but one that starts an empty \p Out.
static void appendCamelCase(std::string &Out, StringRef Name) {
  bool Upper = !Out.empty();
  for (char C : Name) {
    if (C == '-' || C == '.') {
      Upper = !Out.empty();
      continue;
    }
    Out += Upper ? toUpper(C) : C;
    Upper = false;
  }
}

std::string getStatisticCppName(StringRef Name) {
  std::string Out = "Num";
  appendCamelCase(Out, Name);
  return Out;
}

std::string dedentDescription(StringRef Text) {
  SmallVector<StringRef, 16> Lines;
  Text.split(Lines, '\n');
  for (StringRef &L : Lines)
    L = L.rtrim(" \t\r");
  while (!Lines.empty() && Lines.front().empty())
    Lines.erase(Lines.begin());
  while (!Lines.empty() && Lines.back().empty())
    Lines.pop_back();
  size_t Indent = StringRef::npos;
  for (StringRef L : Lines)
    if (!L.empty())
      Indent = std::min(Indent, L.find_first_not_of(" \t"));
  std::string Out;
  for (StringRef L : Lines) {
    if (!Out.empty())
      Out += '\n';
    Out += L.empty() ? L : L.drop_front(Indent);
  }
  return Out;
}

/// Whether \p Name is a C++ identifier, optionally `::`-qualified.
static bool isCppQualifiedName(StringRef Name) {
  Name.consume_front("::");
  SmallVector<StringRef, 4> Parts;
  Name.split(Parts, "::");
  for (StringRef P : Parts) {
    if (P.empty() || !(isAlpha(P[0]) || P[0] == '_'))
      return false;
    if (!all_of(P, [](char C) { return isAlnum(C) || C == '_'; }))
      return false;
  }
  return true;
}

/// Whether \p Target is empty or a release like `1.4` / `2.1.0`.
static bool isValidTarget(StringRef Target) {
  if (Target.empty())
    return true;
  SmallVector<StringRef, 3> Parts;
  Target.split(Parts, '.');
  return all_of(Parts, [](StringRef P) {
    return !P.empty() && all_of(P, [](char C) { return isDigit(C); });
  });
}

//===----------------------------------------------------------------------===//
// ModelBuilder
//===----------------------------------------------------------------------===//

namespace {

/// Reads records one field at a time, turning every problem into a rendered
/// diagnostic instead of a fatal error.
class ModelBuilder {
public:
  ModelBuilder(const RecordKeeper &Records, const SourceMgr &SM,
               const BuildOptions &Opts)
      : Records(Records), SM(SM), Opts(Opts) {
    if (!Opts.LocBase.empty()) {
      SmallString<128> Base(Opts.LocBase);
      sys::fs::make_absolute(Base);
      sys::path::remove_dots(Base, /*remove_dot_dot=*/true);
      LocBase = StringRef(Base).rtrim('/').str();
    }
  }

  Expected<PassFileModel> build();

private:
  const RecordKeeper &Records;
  const SourceMgr &SM;
  const BuildOptions &Opts;
  std::string LocBase;
  /// Rendered diagnostics and where they point, sorted by place at the end.
  std::vector<std::pair<SMLoc, std::string>> Diags;
  PassFileModel Model;
  /// Where each pass / pipeline was defined, for "previous definition" notes.
  StringMap<ArrayRef<SMLoc>> PassLocs, PipelineLocs;
  /// The records of Model.Pipelines, index for index.
  std::vector<const Record *> PipelineRecords;

  // --- Diagnostics ---------------------------------------------------------
  std::string render(SMLoc Loc, SourceMgr::DiagKind Kind, const Twine &Msg) {
    std::string S;
    raw_string_ostream OS(S);
    SM.GetMessage(Loc, Kind, Msg).print(nullptr, OS, /*ShowColors=*/false);
    OS.flush();
    return StringRef(S).rtrim('\n').str();
  }

  /// Reports \p Msg at the first of \p Loc, with notes for the multiclass
  /// instantiations that follow (as TableGen's PrintError does).
  void error(ArrayRef<SMLoc> Loc, const Twine &Msg,
             ArrayRef<SMLoc> NoteLoc = {}, const Twine &NoteMsg = "") {
    std::string S =
        render(Loc.empty() ? SMLoc() : Loc.front(), SourceMgr::DK_Error, Msg);
    for (SMLoc L : Loc.drop_front())
      S += "\n" + render(L, SourceMgr::DK_Note, "instantiated from multiclass");
    if (!NoteLoc.empty())
      S += "\n" + render(NoteLoc.front(), SourceMgr::DK_Note, NoteMsg);
    Diags.emplace_back(Loc.empty() ? SMLoc() : Loc.front(), std::move(S));
  }

  /// `file:line` of \p Loc, file relative to LocBase.
  std::string locString(ArrayRef<SMLoc> Loc) {
    if (Loc.empty() || !Loc.front().isValid())
      return "<unknown>";
    unsigned Buf = SM.FindBufferContainingLoc(Loc.front());
    if (!Buf)
      return "<unknown>";
    SmallString<128> Path(SM.getMemoryBuffer(Buf)->getBufferIdentifier());
    StringRef File = Path;
    if (!LocBase.empty()) {
      SmallString<128> Absolute(Path);
      sys::fs::make_absolute(Absolute);
      sys::path::remove_dots(Absolute, /*remove_dot_dot=*/true);
      StringRef A = Absolute;
      if (A.starts_with(LocBase) &&
          A.drop_front(LocBase.size()).starts_with("/"))
        return (A.drop_front(LocBase.size() + 1) + ":" +
                Twine(SM.getLineAndColumn(Loc.front(), Buf).first))
            .str();
    }
    return (File + ":" + Twine(SM.getLineAndColumn(Loc.front(), Buf).first))
        .str();
  }

  static SmallVector<SMLoc, 2> at(SMLoc L, const Record &R) {
    return getRecordLocsAt(L, R);
  }
  static SmallVector<SMLoc, 2> locsOf(const Record &R) {
    return getRecordLocs(R);
  }
  SMLoc ownFieldLoc(const Record &R, StringRef Field) {
    return getOwnFieldLoc(SM, R, Field);
  }

  /// Where to report a problem with field \p Field of \p R.
  SmallVector<SMLoc, 2> fieldLoc(const Record &R, StringRef Field) {
    SMLoc L = ownFieldLoc(R, Field);
    return L.isValid() ? at(L, R) : locsOf(R);
  }

  /// The first character of the value of the field whose name is at \p L
  /// (just after `=`), or null; \p End receives the end of its buffer.
  const char *valueStart(SMLoc L, const char *&End) {
    return getFieldValueStart(SM, L, End);
  }

  /// The source locations of the \p Count elements of list field \p Field
  /// of \p R, when the def's body writes it as a list literal; else empty.
  /// TableGen keeps no locations for list elements, and gives an anonymous
  /// record (`RenameKeys<...>` written in the list) the location of its
  /// class, so this rescans the literal.
  std::vector<SMLoc> listElementLocs(const Record &R, StringRef Field,
                                     size_t Count) {
    SMLoc L = ownFieldLoc(R, Field);
    if (!L.isValid())
      return {};
    const char *End = nullptr;
    const char *P = valueStart(L, End);
    if (!P || P == End || *P != '[' || (End - P >= 2 && P[1] == '{'))
      return {};
    std::vector<SMLoc> Locs;
    bool AtElementStart = true, Closed = false;
    scanTableGenValue(P + 1, End, [&](StringRef Unit, int Depth) {
      if (Depth != 0)
        return true;
      if (Unit == "]") {
        Closed = true;
        return false;
      }
      if (AtElementStart)
        Locs.push_back(SMLoc::getFromPointer(Unit.data()));
      AtElementStart = Unit == ",";
      return true;
    });
    if (!Closed || Locs.size() != Count)
      return {};
    return Locs;
  }

  /// The location of byte \p Offset of the string field \p Field (value
  /// \p Value) of \p R, when the def's body writes it as one literal without
  /// escapes; else invalid.
  SMLoc stringOffsetLoc(const Record &R, StringRef Field, StringRef Value,
                        size_t Offset) {
    SMLoc L = ownFieldLoc(R, Field);
    if (!L.isValid())
      return SMLoc();
    const char *End = nullptr;
    const char *P = valueStart(L, End);
    if (!P || P == End || *P != '"')
      return SMLoc();
    ++P;
    if (static_cast<size_t>(End - P) <= Value.size() ||
        StringRef(P, Value.size()) != Value || P[Value.size()] != '"')
      return SMLoc();
    return SMLoc::getFromPointer(P + std::min(Offset, Value.size()));
  }

  /// Where to report a problem with \p Element, element \p Index of list
  /// \p Field of \p Owner: a named record at its def, an anonymous one where
  /// the list writes it (\p UseLocs from listElementLocs).
  SmallVector<SMLoc, 2> elementLoc(const Record &Element, const Record &Owner,
                                   StringRef Field, ArrayRef<SMLoc> UseLocs,
                                   size_t Index) {
    if (!Element.isAnonymous())
      return locsOf(Element);
    if (Index < UseLocs.size())
      return at(UseLocs[Index], Owner);
    return fieldLoc(Owner, Field);
  }

  static std::string describe(const Record &R) {
    return R.isAnonymous() ? std::string("anonymous record")
                           : "record '" + R.getName().str() + "'";
  }

  // --- Field access --------------------------------------------------------
  const Init *getField(const Record &R, StringRef Field,
                       ArrayRef<SMLoc> At = {}) {
    ArrayRef<SMLoc> Loc = At.empty() ? R.getLoc() : At;
    const RecordVal *RV = R.getValue(Field);
    if (!RV) {
      error(Loc, describe(R) + " has no field '" + Field +
                     "' (does it derive from the PassBase.td class?)");
      return nullptr;
    }
    const Init *V = RV->getValue();
    if (!V || isa<UnsetInit>(V)) {
      error(Loc, "field '" + Field + "' of " + describe(R) + " is not set");
      return nullptr;
    }
    return V;
  }

  bool getString(const Record &R, StringRef Field, std::string &Out,
                 ArrayRef<SMLoc> At = {}) {
    const Init *V = getField(R, Field, At);
    if (!V)
      return false;
    if (const auto *S = dyn_cast<StringInit>(V)) {
      Out = S->getValue().str();
      return true;
    }
    error(At.empty() ? R.getLoc() : At,
          "field '" + Field + "' of " + describe(R) +
              " is not a string: " + V->getAsString());
    return false;
  }

  bool getDefList(const Record &R, StringRef Field,
                  std::vector<const Record *> &Out) {
    const Init *V = getField(R, Field);
    if (!V)
      return false;
    const auto *L = dyn_cast<ListInit>(V);
    if (!L) {
      error(R.getLoc(), "field '" + Field + "' of " + describe(R) +
                            " is not a list: " + V->getAsString());
      return false;
    }
    for (const Init *E : L->getValues()) {
      const auto *D = dyn_cast<DefInit>(E);
      if (!D) {
        error(R.getLoc(), "element '" + E->getAsString() + "' of field '" +
                              Field + "' of " + describe(R) +
                              " is not a record");
        return false;
      }
      Out.push_back(D->getDef());
    }
    return true;
  }

  std::vector<const Record *> derivedDefs(StringRef ClassName) {
    return getDefsInOrder(Records, ClassName);
  }

  // --- Records -------------------------------------------------------------
  void readPass(const Record &R);
  /// Reads option \p R, reporting problems at \p Loc.
  void readOption(const Record &R, ArrayRef<SMLoc> Loc, PassDef &P);
  /// Reads rule \p R, reporting problems at \p Loc; \p UseLoc is where the
  /// pass's list names it, if known.
  void readRule(const Record &R, ArrayRef<SMLoc> Loc, SMLoc UseLoc, PassDef &P);
  /// Reads a pipeline; its pass text is checked once all are read.
  void readPipeline(const Record &R);
  void checkPipelineText(const Record &R, const PipelineDef &PL);
  void checkPipelineCycles();
};

} // namespace

void ModelBuilder::readOption(const Record &R, ArrayRef<SMLoc> Loc,
                              PassDef &P) {
  OptionDef O;
  std::string Type;
  if (!getString(R, "name", O.Name, Loc) | !getString(R, "type", Type, Loc) |
      !getString(R, "defaultValue", O.Default, Loc) |
      !getString(R, "description", O.Description, Loc))
    return;
  if (!isValidPassName(O.Name)) {
    error(Loc, "invalid option name '" + O.Name + "' in pass '" + P.Argument +
                   "': names are [A-Za-z0-9_][A-Za-z0-9_.-]*");
    return;
  }
  if (P.findOption(O.Name)) {
    error(Loc,
          "duplicate option '" + O.Name + "' in pass '" + P.Argument + "'");
    return;
  }
  if (Type == "string")
    O.Type = OptionType::String;
  else if (Type == "int")
    O.Type = OptionType::Int;
  else if (Type == "bool")
    O.Type = OptionType::Bool;
  else {
    error(Loc, "option '" + O.Name + "' of pass '" + P.Argument +
                   "' has unknown type '" + Type +
                   "' (expected string, int or bool)");
    return;
  }
  if (Error E = checkOptionValue(O.Type, O.Default)) {
    error(Loc, "default of option '" + O.Name + "' of pass '" + P.Argument +
                   "': " + toString(std::move(E)));
    return;
  }
  P.Options.push_back(std::move(O));
}

void ModelBuilder::readRule(const Record &R, ArrayRef<SMLoc> Loc, SMLoc UseLoc,
                            PassDef &P) {
  const Record *RuleClass = Records.getClass("Rule");
  if (!RuleClass || !R.isSubClassOf(RuleClass)) {
    error(Loc, describe(R) + " in the rules of pass '" + P.Argument +
                   "' does not derive from Rule");
    return;
  }
  RuleDef Rule;
  if (!getString(R, "kind", Rule.Kind, Loc))
    return;
  // A shared rule (`DropMetadata`) is recorded where the pass uses it.
  Rule.Loc = locString(UseLoc.isValid() ? ArrayRef<SMLoc>(UseLoc) : Loc);
  const RuleKindInfo *Info = lookupRuleKind(Rule.Kind);
  if (!Info) {
    SmallVector<StringRef, 16> Known;
    for (const RuleKindInfo &K : getRuleKinds())
      Known.push_back(K.Name);
    error(Loc, "unknown rule kind '" + Rule.Kind + "' in pass '" + P.Argument +
                   "' (known kinds: " + join(Known, ", ") + ")");
    return;
  }

  auto ParamNames = [&] {
    SmallVector<StringRef, 4> Names;
    for (const RuleParamInfo &PI : Info->Params)
      Names.push_back(PI.Name);
    return Names.empty() ? std::string("none") : join(Names, ", ");
  };
  bool OK = true;
  // Every field other than `kind` must be a parameter of the kind.
  for (const RecordVal &RV : R.getValues()) {
    if (RV.isTemplateArg() || RV.getName() == "kind")
      continue;
    if (!any_of(Info->Params, [&](const RuleParamInfo &PI) {
          return PI.Name == RV.getName();
        })) {
      error(Loc, "rule kind '" + Rule.Kind + "' has no parameter '" +
                     RV.getName() + "' (parameters: " + ParamNames() + ")");
      OK = false;
    }
  }

  auto LookupDefault = [&](StringRef Name) -> std::optional<std::string> {
    if (const OptionDef *O = P.findOption(Name))
      return O->Default;
    return std::nullopt;
  };

  for (const RuleParamInfo &PI : Info->Params) {
    const RecordVal *RV = R.getValue(PI.Name);
    if (!RV) {
      error(Loc, "rule '" + Rule.Kind + "' lacks parameter '" + PI.Name + "'");
      OK = false;
      continue;
    }
    const Init *V = RV->getValue();
    if (!V || isa<UnsetInit>(V)) {
      error(Loc, "parameter '" + PI.Name + "' of rule '" + Rule.Kind +
                     "' is not set");
      OK = false;
      continue;
    }
    std::string Value;
    switch (PI.Type) {
    case RuleParamType::Int:
      if (const auto *I = dyn_cast<IntInit>(V)) {
        Value = itostr(I->getValue());
      } else {
        error(Loc, "parameter '" + PI.Name + "' of rule '" + Rule.Kind +
                       "' must be an int, not " + V->getAsString());
        OK = false;
        continue;
      }
      break;
    case RuleParamType::Bit:
      if (const auto *B = dyn_cast<BitInit>(V)) {
        Value = B->getValue() ? "1" : "0";
      } else {
        error(Loc, "parameter '" + PI.Name + "' of rule '" + Rule.Kind +
                       "' must be a bit, not " + V->getAsString());
        OK = false;
        continue;
      }
      break;
    case RuleParamType::String:
    case RuleParamType::Name:
    case RuleParamType::DottedName:
    case RuleParamType::QualifiedName:
    case RuleParamType::Literal:
    case RuleParamType::Regex:
    case RuleParamType::OptionalRegex: {
      const auto *S = dyn_cast<StringInit>(V);
      if (!S) {
        error(Loc, "parameter '" + PI.Name + "' of rule '" + Rule.Kind +
                       "' must be a string, not " + V->getAsString());
        OK = false;
        continue;
      }
      Value = S->getValue().str();
      Expected<std::string> Expanded = expandOptionRefs(Value, LookupDefault);
      if (!Expanded) {
        error(Loc, "parameter '" + PI.Name + "' of rule '" + Rule.Kind +
                       "' in pass '" + P.Argument +
                       "': " + toString(Expanded.takeError()));
        OK = false;
        continue;
      }
      // The other text types are checked by the rule engine with the
      // values a pipeline gives; a default may be empty for the user to fill.
      if (PI.Type != RuleParamType::Regex &&
          PI.Type != RuleParamType::OptionalRegex)
        break;
      if (Expanded->empty()) {
        // A regex made only of options with empty defaults is required of
        // the user: the rule engine checks it when the pass is instantiated.
        if (PI.Type == RuleParamType::OptionalRegex ||
            StringRef(Value).contains("${"))
          break;
        error(Loc, "parameter '" + PI.Name + "' of rule '" + Rule.Kind +
                       "' must be a non-empty regex");
        OK = false;
        continue;
      }
      llvm::Regex Re(*Expanded);
      std::string ReError;
      if (!Re.isValid(ReError)) {
        std::string Shown = "'" + *Expanded + "'";
        if (*Expanded != Value)
          Shown += " (from '" + Value + "' with option defaults)";
        error(Loc, "parameter '" + PI.Name + "' of rule '" + Rule.Kind +
                       "' is not a valid regex " + Shown + ": " + ReError);
        OK = false;
        continue;
      }
      break;
    }
    }
    Rule.Params.emplace_back(PI.Name.str(), std::move(Value));
  }
  if (OK)
    P.Rules.push_back(std::move(Rule));
}

void ModelBuilder::readPass(const Record &R) {
  PassDef P;
  P.DefName = R.getName().str();
  P.Loc = locString(R.getLoc());
  size_t DiagsBefore = Diags.size();
  if (!getString(R, "argument", P.Argument))
    return;
  if (!isValidPassName(P.Argument)) {
    error(R.getLoc(), "invalid pass argument '" + P.Argument +
                          "': arguments are [A-Za-z0-9_][A-Za-z0-9_.-]*");
    return;
  }
  auto [It, Inserted] = PassLocs.try_emplace(P.Argument, R.getLoc());
  if (!Inserted) {
    error(R.getLoc(), "duplicate pass argument '" + P.Argument + "'",
          It->second, "previous definition here");
    return;
  }

  getString(R, "summary", P.Summary);
  P.Summary = StringRef(P.Summary).trim().str();
  if (getString(R, "description", P.Description))
    P.Description = dedentDescription(P.Description);
  getString(R, "constructor", P.Constructor);

  std::vector<const Record *> Options, Statistics, Rules;
  if (getDefList(R, "options", Options)) {
    std::vector<SMLoc> Uses = listElementLocs(R, "options", Options.size());
    for (size_t I = 0; I < Options.size(); ++I)
      readOption(*Options[I], elementLoc(*Options[I], R, "options", Uses, I),
                 P);
  }

  if (getDefList(R, "statistics", Statistics)) {
    StringSet<> Seen;
    std::vector<SMLoc> Uses =
        listElementLocs(R, "statistics", Statistics.size());
    for (size_t I = 0; I < Statistics.size(); ++I) {
      const Record *S = Statistics[I];
      StatisticDef Stat;
      SmallVector<SMLoc, 2> Loc = elementLoc(*S, R, "statistics", Uses, I);
      if (!getString(*S, "name", Stat.Name, Loc) |
          !getString(*S, "description", Stat.Description, Loc))
        continue;
      if (!isValidPassName(Stat.Name))
        error(Loc, "invalid statistic name '" + Stat.Name + "' in pass '" +
                       P.Argument + "'");
      else if (!Seen.insert(Stat.Name).second)
        error(Loc, "duplicate statistic '" + Stat.Name + "' in pass '" +
                       P.Argument + "'");
      else
        P.Statistics.push_back(std::move(Stat));
    }
  }

  bool HasRules = false;
  if (getDefList(R, "rules", Rules)) {
    HasRules = !Rules.empty();
    std::vector<SMLoc> Uses = listElementLocs(R, "rules", Rules.size());
    for (size_t I = 0; I < Rules.size(); ++I)
      readRule(*Rules[I], elementLoc(*Rules[I], R, "rules", Uses, I),
               I < Uses.size() ? Uses[I] : SMLoc(), P);
    // A pass made of rules reports what its rules' kinds count.
    for (const RuleDef &Rule : P.Rules)
      if (const RuleKindInfo *Info = lookupRuleKind(Rule.Kind))
        for (const RuleStatisticInfo &S : Info->Statistics)
          if (!P.findStatistic(S.Name))
            P.Statistics.push_back({S.Name.str(), S.Description.str()});
  }

  if (!P.Constructor.empty()) {
    if (!isCppQualifiedName(P.Constructor))
      error(R.getLoc(), "constructor '" + P.Constructor + "' of pass '" +
                            P.Argument + "' is not a C++ function name");
    // The def name names the generated <DefName>Options struct.
    if (R.isAnonymous() || !isCppQualifiedName(P.DefName) ||
        StringRef(P.DefName).contains(':'))
      error(R.getLoc(), "pass '" + P.Argument +
                            "' has a C++ constructor, so it must be a def "
                            "named by a C++ identifier");
    StringMap<StringRef> CppNames;
    for (const OptionDef &O : P.Options) {
      std::string Cpp = getOptionCppName(O.Name);
      auto [Prev, New] = CppNames.try_emplace(Cpp, O.Name);
      if (!New)
        error(R.getLoc(), "options '" + Prev->second + "' and '" + O.Name +
                              "' of pass '" + P.Argument +
                              "' have the same C++ member name '" + Cpp + "'");
    }
    StringMap<StringRef> StatNames;
    for (const StatisticDef &S : P.Statistics) {
      std::string Cpp = getStatisticCppName(S.Name);
      auto [Prev, New] = StatNames.try_emplace(Cpp, S.Name);
      if (!New)
        error(R.getLoc(), "statistics '" + Prev->second + "' and '" + S.Name +
                              "' of pass '" + P.Argument +
                              "' have the same C++ name '" + Cpp + "'");
    }
  }
  if (!HasRules && P.Constructor.empty())
    error(R.getLoc(),
          "pass '" + P.Argument + "' has neither rules nor a constructor");
  else if (HasRules && !P.Constructor.empty())
    error(R.getLoc(), "pass '" + P.Argument +
                          "' has both rules and a constructor; a pass is "
                          "either declarative or C++");

  if (Diags.size() == DiagsBefore)
    Model.Passes.push_back(std::move(P));
}

void ModelBuilder::readPipeline(const Record &R) {
  PipelineDef PL;
  PL.DefName = R.getName().str();
  PL.Loc = locString(R.getLoc());
  size_t DiagsBefore = Diags.size();
  if (!getString(R, "name", PL.Name))
    return;
  if (!isValidPassName(PL.Name)) {
    error(R.getLoc(), "invalid pipeline name '" + PL.Name +
                          "': names are [A-Za-z0-9_][A-Za-z0-9_.-]*");
    return;
  }
  auto [It, Inserted] = PipelineLocs.try_emplace(PL.Name, R.getLoc());
  if (!Inserted) {
    error(R.getLoc(), "duplicate pipeline name '" + PL.Name + "'", It->second,
          "previous definition here");
    return;
  }
  auto PassIt = PassLocs.find(PL.Name);
  if (PassIt != PassLocs.end()) {
    error(R.getLoc(), "pipeline name '" + PL.Name + "' is also a pass argument",
          PassIt->second, "pass defined here");
    return;
  }
  getString(R, "summary", PL.Summary);
  PL.Summary = StringRef(PL.Summary).trim().str();
  if (getString(R, "description", PL.Description))
    PL.Description = dedentDescription(PL.Description);
  getString(R, "target", PL.Target);
  if (!isValidTarget(PL.Target))
    error(R.getLoc(), "target '" + PL.Target + "' of pipeline '" + PL.Name +
                          "' is not a release number like 1.4 or 2.1.0");
  getString(R, "passes", PL.Passes);
  if (Diags.size() == DiagsBefore) {
    Model.Pipelines.push_back(std::move(PL));
    PipelineRecords.push_back(&R);
  }
}

void ModelBuilder::checkPipelineText(const Record &R, const PipelineDef &PL) {
  // Points into the pass text when it is a plain literal in the def.
  auto LocAt = [&](size_t Offset) {
    SMLoc L = stringOffsetLoc(R, "passes", PL.Passes, Offset);
    return L.isValid() ? at(L, R) : fieldLoc(R, "passes");
  };
  Expected<std::vector<PassTextElement>> Elements = parsePassText(PL.Passes);
  if (!Elements) {
    handleAllErrors(Elements.takeError(), [&](const PassTextError &E) {
      error(LocAt(E.getOffset()), "invalid pass text in pipeline '" + PL.Name +
                                      "' at offset " + Twine(E.getOffset()) +
                                      ": " + E.getMessage());
    });
    return;
  }
  for (const PassTextElement &E : *Elements) {
    if (const PassDef *P = Model.findPass(E.Name)) {
      for (const PassTextOption &O : E.Options) {
        const OptionDef *Opt = P->findOption(O.Key);
        if (!Opt) {
          SmallVector<StringRef, 8> Names;
          for (const OptionDef &D : P->Options)
            Names.push_back(D.Name);
          error(LocAt(O.Offset),
                "pipeline '" + PL.Name + "': pass '" + P->Argument +
                    "' has no option '" + O.Key + "' (options: " +
                    (Names.empty() ? std::string("none") : join(Names, ", ")) +
                    ")");
        } else if (Error Err = checkOptionValue(Opt->Type, O.Value)) {
          error(LocAt(O.Offset), "pipeline '" + PL.Name + "': option '" +
                                     O.Key + "' of pass '" + P->Argument +
                                     "': " + toString(std::move(Err)));
        }
      }
      continue;
    }
    if (PassLocs.count(E.Name))
      continue; // A pass with errors of its own, already reported.
    if (PipelineLocs.count(E.Name)) {
      if (E.HasBraces)
        error(LocAt(E.Offset), "pipeline '" + PL.Name + "': pipeline '" +
                                   E.Name + "' takes no options");
      continue;
    }
    if (Opts.RequireKnownPassNames && !PassLocs.count(E.Name))
      error(LocAt(E.Offset), "pipeline '" + PL.Name +
                                 "' names unknown pass or pipeline '" + E.Name +
                                 "'");
  }
}

void ModelBuilder::checkPipelineCycles() {
  // Edges between pipelines of this file; passes are leaves.
  StringMap<std::vector<std::string>> Edges;
  for (const PipelineDef &PL : Model.Pipelines) {
    std::vector<std::string> &Out = Edges[PL.Name];
    if (auto Elements = parsePassText(PL.Passes)) {
      for (const PassTextElement &E : *Elements)
        if (Model.findPipeline(E.Name))
          Out.push_back(E.Name.str());
    } else {
      consumeError(Elements.takeError());
    }
  }
  enum State { Unvisited, Active, Done };
  StringMap<State> States;
  std::vector<std::string> Stack;
  // Returns the cycle found, as a path from its first pipeline back to it.
  std::function<std::vector<std::string>(StringRef)> Visit =
      [&](StringRef Name) -> std::vector<std::string> {
    States[Name] = Active;
    Stack.push_back(Name.str());
    for (const std::string &Next : Edges[Name]) {
      State S = States.lookup(Next);
      if (S == Active) {
        auto Begin = llvm::find(Stack, Next);
        std::vector<std::string> Cycle(Begin, Stack.end());
        Cycle.push_back(Next);
        return Cycle;
      }
      if (S == Unvisited) {
        std::vector<std::string> Cycle = Visit(Next);
        if (!Cycle.empty())
          return Cycle;
      }
    }
    Stack.pop_back();
    States[Name] = Done;
    return {};
  };
  for (const PipelineDef &PL : Model.Pipelines) {
    if (States.lookup(PL.Name) != Unvisited)
      continue;
    Stack.clear();
    std::vector<std::string> Cycle = Visit(PL.Name);
    if (Cycle.empty())
      continue;
    error(PipelineLocs.lookup(Cycle.front()),
          "pipeline '" + Cycle.front() +
              "' includes itself: " + join(Cycle, " -> "));
    return;
  }
}

Expected<PassFileModel> ModelBuilder::build() {
  for (const Record *R : derivedDefs("Pass"))
    readPass(*R);
  for (const Record *R : derivedDefs("Pipeline"))
    readPipeline(*R);
  for (size_t I = 0; I < Model.Pipelines.size(); ++I)
    checkPipelineText(*PipelineRecords[I], Model.Pipelines[I]);
  checkPipelineCycles();
  if (Diags.empty())
    return std::move(Model);
  // Report in file order, whatever order the checks ran in.
  auto Key = [&](SMLoc L) {
    unsigned Buf = L.isValid() ? SM.FindBufferContainingLoc(L) : 0;
    return std::make_pair(Buf, L.getPointer());
  };
  llvm::stable_sort(Diags, [&](const auto &A, const auto &B) {
    return Key(A.first) < Key(B.first);
  });
  std::vector<std::string> Rendered;
  for (auto &D : Diags)
    Rendered.push_back(std::move(D.second));
  return make_error<DiagnosticError>(std::move(Rendered));
}

std::string getOptionCppName(StringRef Name) {
  std::string Out;
  appendCamelCase(Out, Name);
  if (Out.empty() || isDigit(Out[0]))
    Out = "opt" + Out;
  static const char *const Reserved[] = {
      "alignas",  "alignof",   "and",       "asm",       "auto",
      "bool",     "break",     "case",      "catch",     "char",
      "class",    "const",     "constexpr", "continue",  "default",
      "delete",   "do",        "double",    "else",      "enum",
      "explicit", "export",    "extern",    "false",     "float",
      "for",      "friend",    "goto",      "if",        "inline",
      "int",      "long",      "mutable",   "namespace", "new",
      "noexcept", "not",       "nullptr",   "operator",  "or",
      "private",  "protected", "public",    "register",  "return",
      "short",    "signed",    "sizeof",    "static",    "struct",
      "switch",   "template",  "this",      "throw",     "true",
      "try",      "typedef",   "typeid",    "typename",  "union",
      "unsigned", "using",     "virtual",   "void",      "volatile",
      "while",    "xor",       "fromValues"};
  if (is_contained(Reserved, StringRef(Out)))
    Out += '_';
  return Out;
}

Expected<PassFileModel> buildPassModel(const RecordKeeper &Records,
                                       const SourceMgr &SM,
                                       const BuildOptions &Opts) {
  return ModelBuilder(Records, SM, Opts).build();
}

//===----------------------------------------------------------------------===//
// PassSpecSet
//===----------------------------------------------------------------------===//

Expected<std::unique_ptr<PassSpecSet>> PassSpecSet::create(
    PassFileModel Model,
    function_ref<PassFactory(StringRef Constructor)> LookupFactory) {
  std::unique_ptr<PassSpecSet> Set(new PassSpecSet());
  Set->Model = std::move(Model);
  const PassFileModel &M = Set->Model;
  // Reserve everything first: the specs point into these vectors.
  Set->OptionStorage.reserve(M.Passes.size());
  Set->StatisticStorage.reserve(M.Passes.size());
  Set->RuleStorage.reserve(M.Passes.size());
  size_t NumRules = 0;
  for (const PassDef &P : M.Passes)
    NumRules += P.Rules.size();
  Set->ParamStorage.reserve(NumRules);

  std::vector<std::string> Errors;
  for (const PassDef &P : M.Passes) {
    auto &Options = Set->OptionStorage.emplace_back();
    for (const OptionDef &O : P.Options)
      Options.push_back({O.Name, O.Type, O.Default, O.Description});
    auto &Stats = Set->StatisticStorage.emplace_back();
    for (const StatisticDef &S : P.Statistics)
      Stats.push_back({S.Name, S.Description});
    auto &Rules = Set->RuleStorage.emplace_back();
    for (const RuleDef &R : P.Rules) {
      auto &Params = Set->ParamStorage.emplace_back();
      for (const auto &KV : R.Params)
        Params.push_back({KV.first, KV.second});
      Rules.push_back({R.Kind, Params, R.Loc});
    }
    PassSpec Spec;
    Spec.Argument = P.Argument;
    Spec.Summary = P.Summary;
    Spec.Description = P.Description;
    Spec.Options = Options;
    Spec.Statistics = Stats;
    Spec.Rules = Rules;
    Spec.Loc = P.Loc;
    if (!P.Constructor.empty()) {
      Spec.Factory = LookupFactory(P.Constructor);
      if (!Spec.Factory)
        Errors.push_back(P.Loc + ": error: pass '" + P.Argument +
                         "' names C++ constructor '" + P.Constructor +
                         "', which this tool does not contain");
    }
    Set->Passes.push_back(Spec);
  }
  for (const PipelineDef &PL : M.Pipelines)
    Set->Pipelines.push_back(
        {PL.Name, PL.Summary, PL.Description, PL.Passes, PL.Target, PL.Loc});
  if (!Errors.empty())
    return make_error<DiagnosticError>(std::move(Errors));
  return Set;
}

} // namespace ckpt
