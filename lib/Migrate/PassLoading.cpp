//===- PassLoading.cpp - Users' passes into a registry --------------------===//
//
// Part of ckpt-migrate.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Migrate/PassLoading.h"
#include "ckpt/Support/Diagnostics.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace ckpt {

std::vector<std::string> getPassIncludeDirs(StringRef MainExecutable,
                                            StringRef ConfiguredIncludeDir,
                                            ArrayRef<std::string> Extra) {
  std::vector<std::string> Includes;
  StringRef ExeDir = sys::path::parent_path(MainExecutable);
  SmallString<256> Installed(ExeDir);
  sys::path::append(Installed, "..", "include");
  SmallString<256> Marker(Installed);
  sys::path::append(Marker, "ckpt", "Passes", "PassBase.td");
  if (sys::fs::exists(Marker)) {
    Includes.push_back(std::string(Installed));
  } else {
    SmallString<256> Tree(ExeDir);
    sys::path::append(Tree, "..", "..", "include");
    Includes.push_back(std::string(Tree));
    Includes.push_back(ConfiguredIncludeDir.str());
  }
  Includes.insert(Includes.end(), Extra.begin(), Extra.end());
  return Includes;
}

Expected<LoadedPassFiles> loadPassFiles(PassRegistry &R,
                                        ArrayRef<std::string> Files,
                                        ArrayRef<std::string> IncludeDirs) {
  LoadedPassFiles Loaded;
  for (const std::string &F : Files) {
    auto Model = parsePassFile(F, IncludeDirs);
    if (!Model)
      return Model.takeError();
    // A pass file may not name C++ constructors: the tool's own passes are
    // registered already, and plugins bring their own specs.
    auto Set = PassSpecSet::create(
        std::move(*Model), [](StringRef) -> PassFactory { return nullptr; });
    if (!Set)
      return Set.takeError();
    // A name clash is reported at the user's definition.
    auto Clash = [&](StringRef Loc, Error E) -> Error {
      return make_error<DiagnosticError>(
          std::vector<std::string>{((Loc.empty() ? StringRef(F) : Loc) +
                                    ": error: " + toString(std::move(E)))
                                       .str()});
    };
    for (const PassSpec &P : (*Set)->getPasses())
      if (Error E = R.addPass(P))
        return Clash(P.Loc, std::move(E));
    for (const PipelineSpec &P : (*Set)->getPipelines())
      if (Error E = R.addPipeline(P))
        return Clash(P.Loc, std::move(E));
    Loaded.push_back(std::move(*Set));
  }
  return std::move(Loaded);
}

} // namespace ckpt
