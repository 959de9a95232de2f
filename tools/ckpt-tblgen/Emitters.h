//===- Emitters.h - ckpt-tblgen backends and their shared helpers -*- C++ -*-=//
//
// Part of ckpt-migrate. Each pass backend writes one output from a checked
// PassFileModel; none can fail, since buildPassModel has already checked
// everything they rely on. The target backends build a checked TargetModel
// (TargetModel.h) first and fail, after diagnostics, if a record is invalid.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_TOOLS_CKPT_TBLGEN_EMITTERS_H
#define CKPT_TOOLS_CKPT_TBLGEN_EMITTERS_H

#include "ckpt/TableGen/PassModel.h"
#include "llvm/ADT/StringRef.h"
#include <string>
#include <utility>

namespace llvm {
class raw_ostream;
class RecordKeeper;
} // namespace llvm

namespace ckpt {

/// -gen-pass-registry: the static PassSpec/PipelineSpec tables and
/// get<Name>PassSpecs()/get<Name>PipelineSpecs() (\p Name is "Builtin" for
/// the tool's passes.td, the plugin's name for a plugin's file).
void emitPassRegistry(const PassFileModel &Model, llvm::StringRef Source,
                      llvm::raw_ostream &OS, llvm::StringRef Name);

/// -gen-pass-decls: `<DefName>Options` structs and constructor declarations
/// of C++ passes, in GEN_PASS_DECL_<DEFNAME> sections.
void emitPassDecls(const PassFileModel &Model, llvm::StringRef Source,
                   llvm::raw_ostream &OS);

/// -gen-pass-docs: Markdown reference of every pass and pipeline.
void emitPassDocs(const PassFileModel &Model, llvm::StringRef Source,
                  llvm::raw_ostream &OS);

/// -gen-target-tables: the constexpr TargetSpec tables of the Release records
/// (TargetBase.td) and getTargetSpecs(). Returns true, after printing
/// `file:line:col: error:` diagnostics, if a record is invalid.
bool emitTargetTables(const llvm::RecordKeeper &Records, llvm::StringRef Source,
                      llvm::raw_ostream &OS);

/// -gen-target-docs: Markdown reference of every release, with what changed
/// from the one before. Returns true after diagnostics, as above.
bool emitTargetDocs(const llvm::RecordKeeper &Records, llvm::StringRef Source,
                    llvm::raw_ostream &OS);

/// Writes \p S as a C++ string literal (adjacent literals split after each
/// newline, continued with \p Indent spaces), escaping everything that is not
/// plain printable ASCII.
void emitCppString(llvm::raw_ostream &OS, llvm::StringRef S,
                   unsigned Indent = 6);

/// Writes the comment block that opens a generated C++ file.
void emitCppHeader(llvm::raw_ostream &OS, llvm::StringRef Backend,
                   llvm::StringRef Source, llvm::StringRef Usage);

/// Splits constructor `a::b::f` into `a::b` and `f` (the namespace is empty
/// when unqualified, meaning `ckpt`).
std::pair<llvm::StringRef, llvm::StringRef>
splitConstructor(llvm::StringRef Constructor);

/// Declares the C++ pass factory \p Constructor: in namespace ckpt when
/// unqualified, else in its own namespace. Call at global scope.
void emitConstructorDecl(llvm::raw_ostream &OS, llvm::StringRef Constructor);

/// Returns the C++ expression that names \p Constructor from namespace ckpt.
std::string getConstructorRef(llvm::StringRef Constructor);

} // namespace ckpt

#endif // CKPT_TOOLS_CKPT_TBLGEN_EMITTERS_H
