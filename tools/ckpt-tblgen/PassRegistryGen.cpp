//===- PassRegistryGen.cpp - -gen-pass-registry backend -------------------===//
//
// Part of ckpt-migrate. Emits the built-in pass and pipeline tables as
// constexpr arrays of the PassSpec.h types, so that the registry is constant-
// initialized (no static constructors, no initialization-order hazards).
//
//===----------------------------------------------------------------------===//

#include "Emitters.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace ckpt {

/// Writes \p S as something a StringRef member can be initialized from.
static void emitStringRef(raw_ostream &OS, StringRef S) {
  if (!S.contains('\0')) {
    emitCppString(OS, S);
    return;
  }
  OS << "llvm::StringRef(";
  emitCppString(OS, S);
  OS << ", " << S.size() << ")";
}

static StringRef getOptionTypeEnumerator(OptionType T) {
  switch (T) {
  case OptionType::String:
    return "OptionType::String";
  case OptionType::Int:
    return "OptionType::Int";
  case OptionType::Bool:
    return "OptionType::Bool";
  }
  return "";
}

void emitPassRegistry(const PassFileModel &Model, StringRef Source,
                      raw_ostream &OS, StringRef Name) {
  std::string PassesFn = ("get" + Name + "PassSpecs").str();
  std::string PipelinesFn = ("get" + Name + "PipelineSpecs").str();
  emitCppHeader(OS, "-gen-pass-registry", Source,
                "Include once, at global scope, in one .cpp file: defines\n"
                "ckpt::" +
                    PassesFn + "() and ckpt::" + PipelinesFn +
                    "().\n"
                    "Passes and pipelines appear in definition order.");
  OS << "#include \"ckpt/Passes/PassSpec.h\"\n"
     << "#include \"llvm/Support/Error.h\"\n"
     << "#include <memory>\n\n";

  bool AnyConstructor = false;
  for (const PassDef &P : Model.Passes)
    AnyConstructor |= !P.Constructor.empty();
  if (AnyConstructor) {
    OS << "namespace ckpt {\nclass OptionValues;\nclass Pass;\n} // namespace "
          "ckpt\n\n"
       << "// Factories of the C++ passes.\n";
    for (const PassDef &P : Model.Passes)
      if (!P.Constructor.empty())
        emitConstructorDecl(OS, P.Constructor);
    OS << "\n";
  }

  OS << "namespace ckpt {\nnamespace {\n\n";
  for (size_t PI = 0; PI < Model.Passes.size(); ++PI) {
    const PassDef &P = Model.Passes[PI];
    OS << "// -" << P.Argument << " (" << P.Loc << ")\n";
    if (!P.Options.empty()) {
      OS << "constexpr OptionSpec Pass" << PI << "Options[] = {\n";
      for (const OptionDef &O : P.Options) {
        OS << "    {";
        emitStringRef(OS, O.Name);
        OS << ", " << getOptionTypeEnumerator(O.Type) << ", ";
        emitStringRef(OS, O.Default);
        OS << ",\n     ";
        emitStringRef(OS, O.Description);
        OS << "},\n";
      }
      OS << "};\n";
    }
    if (!P.Statistics.empty()) {
      OS << "constexpr StatisticSpec Pass" << PI << "Statistics[] = {\n";
      for (const StatisticDef &S : P.Statistics) {
        OS << "    {";
        emitStringRef(OS, S.Name);
        OS << ", ";
        emitStringRef(OS, S.Description);
        OS << "},\n";
      }
      OS << "};\n";
    }
    for (size_t RI = 0; RI < P.Rules.size(); ++RI) {
      const RuleDef &R = P.Rules[RI];
      if (R.Params.empty())
        continue;
      OS << "constexpr RuleParam Pass" << PI << "Rule" << RI
         << "Params[] = {\n";
      for (const auto &[Name, Value] : R.Params) {
        OS << "    {";
        emitStringRef(OS, Name);
        OS << ", ";
        emitStringRef(OS, Value);
        OS << "},\n";
      }
      OS << "};\n";
    }
    if (!P.Rules.empty()) {
      OS << "constexpr RuleSpec Pass" << PI << "Rules[] = {\n";
      for (size_t RI = 0; RI < P.Rules.size(); ++RI) {
        const RuleDef &R = P.Rules[RI];
        OS << "    {";
        emitStringRef(OS, R.Kind);
        OS << ", ";
        if (R.Params.empty())
          OS << "{}";
        else
          OS << "Pass" << PI << "Rule" << RI << "Params";
        OS << ", ";
        emitStringRef(OS, R.Loc);
        OS << "},\n";
      }
      OS << "};\n";
    }
    OS << "\n";
  }

  if (!Model.Passes.empty()) {
    OS << "constexpr PassSpec BuiltinPasses[] = {\n";
    for (size_t PI = 0; PI < Model.Passes.size(); ++PI) {
      const PassDef &P = Model.Passes[PI];
      OS << "    {/*Argument=*/";
      emitStringRef(OS, P.Argument);
      OS << ",\n     /*Summary=*/";
      emitStringRef(OS, P.Summary);
      OS << ",\n     /*Description=*/";
      emitStringRef(OS, P.Description);
      OS << ",\n     /*Options=*/";
      if (P.Options.empty())
        OS << "{}";
      else
        OS << "Pass" << PI << "Options";
      OS << ", /*Statistics=*/";
      if (P.Statistics.empty())
        OS << "{}";
      else
        OS << "Pass" << PI << "Statistics";
      OS << ", /*Rules=*/";
      if (P.Rules.empty())
        OS << "{}";
      else
        OS << "Pass" << PI << "Rules";
      OS << ",\n     /*Factory=*/";
      if (P.Constructor.empty())
        OS << "nullptr";
      else
        OS << "&" << getConstructorRef(P.Constructor);
      OS << ", /*Loc=*/";
      emitStringRef(OS, P.Loc);
      OS << "},\n";
    }
    OS << "};\n\n";
  }

  if (!Model.Pipelines.empty()) {
    OS << "constexpr PipelineSpec BuiltinPipelines[] = {\n";
    for (const PipelineDef &PL : Model.Pipelines) {
      OS << "    {/*Name=*/";
      emitStringRef(OS, PL.Name);
      OS << ",\n     /*Summary=*/";
      emitStringRef(OS, PL.Summary);
      OS << ",\n     /*Description=*/";
      emitStringRef(OS, PL.Description);
      OS << ",\n     /*Passes=*/";
      emitStringRef(OS, PL.Passes);
      OS << ",\n     /*Target=*/";
      emitStringRef(OS, PL.Target);
      OS << ", /*Loc=*/";
      emitStringRef(OS, PL.Loc);
      OS << "},\n";
    }
    OS << "};\n\n";
  }

  OS << "} // namespace\n\n";
  // The built-in functions are declared by PassSpec.h; a plugin's here.
  if (Name != "Builtin")
    OS << "llvm::ArrayRef<PassSpec> " << PassesFn << "();\n"
       << "llvm::ArrayRef<PipelineSpec> " << PipelinesFn << "();\n\n";
  OS << "llvm::ArrayRef<PassSpec> " << PassesFn << "() {\n"
     << (Model.Passes.empty() ? "  return {};\n" : "  return BuiltinPasses;\n")
     << "}\n\n"
     << "llvm::ArrayRef<PipelineSpec> " << PipelinesFn << "() {\n"
     << (Model.Pipelines.empty() ? "  return {};\n"
                                 : "  return BuiltinPipelines;\n")
     << "}\n\n"
     << "} // namespace ckpt\n";
}

} // namespace ckpt
