//===- TargetTablesGen.cpp - -gen-target-tables backend -------------------===//
//
// Part of ckpt-migrate. Emits the constexpr TargetSpec tables behind
// ckpt::getTargetSpecs() from the checked release model; identical lists are
// emitted once.
//
//===----------------------------------------------------------------------===//

#include "Emitters.h"
#include "TargetModel.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TableGen/Record.h"
#include <map>

using namespace llvm;

namespace ckpt {

namespace {

/// Writes `{"a", "b"}`: on the current line (at column \p Col) if it fits
/// in 80 columns, else one line per 76 columns, indented by 4.
void emitStringList(raw_ostream &OS, ArrayRef<std::string> List, unsigned Col) {
  std::vector<std::string> Lits;
  size_t Total = 2;
  for (const std::string &E : List) {
    std::string Lit;
    raw_string_ostream LS(Lit);
    emitCppString(LS, E);
    LS.flush();
    Total += Lit.size() + 2;
    Lits.push_back(std::move(Lit));
  }
  if (Col + Total + 1 <= 80) {
    OS << "{" << join(Lits, ", ") << "}";
    return;
  }
  OS << "{";
  unsigned LineCol = 80;
  for (size_t I = 0; I < Lits.size(); ++I) {
    unsigned Width = Lits[I].size() + 1;
    if (LineCol + 1 + Width > 80) {
      OS << "\n   ";
      LineCol = 3;
    }
    OS << " " << Lits[I] << ",";
    LineCol += 1 + Width;
  }
  OS << "\n}";
}

} // namespace

bool emitTargetTables(const RecordKeeper &Records, StringRef Source,
                      raw_ostream &OS) {
  std::optional<TargetModel> B = buildTargetModel(Records);
  if (!B)
    return true;

  emitCppHeader(OS, "-gen-target-tables", Source,
                "Include once, at global scope, in one .cpp file: defines\n"
                "ckpt::getTargetSpecs(). Releases appear in definition order,\n"
                "oldest first.");
  OS << "#include \"ckpt/Target/TargetSpec.h\"\n\n"
     << "namespace ckpt {\nnamespace {\n\n";

  // Identical lists are emitted once: Names[K][I] names release I's list K.
  std::vector<std::string> Names[NumListKinds];
  for (unsigned K = 0; K < NumListKinds; ++K) {
    std::map<std::vector<std::string>, std::string> Pool;
    bool Emitted = false;
    for (const auto &D : B->Releases) {
      const std::vector<std::string> &L = D->Lists[K];
      if (L.empty()) {
        Names[K].push_back("{}");
        continue;
      }
      auto It = Pool.find(L);
      if (It == Pool.end()) {
        std::string Name = (ListFields[K].Member + Twine(Pool.size())).str();
        It = Pool.emplace(L, Name).first;
        std::string Decl = "constexpr llvm::StringRef " + Name + "[] = ";
        OS << Decl;
        emitStringList(OS, L, Decl.size());
        OS << ";\n";
        Emitted = true;
      }
      Names[K].push_back(It->second);
    }
    if (Emitted)
      OS << "\n";
  }

  auto Bool = [](bool V) { return V ? "true" : "false"; };
  if (!B->Releases.empty()) {
    OS << "constexpr TargetSpec TargetSpecs[] = {\n";
    for (size_t I = 0; I < B->Releases.size(); ++I) {
      const ReleaseDef &D = *B->Releases[I];
      OS << "    // " << D.Version << " (" << D.R->getName() << ")\n"
         << "    {/*Version=*/";
      emitCppString(OS, D.Version);
      OS << ",\n     /*Containers=*/" << Names[LK_Containers][I] << ",\n"
         << "     /*DefaultContainer=*/";
      emitCppString(OS, D.DefaultContainer);
      OS << ",\n     /*MaxZipVersion=*/" << D.MaxZipVersion << ",\n"
         << "     /*RebuildFunctions=*/" << Names[LK_RebuildFunctions][I]
         << ",\n"
         << "     /*StorageClasses=*/" << Names[LK_StorageClasses][I] << ",\n"
         << "     /*TorchGlobals=*/" << Names[LK_TorchGlobals][I] << ",\n"
         << "     /*DTypes=*/" << Names[LK_DTypes][I] << ",\n"
         << "     /*TensorForm=*/";
      emitCppString(OS, D.TensorForm);
      OS << ",\n     /*ParameterForm=*/";
      emitCppString(OS, D.ParameterForm);
      OS << ",\n     /*Locations=*/" << Names[LK_Locations][I] << ",\n"
         << "     /*HasModuleVersions=*/" << Bool(D.HasModuleVersions) << ",\n"
         << "     /*TensorOptimizerStep=*/" << Bool(D.TensorOptimizerStep)
         << ",\n"
         << "     /*ParamGroupKeys=*/" << Names[LK_ParamGroupKeys][I] << ",\n"
         << "     /*WeightsOnlyDefault=*/" << Bool(D.WeightsOnlyDefault)
         << ",\n"
         << "     /*MaxPickleProtocol=*/" << D.MaxPickleProtocol << ",\n"
         << "     /*ModuleClasses=*/" << Names[LK_ModuleClasses][I] << ",\n"
         << "     /*ObjectClasses=*/" << Names[LK_ObjectClasses][I] << ",\n"
         << "     /*ZipRecords=*/" << Names[LK_ZipRecords][I] << "},\n";
    }
    OS << "};\n\n";
  }

  OS << "} // namespace\n\n"
     << "llvm::ArrayRef<TargetSpec> getTargetSpecs() {\n"
     << (B->Releases.empty() ? "  return {};\n" : "  return TargetSpecs;\n")
     << "}\n\n"
     << "} // namespace ckpt\n";
  return false;
}

} // namespace ckpt
