//===- PassDeclsGen.cpp - -gen-pass-decls backend -------------------------===//
//
// Part of ckpt-migrate. For each pass implemented in C++ (a Pass with a
// `constructor`), emits, as MLIR's PassGen does: a typed `<DefName>Options`
// struct read from the parsed OptionValues and the constructor's declaration
// (`GEN_PASS_DECL_<DEFNAME>`), and the pass base `impl::<DefName>Base` with
// the argument, the options, a constant per declared statistic and the
// constructor's definition (`GEN_PASS_DEF_<DEFNAME>`).
//
//===----------------------------------------------------------------------===//

#include "Emitters.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdint>

using namespace llvm;

namespace ckpt {

static std::string getSectionMacro(const PassDef &P) {
  return "GEN_PASS_DECL_" + StringRef(P.DefName).upper();
}

static std::string getDefMacro(const PassDef &P) {
  return "GEN_PASS_DEF_" + StringRef(P.DefName).upper();
}

/// Writes the default of \p O as a C++ initializer.
static void emitDefault(raw_ostream &OS, const OptionDef &O) {
  switch (O.Type) {
  case OptionType::String:
    emitCppString(OS, O.Default, 8);
    return;
  case OptionType::Int: {
    int64_t V = 0;
    StringRef Digits = StringRef(O.Default);
    Digits.consume_front("+");
    if (Digits.getAsInteger(10, V))
      V = 0; // Unreachable: buildPassModel checked the default.
    if (V == INT64_MIN)
      OS << "INT64_MIN";
    else
      OS << V;
    return;
  }
  case OptionType::Bool:
    OS << ((O.Default == "true" || O.Default == "1") ? "true" : "false");
    return;
  }
}

static StringRef getCppType(OptionType T) {
  switch (T) {
  case OptionType::String:
    return "std::string";
  case OptionType::Int:
    return "int64_t";
  case OptionType::Bool:
    return "bool";
  }
  return "";
}

/// Writes \p Text as `///` comment lines indented by \p Indent.
static void emitDocComment(raw_ostream &OS, StringRef Text, unsigned Indent) {
  SmallVector<StringRef, 8> Lines;
  Text.split(Lines, '\n');
  for (StringRef L : Lines)
    OS.indent(Indent) << (L.empty() ? "///" : "/// ") << L << "\n";
}

static void emitPassSection(raw_ostream &OS, const PassDef &P) {
  std::string Macro = getSectionMacro(P);
  std::string Struct = P.DefName + "Options";
  OS << "#ifdef " << Macro << "\n"
     << "#include \"ckpt/Passes/Pass.h\"\n"
     << "#include <cstdint>\n"
     << "#include <memory>\n"
     << "#include <string>\n\n"
     << "namespace ckpt {\n\n";
  std::string Doc = "Options of `-" + P.Argument + "`";
  if (!P.Summary.empty())
    Doc += ": " + P.Summary;
  Doc += " (" + P.Loc + ").";
  emitDocComment(OS, Doc, 0);
  OS << "struct " << Struct << " {\n";
  for (const OptionDef &O : P.Options) {
    if (!O.Description.empty())
      emitDocComment(OS, O.Description, 2);
    OS << "  " << getCppType(O.Type) << " " << getOptionCppName(O.Name)
       << " = ";
    emitDefault(OS, O);
    OS << ";\n";
  }
  if (!P.Options.empty())
    OS << "\n";
  OS << "  /// Reads the options from values OptionValues::create has "
        "checked.\n"
     << "  static llvm::Expected<" << Struct << ">\n"
     << "  fromValues(const OptionValues &"
     << (P.Options.empty() ? "" : "Values") << ") {\n"
     << "    " << Struct << " Result;\n";
  for (const OptionDef &O : P.Options) {
    OS << "    Result." << getOptionCppName(O.Name) << " = Values.";
    switch (O.Type) {
    case OptionType::String:
      OS << "getString(";
      emitCppString(OS, O.Name);
      OS << ").str();\n";
      break;
    case OptionType::Int:
      OS << "getInt(";
      emitCppString(OS, O.Name);
      OS << ");\n";
      break;
    case OptionType::Bool:
      OS << "getBool(";
      emitCppString(OS, O.Name);
      OS << ");\n";
      break;
    }
  }
  OS << "    return Result;\n"
     << "  }\n"
     << "};\n\n"
     << "} // namespace ckpt\n\n"
     << "/// Creates `-" << P.Argument << "`.\n";
  emitConstructorDecl(OS, P.Constructor);
  OS << "\n#undef " << Macro << "\n"
     << "#endif // " << Macro << "\n\n";
}

/// Emits the GEN_PASS_DEF section of \p P: its base class template and the
/// definition of its constructor, which parses the options and calls the
/// derived class's `create(Options)` (the base's makes the pass from them).
static void emitPassDefSection(raw_ostream &OS, const PassDef &P) {
  std::string Macro = getDefMacro(P);
  auto [NS, Ctor] = splitConstructor(P.Constructor);
  StringRef Namespace = NS.empty() ? StringRef("ckpt") : NS;
  std::string BaseName = P.DefName + "Base";
  StringRef Factory = "::llvm::Expected<std::unique_ptr<::ckpt::Pass>>";
  OS << "#ifdef " << Macro << "\n"
     << "#include \"llvm/ADT/StringRef.h\"\n"
     << "#include <memory>\n"
     << "#include <utility>\n\n"
     << "namespace " << Namespace << " {\n"
     << "namespace impl {\n\n"
     << Factory << "\n"
     << Ctor << "(const ::ckpt::OptionValues &Values);\n\n";
  emitDocComment(OS,
                 "The base of `-" + P.Argument + "` (" + P.Loc +
                     "): its argument, options and\nstatistics, and the "
                     "definition of " +
                     P.Constructor +
                     ".\nDerive the pass as `class X : public impl::" +
                     BaseName + "<X>` with\n`using Base::Base;`.",
                 0);
  OS << "template <typename DerivedT>\n"
     << "class " << BaseName << " : public ::ckpt::Pass {\n"
     << "public:\n"
     << "  using Base = " << BaseName << ";\n"
     << "  using Options = ::ckpt::" << P.DefName << "Options;\n\n"
     << "  /// The pass's argument, as `-passes=` names it.\n"
     << "  static constexpr ::llvm::StringLiteral Argument = ";
  emitCppString(OS, P.Argument);
  OS << ";\n";
  if (!P.Statistics.empty())
    OS << "\n  // The statistics its definition declares; the pass manager "
          "refuses others.\n";
  for (const StatisticDef &S : P.Statistics) {
    if (!S.Description.empty())
      emitDocComment(OS, S.Description, 2);
    OS << "  static constexpr ::llvm::StringLiteral "
       << getStatisticCppName(S.Name) << " = ";
    emitCppString(OS, S.Name);
    OS << ";\n";
  }
  OS << "\n  explicit " << BaseName
     << "(Options Given) : Opts(std::move(Given)) {}\n\n"
     << "  ::llvm::StringRef getArgument() const override { return Argument; "
        "}\n\n"
     << "  /// Makes the pass from its options. A pass that checks them or "
        "derives\n"
     << "  /// state from them declares its own `static create(Options)`.\n"
     << "  static " << Factory << " create(Options Opts) {\n"
     << "    return std::make_unique<DerivedT>(std::move(Opts));\n"
     << "  }\n\n"
     << "protected:\n"
     << "  /// The options the pass was given.\n"
     << "  Options Opts;\n\n"
     << "private:\n"
     << "  static " << Factory << "\n"
     << "  createFromValues(const ::ckpt::OptionValues &Values) {\n"
     << "    auto Parsed = Options::fromValues(Values);\n"
     << "    if (!Parsed)\n"
     << "      return Parsed.takeError();\n"
     << "    return DerivedT::create(std::move(*Parsed));\n"
     << "  }\n\n"
     << "  friend " << Factory << "\n"
     << "  " << Ctor << "(const ::ckpt::OptionValues &Values) {\n"
     << "    return createFromValues(Values);\n"
     << "  }\n"
     << "};\n\n"
     << "} // namespace impl\n\n"
     << Factory << "\n"
     << Ctor << "(const ::ckpt::OptionValues &Values) {\n"
     << "  return impl::" << Ctor << "(Values);\n"
     << "}\n\n"
     << "} // namespace " << Namespace << "\n\n"
     << "#undef " << Macro << "\n"
     << "#endif // " << Macro << "\n\n";
}

void emitPassDecls(const PassFileModel &Model, StringRef Source,
                   raw_ostream &OS) {
  emitCppHeader(
      OS, "-gen-pass-decls", Source,
      "For each pass implemented in C++, define GEN_PASS_DECL_<DEFNAME>\n"
      "(the def name in capitals) before including this file to declare its\n"
      "`<DefName>Options` struct and constructor; GEN_PASS_DECL declares\n"
      "all of them. Define GEN_PASS_DEF_<DEFNAME> in the file that implements\n"
      "the pass for its base class `impl::<DefName>Base` and the definition\n"
      "of its constructor (it implies the declarations). Include at global\n"
      "scope: sections open their namespaces.");

  std::vector<const PassDef *> CppPasses;
  for (const PassDef &P : Model.Passes)
    if (!P.Constructor.empty())
      CppPasses.push_back(&P);

  // A definition needs the declarations: GEN_PASS_DEF_X implies
  // GEN_PASS_DECL_X.
  for (const PassDef *P : CppPasses)
    OS << "#ifdef " << getDefMacro(*P) << "\n"
       << "#define " << getSectionMacro(*P) << "\n"
       << "#endif\n";
  if (!CppPasses.empty())
    OS << "\n";
  OS << "#ifdef GEN_PASS_DECL\n";
  for (const PassDef *P : CppPasses)
    OS << "#define " << getSectionMacro(*P) << "\n";
  OS << "#undef GEN_PASS_DECL\n"
     << "#endif // GEN_PASS_DECL\n\n";
  for (const PassDef *P : CppPasses)
    emitPassSection(OS, *P);
  for (const PassDef *P : CppPasses)
    emitPassDefSection(OS, *P);
}

} // namespace ckpt
