//===- Emitters.h - ckpt-tblgen backends and their shared helpers -*- C++ -*-=//
//
// Part of ckpt-migrate. Each backend writes one output from a checked
// PassFileModel; none can fail, since buildPassModel has already checked
// everything they rely on.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_TOOLS_CKPT_TBLGEN_EMITTERS_H
#define CKPT_TOOLS_CKPT_TBLGEN_EMITTERS_H

#include "ckpt/TableGen/PassModel.h"
#include "llvm/ADT/StringRef.h"

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace ckpt {

/// -gen-pass-registry: the static PassSpec/PipelineSpec tables and
/// getBuiltinPassSpecs()/getBuiltinPipelineSpecs().
void emitPassRegistry(const PassFileModel &Model, llvm::StringRef Source,
                      llvm::raw_ostream &OS);

/// -gen-pass-decls: `<DefName>Options` structs and constructor declarations
/// of C++ passes, in GEN_PASS_DECL_<DEFNAME> sections.
void emitPassDecls(const PassFileModel &Model, llvm::StringRef Source,
                   llvm::raw_ostream &OS);

/// -gen-pass-docs: Markdown reference of every pass and pipeline.
void emitPassDocs(const PassFileModel &Model, llvm::StringRef Source,
                  llvm::raw_ostream &OS);

/// Writes \p S as a C++ string literal (adjacent literals split after each
/// newline, continued with \p Indent spaces), escaping everything that is not
/// plain printable ASCII.
void emitCppString(llvm::raw_ostream &OS, llvm::StringRef S,
                   unsigned Indent = 6);

/// Writes the comment block that opens a generated C++ file.
void emitCppHeader(llvm::raw_ostream &OS, llvm::StringRef Backend,
                   llvm::StringRef Source, llvm::StringRef Usage);

/// Declares the C++ pass factory \p Constructor: in namespace ckpt when
/// unqualified, else in its own namespace. Call at global scope.
void emitConstructorDecl(llvm::raw_ostream &OS, llvm::StringRef Constructor);

/// Returns the C++ expression that names \p Constructor from namespace ckpt.
std::string getConstructorRef(llvm::StringRef Constructor);

} // namespace ckpt

#endif // CKPT_TOOLS_CKPT_TBLGEN_EMITTERS_H
