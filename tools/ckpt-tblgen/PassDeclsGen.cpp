//===- PassDeclsGen.cpp - -gen-pass-decls backend -------------------------===//
//
// Part of ckpt-migrate. For each pass implemented in C++ (a Pass with a
// `constructor`), emits a typed `<DefName>Options` struct read from the
// parsed OptionValues and the constructor's declaration, in MLIR-style
// `#ifdef GEN_PASS_DECL_<DEFNAME>` sections.
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

void emitPassDecls(const PassFileModel &Model, StringRef Source,
                   raw_ostream &OS) {
  emitCppHeader(
      OS, "-gen-pass-decls", Source,
      "For each pass implemented in C++, define GEN_PASS_DECL_<DEFNAME>\n"
      "(the def name in capitals) before including this file to declare its\n"
      "`<DefName>Options` struct and constructor; GEN_PASS_DECL declares\n"
      "all of them. Include at global scope: sections open namespace ckpt.");

  std::vector<const PassDef *> CppPasses;
  for (const PassDef &P : Model.Passes)
    if (!P.Constructor.empty())
      CppPasses.push_back(&P);

  OS << "#ifdef GEN_PASS_DECL\n";
  for (const PassDef *P : CppPasses)
    OS << "#define " << getSectionMacro(*P) << "\n";
  OS << "#undef GEN_PASS_DECL\n"
     << "#endif // GEN_PASS_DECL\n\n";
  for (const PassDef *P : CppPasses)
    emitPassSection(OS, *P);
}

} // namespace ckpt
