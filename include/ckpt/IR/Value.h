//===- ckpt/IR/Value.h - Nodes of the checkpoint IR -------------*- C++ -*-===//
//
// Part of ckpt-migrate. The checkpoint IR is one object graph in two layers:
//
//  * generic nodes that keep every pickled Python object losslessly (None,
//    ints of any size, strings, Python 2 strings, containers, globals, and
//    REDUCE/NEWOBJ/INST/OBJ/BUILD objects with their mutations), and
//  * typed nodes for what migrations care about: storages, tensors,
//    parameters, state dicts (with `_metadata`) and optimizer state.
//
// Nodes are owned by a Checkpoint and referenced by pointer; a node referenced
// from two places is one node (pickle memo sharing and tied weights survive),
// and the graph may contain cycles through mutable containers.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_IR_VALUE_H
#define CKPT_IR_VALUE_H

#include "ckpt/IR/DType.h"
#include "llvm/ADT/APInt.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Casting.h"
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ckpt {

/// Base of every IR node. Use llvm::isa/cast/dyn_cast on it.
class Value {
public:
  enum class Kind : uint8_t {
    // Python values.
    None,
    Bool,
    Int,
    BigInt,
    Float,
    Complex,
    Str,
    Bytes,
    Py2Str,
    ByteArray,
    Tuple,
    List,
    Set,
    FrozenSet,
    Dict,
    Global,
    Object,
    PersistentRef,
    Extension,
    // Typed torch nodes.
    Storage,
    Tensor,
    Parameter,
    StateDict,
    OptimizerState,
  };

  Kind getKind() const { return K; }

  /// Whether this node is a scalar (never holds references to other nodes).
  bool isScalar() const { return K <= Kind::ByteArray; }

  /// Walks of the whole graph mark the nodes they reached with their own
  /// number instead of keeping a set of millions of pointers; see
  /// VisitMarker.
  bool markVisited(uint32_t Walk) const {
    if (Mark == Walk)
      return false;
    Mark = Walk;
    return true;
  }

  /// Scratch for whoever builds the graph (the unpickler bounds nesting with
  /// it, see pickle::unpickle): the depth of what this node holds so far,
  /// saturated at 65535, and whether it is already held by another node.
  /// Meaningless once the graph is built.
  unsigned getBuildDepth() const { return BuildDepth; }
  void setBuildDepth(unsigned D) { BuildDepth = D > 0xffff ? 0xffff : D; }
  bool isBuildNested() const { return BuildFlags & NestedFlag; }
  void setBuildNested() { BuildFlags |= NestedFlag; }
  /// Whether more than one place may hold this node while the graph is
  /// built (a pickle's memo or DUP; the shared None, True and False). A node
  /// that is not shared is held by exactly one parent, so a builder that
  /// drops that parent may release it (Checkpoint::releaseUnshared).
  bool isBuildShared() const { return BuildFlags & SharedFlag; }
  void setBuildShared() { BuildFlags |= SharedFlag; }

protected:
  explicit Value(Kind K) : K(K) {}
  /// Not virtual: a Checkpoint destroys its nodes as their concrete classes
  /// (see destroyValue), so nodes carry no vtable and a header is 8 bytes.
  ~Value() = default;

private:
  const Kind K;
  enum : uint8_t { NestedFlag = 1, SharedFlag = 2 };
  // The fields below fill the padding after K: a node header is 8 bytes.
  uint8_t BuildFlags = 0;
  uint16_t BuildDepth = 0;
  /// The last walk that reached this node.
  mutable uint32_t Mark = 0;
};

/// Runs the destructor of \p V's concrete class (by its kind), without
/// freeing its memory: nodes live in their Checkpoint's arena.
void destroyValue(Value *V);

/// The size of the concrete class of a node of kind \p K.
size_t getValueSize(Value::Kind K);

/// A fresh number for one walk over a graph (markVisited): nodes still
/// carrying an older walk's number count as unvisited. Walks may run in
/// parallel on different checkpoints, not on one.
uint32_t newVisitWalk();

//===----------------------------------------------------------------------===//
// Scalars
//===----------------------------------------------------------------------===//

/// Python None.
class NoneValue : public Value {
public:
  NoneValue() : Value(Kind::None) {}
  static bool classof(const Value *V) { return V->getKind() == Kind::None; }
};

/// Python bool.
class BoolValue : public Value {
public:
  explicit BoolValue(bool B) : Value(Kind::Bool), B(B) {}
  bool getValue() const { return B; }
  static bool classof(const Value *V) { return V->getKind() == Kind::Bool; }

private:
  bool B;
};

/// A Python int that fits in 64 signed bits.
class IntValue : public Value {
public:
  explicit IntValue(int64_t I) : Value(Kind::Int), I(I) {}
  int64_t getValue() const { return I; }
  void setValue(int64_t V) { I = V; }
  static bool classof(const Value *V) { return V->getKind() == Kind::Int; }

private:
  int64_t I;
};

/// A Python int outside the int64 range, as a signed APInt of minimal width
/// (a multiple of 8 bits, as LONG1/LONG4 encode it).
class BigIntValue : public Value {
public:
  explicit BigIntValue(llvm::APInt I) : Value(Kind::BigInt), I(std::move(I)) {}
  const llvm::APInt &getValue() const { return I; }
  static bool classof(const Value *V) { return V->getKind() == Kind::BigInt; }

private:
  llvm::APInt I;
};

/// Python float (a double).
class FloatValue : public Value {
public:
  explicit FloatValue(double D) : Value(Kind::Float), D(D) {}
  double getValue() const { return D; }
  static bool classof(const Value *V) { return V->getKind() == Kind::Float; }

private:
  double D;
};

/// Python complex: only reachable through `builtins.complex` in pickles,
/// kept here for the text form's convenience. Not produced by the reader.
class ComplexValue : public Value {
public:
  ComplexValue(double Re, double Im) : Value(Kind::Complex), Re(Re), Im(Im) {}
  double getReal() const { return Re; }
  double getImag() const { return Im; }
  static bool classof(const Value *V) { return V->getKind() == Kind::Complex; }

private:
  double Re, Im;
};

/// A byte-string payload shared by str, bytes, Python 2 str and bytearray.
class StringLikeValue : public Value {
public:
  llvm::StringRef getValue() const { return S; }
  void setValue(std::string V) { S = std::move(V); }
  static bool classof(const Value *V) {
    return V->getKind() >= Kind::Str && V->getKind() <= Kind::ByteArray;
  }

protected:
  StringLikeValue(Kind K, std::string S) : Value(K), S(std::move(S)) {}

private:
  std::string S;
};

/// Python 3 str (UTF-8 text).
class StrValue : public StringLikeValue {
public:
  explicit StrValue(std::string S) : StringLikeValue(Kind::Str, std::move(S)) {}
  static bool classof(const Value *V) { return V->getKind() == Kind::Str; }
};

/// Python 3 bytes.
class BytesValue : public StringLikeValue {
public:
  explicit BytesValue(std::string S)
      : StringLikeValue(Kind::Bytes, std::move(S)) {}
  static bool classof(const Value *V) { return V->getKind() == Kind::Bytes; }
};

/// A Python 2 str (STRING / BINSTRING / SHORT_BINSTRING opcodes), kept as its
/// raw bytes: Python 3 decodes these only when loading, with the caller's
/// `encoding`, so the IR must not decide.
class Py2StrValue : public StringLikeValue {
public:
  explicit Py2StrValue(std::string S)
      : StringLikeValue(Kind::Py2Str, std::move(S)) {}
  static bool classof(const Value *V) { return V->getKind() == Kind::Py2Str; }
};

/// Python bytearray (BYTEARRAY8, protocol 5).
class ByteArrayValue : public StringLikeValue {
public:
  explicit ByteArrayValue(std::string S)
      : StringLikeValue(Kind::ByteArray, std::move(S)) {}
  static bool classof(const Value *V) {
    return V->getKind() == Kind::ByteArray;
  }
};

//===----------------------------------------------------------------------===//
// Containers
//===----------------------------------------------------------------------===//

/// tuple, list, set and frozenset: an ordered sequence of elements (sets keep
/// the order in which the pickle listed them).
class SequenceValue : public Value {
public:
  llvm::ArrayRef<Value *> elements() const { return Elements; }
  llvm::SmallVectorImpl<Value *> &getElements() { return Elements; }
  size_t size() const { return Elements.size(); }
  Value *operator[](size_t I) const { return Elements[I]; }
  static bool classof(const Value *V) {
    return V->getKind() >= Kind::Tuple && V->getKind() <= Kind::FrozenSet;
  }

protected:
  SequenceValue(Kind K, llvm::ArrayRef<Value *> E)
      : Value(K), Elements(E.begin(), E.end()) {}

private:
  llvm::SmallVector<Value *, 4> Elements;
};

class TupleValue : public SequenceValue {
public:
  explicit TupleValue(llvm::ArrayRef<Value *> E = {})
      : SequenceValue(Kind::Tuple, E) {}
  static bool classof(const Value *V) { return V->getKind() == Kind::Tuple; }
};

class ListValue : public SequenceValue {
public:
  explicit ListValue(llvm::ArrayRef<Value *> E = {})
      : SequenceValue(Kind::List, E) {}
  static bool classof(const Value *V) { return V->getKind() == Kind::List; }
};

class SetValue : public SequenceValue {
public:
  explicit SetValue(llvm::ArrayRef<Value *> E = {})
      : SequenceValue(Kind::Set, E) {}
  static bool classof(const Value *V) { return V->getKind() == Kind::Set; }
};

class FrozenSetValue : public SequenceValue {
public:
  explicit FrozenSetValue(llvm::ArrayRef<Value *> E = {})
      : SequenceValue(Kind::FrozenSet, E) {}
  static bool classof(const Value *V) {
    return V->getKind() == Kind::FrozenSet;
  }
};

/// One key/value pair of a mapping.
using DictItem = std::pair<Value *, Value *>;

/// Common base of the insertion-ordered mappings: dict, state dict and
/// optimizer state.
class MappingValue : public Value {
public:
  llvm::ArrayRef<DictItem> items() const { return Items; }
  /// The items, for in-place edits (renames, erasures). Drops the key index;
  /// the next set() or lookup() on a large mapping rebuilds it.
  llvm::SmallVectorImpl<DictItem> &getItems() {
    Index.reset();
    IndexCapacity = IndexedItems = 0;
    return Items;
  }
  size_t size() const { return Items.size(); }

  /// Returns the value of the first item whose key is a str (or Python 2
  /// str) equal to \p Key, or null.
  Value *lookup(llvm::StringRef Key) const;

  /// Sets \p Key to \p V, replacing an existing entry in place or appending
  /// a new one (as Python's SETITEM does).
  void set(Value *Key, Value *V);

  static bool classof(const Value *V) {
    return V->getKind() == Kind::Dict || V->getKind() == Kind::StateDict ||
           V->getKind() == Kind::OptimizerState;
  }

protected:
  explicit MappingValue(Kind K) : Value(K) {}

private:
  /// One slot of the key index: an item's position plus one (0 for an empty
  /// slot) and the low bits of its key's hash.
  struct IndexSlot {
    uint32_t Item = 0;
    uint32_t Hash = 0;
  };
  /// Brings the key index up to date, for mappings past a few items (a
  /// pickle's SETITEMS then costs O(1) per key, not O(size), and a state
  /// dict of 2M tensors reads in linear time); false for small mappings,
  /// which are searched linearly. The index is an open-addressing table of
  /// the first item with each key, kept at most half full.
  bool updateIndex() const;
  /// The item whose key equals \p Key (Python equality), or null.
  DictItem *find(const Value *Key);

  llvm::SmallVector<DictItem, 4> Items;
  mutable std::unique_ptr<IndexSlot[]> Index;
  mutable uint32_t IndexCapacity = 0; ///< A power of two, or 0.
  mutable uint32_t IndexedItems = 0;
};

/// Python dict.
class DictValue : public MappingValue {
public:
  DictValue() : MappingValue(Kind::Dict) {}
  static bool classof(const Value *V) { return V->getKind() == Kind::Dict; }
};

/// A reference to a module-level name (GLOBAL / STACK_GLOBAL / INST), e.g.
/// `collections.OrderedDict`. Python 2 module names (`__builtin__`) are kept
/// as written.
class GlobalValue : public Value {
public:
  GlobalValue(std::string Module, std::string Name)
      : Value(Kind::Global), Module(std::move(Module)), Name(std::move(Name)) {}
  llvm::StringRef getModule() const { return Module; }
  llvm::StringRef getName() const { return Name; }
  void setModule(std::string M) { Module = std::move(M); }
  void setName(std::string N) { Name = std::move(N); }
  /// Whether this names \p Mod . \p N.
  bool is(llvm::StringRef Mod, llvm::StringRef N) const {
    return Module == Mod && Name == N;
  }
  /// "module.name".
  std::string getQualifiedName() const { return Module + "." + Name; }
  static bool classof(const Value *V) { return V->getKind() == Kind::Global; }

private:
  std::string Module, Name;
};

/// An object created by calling something while unpickling, with the
/// mutations the pickle applied to it afterwards. Nothing is executed: the
/// node records the call and the mutations.
class ObjectValue : public Value {
public:
  /// The opcode that created the object.
  enum class Form : uint8_t {
    Reduce,   ///< callable(*args)                        (REDUCE)
    NewObj,   ///< cls.__new__(cls, *args)                (NEWOBJ)
    NewObjEx, ///< cls.__new__(cls, *args, **kwargs)      (NEWOBJ_EX)
    Inst,     ///< module.name(*args), protocol 0         (INST)
    Obj,      ///< cls(*args), protocol 1                 (OBJ)
  };

  ObjectValue(Form F, Value *Callable, TupleValue *Args,
              Value *Kwargs = nullptr)
      : Value(Kind::Object), F(F), Callable(Callable), Args(Args),
        Kwargs(Kwargs) {}

  Form getForm() const { return F; }
  Value *getCallable() const { return Callable; }
  /// The argument tuple (INST/OBJ: the marked items).
  TupleValue *getArgs() const { return llvm::cast_or_null<TupleValue>(Args); }
  Value *getKwargs() const { return Kwargs; }
  void setCallable(Value *V) { Callable = V; }
  void setArgs(TupleValue *V) { Args = V; }
  Value *&getCallableRef() { return Callable; }
  Value *&getArgsRef() { return Args; }
  Value *&getKwargsRef() { return Kwargs; }

  /// The callable as a global, if it is one.
  GlobalValue *getCallableGlobal() const {
    return llvm::dyn_cast_or_null<GlobalValue>(Callable);
  }
  /// Whether the callable is the global \p Mod . \p Name.
  bool isCallTo(llvm::StringRef Mod, llvm::StringRef Name) const {
    auto *G = getCallableGlobal();
    return G && G->is(Mod, Name);
  }

  /// Items appended with APPEND/APPENDS (list subclasses, deque, ...).
  llvm::SmallVectorImpl<Value *> &getListItems() { return ListItems; }
  llvm::ArrayRef<Value *> listItems() const { return ListItems; }
  /// Items set with SETITEM/SETITEMS (OrderedDict, dict subclasses, ...).
  llvm::SmallVectorImpl<DictItem> &getDictItems() { return DictItems; }
  llvm::ArrayRef<DictItem> dictItems() const { return DictItems; }
  /// States applied with BUILD, in order (normally zero or one).
  llvm::SmallVectorImpl<Value *> &getStates() { return States; }
  llvm::ArrayRef<Value *> states() const { return States; }
  /// The last BUILD state, or null.
  Value *getState() const { return States.empty() ? nullptr : States.back(); }

  static bool classof(const Value *V) { return V->getKind() == Kind::Object; }

private:
  Form F;
  Value *Callable;
  Value *Args;
  Value *Kwargs;
  llvm::SmallVector<Value *, 0> ListItems;
  llvm::SmallVector<DictItem, 0> DictItems;
  llvm::SmallVector<Value *, 1> States;
};

/// A persistent id the reader did not resolve into a typed node (for example
/// `('module', cls, file, source)` of a pickled nn.Module class).
class PersistentRefValue : public Value {
public:
  explicit PersistentRefValue(Value *Id) : Value(Kind::PersistentRef), Id(Id) {}
  Value *getId() const { return Id; }
  Value *&getIdRef() { return Id; }
  static bool classof(const Value *V) {
    return V->getKind() == Kind::PersistentRef;
  }

private:
  Value *Id;
};

/// An object from the copyreg extension registry (EXT1/EXT2/EXT4).
class ExtensionValue : public Value {
public:
  explicit ExtensionValue(int32_t Code) : Value(Kind::Extension), Code(Code) {}
  int32_t getCode() const { return Code; }
  static bool classof(const Value *V) {
    return V->getKind() == Kind::Extension;
  }

private:
  int32_t Code;
};

//===----------------------------------------------------------------------===//
// Typed torch nodes
//===----------------------------------------------------------------------===//

/// A storage: a flat array of NumElements elements of one dtype at a device
/// location. Its bytes are a range of the input file (never copied), or bytes
/// owned by the Checkpoint when it was assembled from text.
class StorageValue : public Value {
public:
  StorageValue(DType T, uint64_t NumElements, std::string Location,
               std::string Key)
      : Value(Kind::Storage), T(T), NumElements(NumElements),
        Location(std::move(Location)), Key(std::move(Key)) {}

  DType getDType() const { return T; }
  void setDType(DType V) { T = V; }
  /// Element count (bytes for untyped storages).
  uint64_t getNumElements() const { return NumElements; }
  void setNumElements(uint64_t N) { NumElements = N; }
  uint64_t getNumBytes() const { return NumElements * getDTypeSize(T); }
  /// Device location tag: "cpu", "cuda:0", "mps", ...
  llvm::StringRef getLocation() const { return Location; }
  void setLocation(std::string L) { Location = std::move(L); }
  /// The key the source file used for this storage (decimal pointer or index).
  llvm::StringRef getKey() const { return Key; }
  void setKey(std::string K) { Key = std::move(K); }

  /// The storage's bytes, if known (null data when the file did not hold
  /// them). Exactly getNumBytes() long when present.
  llvm::StringRef getData() const { return Data; }
  bool hasData() const { return Data.data() != nullptr; }
  /// Absolute offset of the bytes in the input file, when they come from it.
  std::optional<uint64_t> getFileOffset() const { return FileOffset; }

  /// A storage parsed from text that gave only a checksum of its bytes
  /// (`xxh3 0x...`): it prints back the same but cannot be written.
  std::optional<uint64_t> getKnownChecksum() const { return KnownChecksum; }
  void setKnownChecksum(uint64_t C) { KnownChecksum = C; }
  void setData(llvm::StringRef D, std::optional<uint64_t> Offset) {
    Data = D;
    FileOffset = Offset;
    ZipCRC.reset();
  }
  /// The CRC-32 a zip input recorded for exactly these bytes, so a zip
  /// writer need not read them to compute it. Reset by setData.
  std::optional<uint32_t> getZipCRC() const { return ZipCRC; }
  void setZipCRC(uint32_t C) { ZipCRC = C; }

  /// Legacy (0.x) storage views: this storage is the slice
  /// [ViewOffset, ViewOffset + NumElements) of \p Root, pickled under its
  /// own key.
  StorageValue *getViewRoot() const { return ViewRoot; }
  uint64_t getViewOffset() const { return ViewOffset; }
  void setView(StorageValue *Root, uint64_t Offset) {
    ViewRoot = Root;
    ViewOffset = Offset;
  }

  static bool classof(const Value *V) { return V->getKind() == Kind::Storage; }

private:
  DType T;
  std::optional<uint32_t> ZipCRC;
  uint64_t NumElements;
  std::string Location;
  std::string Key;
  llvm::StringRef Data;
  std::optional<uint64_t> FileOffset;
  std::optional<uint64_t> KnownChecksum;
  StorageValue *ViewRoot = nullptr;
  uint64_t ViewOffset = 0;
};

/// A strided view of a storage, as one of torch's rebuild functions makes it.
class TensorValue : public Value {
public:
  /// Which pickled form the tensor came from (and, by default, goes to).
  enum class Form : uint8_t {
    RebuildTensor,   ///< torch._utils._rebuild_tensor (0.1.11 - 0.3)
    RebuildTensorV2, ///< torch._utils._rebuild_tensor_v2 (0.4+)
    RebuildTensorV3, ///< torch._utils._rebuild_tensor_v3 (2.2+, new dtypes)
    RebuildQTensor,  ///< torch._utils._rebuild_qtensor (1.3+)
    /// torch.<T>Tensor() + BUILD (storage, offset, size, stride) (0.1.10)
    TensorClassState,
  };

  TensorValue(Form F, StorageValue *S, DType T)
      : Value(Kind::Tensor), F(F), S(S), T(T) {}

  Form getForm() const { return F; }
  void setForm(Form V) { F = V; }
  StorageValue *getStorage() const { return S; }
  void setStorage(StorageValue *V) { S = V; }
  /// Element type (the storage's, except for v3 tensors on untyped storage).
  DType getDType() const { return T; }
  void setDType(DType V) { T = V; }

  int64_t getOffset() const { return Offset; }
  void setOffset(int64_t V) { Offset = V; }
  llvm::ArrayRef<int64_t> getSizes() const { return Sizes; }
  llvm::ArrayRef<int64_t> getStrides() const { return Strides; }
  void setShape(llvm::ArrayRef<int64_t> Sz, llvm::ArrayRef<int64_t> St) {
    Sizes.assign(Sz.begin(), Sz.end());
    Strides.assign(St.begin(), St.end());
  }
  unsigned getRank() const { return Sizes.size(); }
  /// Number of elements of the view (product of sizes).
  uint64_t getNumElements() const;
  /// Whether the strides are the row-major contiguous ones.
  bool isContiguous() const;

  bool getRequiresGrad() const { return RequiresGrad; }
  void setRequiresGrad(bool V) { RequiresGrad = V; }

  /// The backward_hooks argument (v2/v3/qtensor) when it is not the
  /// default: null stands for a fresh empty `collections.OrderedDict()`
  /// (what torch writes for every tensor since 1.0) in forms that take one;
  /// None in some 0.4 files. Forms without the argument ignore it.
  Value *getHooks() const { return Hooks; }
  void setHooks(Value *V) { Hooks = V; }
  Value *&getHooksRef() { return Hooks; }
  Value *&getMetadataRef() { return Metadata; }
  Value *&getQuantizerRef() { return Quantizer; }
  Value *&getDTypeGlobalRef() { return DTypeGlobal; }
  /// The optional trailing metadata dict (conj/neg bits, 2.x). Null if absent.
  Value *getMetadata() const { return Metadata; }
  void setMetadata(Value *V) { Metadata = V; }
  /// Quantizer parameters of a qtensor, e.g. (torch.per_tensor_affine,
  /// scale, zero_point). Null for other forms.
  Value *getQuantizer() const { return Quantizer; }
  void setQuantizer(Value *V) { Quantizer = V; }
  /// The dtype global of a v3 tensor (e.g. torch.float8_e5m2).
  Value *getDTypeGlobal() const { return DTypeGlobal; }
  void setDTypeGlobal(Value *V) { DTypeGlobal = V; }

  /// Tensor subclasses and tensors with Python state are pickled as
  /// `torch._tensor._rebuild_from_type_v2(rebuild_fn, cls, args, state)`
  /// around the plain rebuild call: the subclass (null for none), its state
  /// (the instance __dict__, or None), and the wrapping function.
  Value *getSubclass() const { return Subclass; }
  Value *getSubclassState() const { return SubclassState; }
  Value *getSubclassWrapper() const { return SubclassWrapper; }
  void setSubclass(Value *Wrapper, Value *Cls, Value *State) {
    SubclassWrapper = Wrapper;
    Subclass = Cls;
    SubclassState = State;
  }
  Value *&getSubclassRef() { return Subclass; }
  Value *&getSubclassStateRef() { return SubclassState; }
  Value *&getSubclassWrapperRef() { return SubclassWrapper; }

  static bool classof(const Value *V) { return V->getKind() == Kind::Tensor; }

private:
  Form F;
  StorageValue *S;
  DType T;
  int64_t Offset = 0;
  llvm::SmallVector<int64_t, 4> Sizes, Strides;
  bool RequiresGrad = false;
  Value *Hooks = nullptr;
  Value *Metadata = nullptr;
  Value *Quantizer = nullptr;
  Value *DTypeGlobal = nullptr;
  Value *Subclass = nullptr;
  Value *SubclassState = nullptr;
  Value *SubclassWrapper = nullptr;
};

/// An nn.Parameter wrapping a tensor.
class ParameterValue : public Value {
public:
  enum class Form : uint8_t {
    /// torch._utils._rebuild_parameter(data, requires_grad, hooks) (1.0+)
    RebuildParameter,
    /// torch._utils._rebuild_parameter_with_state(data, rg, hooks, state)
    RebuildParameterWithState,
    /// torch.nn.parameter.Parameter(data, requires_grad) via REDUCE (0.4.1)
    ParameterCall,
    /// A Variable-era Parameter (0.1.x - 0.3): Parameter(data) + BUILD
    /// (requires_grad, volatile, hooks), or Parameter.__new__() + BUILD
    /// (data, grad, hooks, requires_grad, volatile). The state is the whole
    /// original object, written back as it was.
    ParameterLegacyState,
  };

  ParameterValue(Form F, Value *Data, bool RequiresGrad)
      : Value(Kind::Parameter), F(F), Data(Data), RequiresGrad(RequiresGrad) {}

  Form getForm() const { return F; }
  void setForm(Form V) { F = V; }
  /// The wrapped tensor (normally a TensorValue).
  Value *getData() const { return Data; }
  void setData(Value *V) { Data = V; }
  Value *&getDataRef() { return Data; }
  Value *&getHooksRef() { return Hooks; }
  Value *&getStateRef() { return State; }
  TensorValue *getTensor() const {
    return llvm::dyn_cast_or_null<TensorValue>(Data);
  }
  bool getRequiresGrad() const { return RequiresGrad; }
  void setRequiresGrad(bool V) { RequiresGrad = V; }
  /// Hooks argument (RebuildParameter*); null stands for a fresh empty
  /// OrderedDict, as for tensors. Ignored by ParameterCall.
  Value *getHooks() const { return Hooks; }
  void setHooks(Value *V) { Hooks = V; }
  /// Python state of RebuildParameterWithState, the original object of
  /// ParameterLegacyState, else null.
  Value *getState() const { return State; }
  void setState(Value *V) { State = V; }

  static bool classof(const Value *V) {
    return V->getKind() == Kind::Parameter;
  }

private:
  Form F;
  Value *Data;
  bool RequiresGrad;
  Value *Hooks = nullptr;
  Value *State = nullptr;
};

/// A module state dict: an OrderedDict (or subclass) from dotted names to
/// tensors, with the `_metadata` attribute (per-prefix module versions) that
/// 0.4.1+ attaches through BUILD.
class StateDictValue : public MappingValue {
public:
  explicit StateDictValue(Value *Class)
      : MappingValue(Kind::StateDict), Class(Class) {}

  /// The class called to create it (normally collections.OrderedDict).
  Value *getClass() const { return Class; }
  Value *&getClassRef() { return Class; }
  Value *&getStateRef() { return State; }
  /// The BUILD state (a dict holding `_metadata` and any other attributes),
  /// or null when the pickle had none.
  Value *getState() const { return State; }
  void setState(Value *V) { State = V; }

  /// The items of the `_metadata` mapping (prefix -> {"version": N, ...}),
  /// an OrderedDict kept as a generic object; null when there is none.
  llvm::SmallVectorImpl<DictItem> *getMetadataItems() const;

  static bool classof(const Value *V) {
    return V->getKind() == Kind::StateDict;
  }

private:
  Value *Class;
  Value *State = nullptr;
};

/// An optimizer state dict: a dict with exactly the keys `state` and
/// `param_groups`, kept as a mapping so nothing else about it changes.
class OptimizerStateValue : public MappingValue {
public:
  OptimizerStateValue() : MappingValue(Kind::OptimizerState) {}

  /// The per-parameter state mapping (param id -> {name: value}).
  MappingValue *getParamState() const;
  /// The list of parameter groups.
  ListValue *getParamGroups() const;

  static bool classof(const Value *V) {
    return V->getKind() == Kind::OptimizerState;
  }
};

/// The row-major contiguous strides of a tensor of \p Sizes (a size of 0
/// counts as 1, as torch computes them).
llvm::SmallVector<int64_t, 4>
getContiguousStrides(llvm::ArrayRef<int64_t> Sizes);

/// Calls \p Fn for every element of a tensor of \p Sizes and \p Strides, in
/// row-major order, with its index and its element offset (\p Base plus the
/// index times the strides). For gathering a strided view's elements.
void forEachStridedElement(
    llvm::ArrayRef<int64_t> Sizes, llvm::ArrayRef<int64_t> Strides,
    int64_t Base,
    llvm::function_ref<void(llvm::ArrayRef<int64_t> Index, int64_t Offset)>
        Fn);

/// The items of a dict-like node: a dict, state dict or optimizer state, or
/// an object built by SETITEMS (an OrderedDict); null for anything else.
llvm::SmallVectorImpl<DictItem> *getDictItems(Value *V);

/// Returns the text of a str or Python 2 str value, or std::nullopt.
std::optional<llvm::StringRef> getStringValue(const Value *V);

/// Calls \p Fn on every node \p V refers to directly, in print order
/// (including null-free optional operands such as hooks or BUILD states).
void forEachChild(const Value *V, llvm::function_ref<void(Value *)> Fn);

/// Calls \p Fn on a reference to every non-null operand slot of \p V, so the
/// caller can replace operands in place.
void forEachChildRef(Value *V, llvm::function_ref<void(Value *&)> Fn);

/// Every non-scalar node reachable from \p Root (itself included), each once,
/// in depth-first preorder; iterative, so deep graphs are safe.
std::vector<Value *> collectReachable(Value *Root);

/// Whether \p V is `collections.OrderedDict()` with no items and no state:
/// the backward-hooks argument torch writes for every tensor since 1.0.
bool isEmptyOrderedDict(const Value *V);

} // namespace ckpt

#endif // CKPT_IR_VALUE_H
