//===- ckpt/Pickle/Unpickler.h - A pickle machine that runs nothing -*- C++ -*-===//
//
// Part of ckpt-migrate. Interprets a pickle (protocols 0-5) into IR nodes
// without executing anything: GLOBAL/STACK_GLOBAL/INST become GlobalValues,
// REDUCE/NEWOBJ/NEWOBJ_EX/INST/OBJ become ObjectValues that record the call,
// APPEND/SETITEM/BUILD on them are recorded as mutations, and persistent ids
// are handed to a callback. The memo's sharing is kept: one object fetched
// twice is one node.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_PICKLE_UNPICKLER_H
#define CKPT_PICKLE_UNPICKLER_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>

namespace ckpt {
class Checkpoint;
class GlobalValue;
class ObjectValue;
class TupleValue;
class Value;

namespace pickle {
struct OpcodeInfo;

/// Resolves a persistent id (the value pushed before PERSID/BINPERSID) into a
/// node. \p Offset is the absolute file offset of the opcode, for errors.
/// Whatever of \p Pid the returned node does not hold (as itself or a
/// direct operand) is released afterwards: keep copies, not pointers.
using PersistentLoadFn =
    llvm::function_ref<llvm::Expected<Value *>(Value *Pid, uint64_t Offset)>;

/// Builds a typed node for the call \p Callable(*Args) that a REDUCE is
/// about to record, or returns null to record the generic ObjectValue. A
/// loader lowers the calls it understands (torch's tensor rebuilds) this way
/// while unpickling, so their generic objects are never built; whatever of
/// the callable and arguments the new node does not hold directly is
/// released afterwards (Checkpoint::releaseUnshared). A node the
/// hook built cannot receive APPEND, SETITEM or BUILD: a pickle that tries
/// fails with a ReduceHookConflict, and the caller unpickles again without
/// the hook.
using ReduceHookFn =
    llvm::function_ref<Value *(Value *Callable, TupleValue *Args)>;

/// The error of a pickle that mutated a node the ReduceHookFn built.
class ReduceHookConflict : public llvm::ErrorInfo<ReduceHookConflict> {
public:
  static char ID;
  explicit ReduceHookConflict(uint64_t Offset) : Offset(Offset) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;
  uint64_t getOffset() const { return Offset; }

private:
  uint64_t Offset;
};

/// Limits that keep hostile pickles from exhausting memory or stack.
struct UnpicklerLimits {
  /// Maximum nesting depth of containers built by the pickle.
  unsigned MaxDepth = 4096;
  /// Maximum size of the stack plus mark stack.
  uint64_t MaxStack = uint64_t(1) << 26;
};

/// Watches the machine as it runs, for scanners (`-scan`): each callback gets
/// the absolute file offset of the opcode, in file order. The values handed
/// over are the machine's own nodes, owned by the Checkpoint; an observer
/// cannot change what the machine does. Every callback defaults to nothing.
class UnpickleObserver {
public:
  virtual ~UnpickleObserver();
  /// Before each opcode runs (its inline argument not yet read).
  virtual void onOpcode(const OpcodeInfo &Op, uint64_t Offset) {}
  /// A global was named: GLOBAL, STACK_GLOBAL (module and name taken from
  /// the stack, memo included), or the class of INST.
  virtual void onGlobal(const GlobalValue &G, uint64_t Offset) {}
  /// A call was recorded: REDUCE, NEWOBJ, NEWOBJ_EX, INST or OBJ created
  /// \p O; its callable is O.getCallable(), a global or any other node.
  virtual void onCall(const ObjectValue &O, uint64_t Offset) {}
  /// BUILD hands \p State to \p Target (__setstate__ or __dict__ update).
  /// Called before the machine checks that the target is an object.
  virtual void onBuild(const Value &Target, const Value &State,
                       uint64_t Offset) {}
  /// PERSID/BINPERSID asks the loader for persistent id \p Pid.
  virtual void onPersistentLoad(const Value &Pid, uint64_t Offset) {}
};

/// The outcome of interpreting one pickle.
struct UnpickleResult {
  /// The object left on the stack by STOP.
  Value *Root = nullptr;
  /// Offset just past the STOP opcode, relative to the start of the bytes.
  uint64_t End = 0;
  /// The protocol from the PROTO opcode (0 when there was none).
  unsigned Protocol = 0;
  /// Whether the depth limit is known to hold for the whole graph. The
  /// machine counts depth as children are added; that is exact unless a
  /// container gained depth after it was itself put into another (a list
  /// appended to its parent first and filled later, or any cycle), which
  /// builds any depth top-down. Then this is false and a caller whose walks
  /// recurse must measure the graph itself.
  bool DepthBounded = true;
};

/// Interprets the pickle at the start of \p Bytes, whose first byte is at
/// absolute file offset \p BaseOffset, creating nodes in \p C. Stops at the
/// first STOP; bytes after it are not read. Errors are DecodeErrors with the
/// absolute offset of the failing opcode. Without \p PersistentLoad,
/// persistent ids become PersistentRefValues. \p Observer, if given, sees
/// every opcode, global, call, BUILD and persistent load as it happens, so
/// that what ran before an error is still reported. \p ReduceHook, if given,
/// may build typed nodes for REDUCEs (see ReduceHookFn).
llvm::Expected<UnpickleResult>
unpickle(Checkpoint &C, llvm::StringRef Bytes, uint64_t BaseOffset,
         PersistentLoadFn PersistentLoad = nullptr,
         const UnpicklerLimits &Limits = {},
         UnpickleObserver *Observer = nullptr,
         ReduceHookFn ReduceHook = nullptr);

} // namespace pickle
} // namespace ckpt

#endif // CKPT_PICKLE_UNPICKLER_H
