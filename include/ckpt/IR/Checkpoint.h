//===- ckpt/IR/Checkpoint.h - A whole checkpoint in the IR ------*- C++ -*-===//
//
// Part of ckpt-migrate. A Checkpoint owns every IR node of one file, the
// mapped input whose byte ranges storages refer to, and what the container
// held besides the main pickle, so that a writer can reproduce it.
//
//===----------------------------------------------------------------------===//

#ifndef CKPT_IR_CHECKPOINT_H
#define CKPT_IR_CHECKPOINT_H

#include "ckpt/Container/Container.h"
#include "ckpt/IR/Value.h"
#include "ckpt/Support/FileRange.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Allocator.h"
#include "llvm/Support/MemoryBuffer.h"
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace ckpt {

/// A container record that is neither the main pickle nor storage data
/// (zip: `version`, `byteorder`, `.format_version`, `.storage_alignment`,
/// `.data/serialization_id`, ...), kept with its bytes and in file order.
struct ExtraRecord {
  std::string Name;
  std::string Data;
};

/// What the container contributed besides the main pickle.
struct ContainerInfo {
  ContainerKind Kind = ContainerKind::Zip;
  /// Protocol of the main pickle (from its PROTO opcode; 0 or 1 without).
  unsigned PickleProtocol = 2;
  /// Legacy and tar: the magic number, protocol version and sys_info
  /// pickles as read (null where the format has none).
  Value *Magic = nullptr;
  Value *ProtocolVersion = nullptr;
  Value *SysInfo = nullptr;
  /// Zip: the root folder, and the extra records in file order. The position
  /// of data.pkl and the data/ records among them is not kept: writers place
  /// them as torch does.
  std::string ArchiveRoot;
  std::vector<ExtraRecord> Records;

  /// Finds an extra record by name; null if absent.
  const ExtraRecord *findRecord(llvm::StringRef Name) const;
};

/// Whether \p V is the legacy format's magic number (an int whose bits
/// isLegacyMagicNumber accepts): the first pickle of a legacy stream, which
/// tells a legacy stream from a bare pickle when the magic number is framed.
bool isLegacyMagic(const Value *V);

/// One checkpoint: the object graph, its storages and container facts.
class Checkpoint {
public:
  Checkpoint();
  ~Checkpoint();
  Checkpoint(const Checkpoint &) = delete;
  Checkpoint &operator=(const Checkpoint &) = delete;

  /// Creates a node owned by this checkpoint. Nodes live in an arena and
  /// are destroyed with the checkpoint, or reuse the memory of nodes
  /// released while the graph was built.
  template <typename T, typename... Args> T *create(Args &&...As) {
    static_assert(std::is_base_of_v<Value, T>, "checkpoints own IR nodes");
    static_assert(alignof(T) <= SlotAlign, "IR nodes are 8-byte aligned");
    constexpr size_t Class = slotClass(sizeof(T));
    void *Mem;
    bool Registered = false;
    if (Class < FreeSlots.size() && !FreeSlots[Class].empty()) {
      uintptr_t Slot = FreeSlots[Class].pop_back_val();
      Registered = Slot & 1;
      Mem = reinterpret_cast<void *>(Slot & ~uintptr_t(1));
    } else {
      Mem = NodeArena.Allocate(Class * SlotAlign, llvm::Align(SlotAlign));
    }
    T *Ptr = new (Mem) T(std::forward<Args>(As)...);
    // A reused slot that is already listed is destroyed by kind at the end;
    // for a trivially destructible T that does nothing.
    if constexpr (!std::is_trivially_destructible_v<T>)
      if (!Registered)
        NodesToDestroy.push_back(Ptr);
    return Ptr;
  }

  /// Releases \p Root and every node below it that is not shared (see
  /// Value::isBuildShared), not typed (storages, tensors, ... are kept) and
  /// not in \p Keep; later create calls reuse their memory. For builders
  /// that replace generic objects with typed nodes as they go (the reader
  /// lowering tensors while unpickling): the objects of millions of tensors
  /// then cost no memory. The caller guarantees that only the dropped parent
  /// held \p Root.
  void releaseUnshared(Value *Root, llvm::ArrayRef<Value *> Keep = {});

  /// The shared None node.
  NoneValue *getNone() { return None; }
  /// The shared True / False nodes.
  BoolValue *getBool(bool B) { return B ? True : False; }

  Value *getRoot() const { return Root; }
  void setRoot(Value *V) {
    Root = V;
    ReachableValid = false;
  }

  /// collectReachable(getRoot()), for passes. Passes that report no change
  /// leave the graph as it was, so the pass manager lets the next pass reuse
  /// the list: within a pass, only the first call may return it; later calls
  /// walk again (the pass may have changed the graph meanwhile).
  std::vector<Value *> getReachableForPass();
  /// Called by the pass manager before each pass, and after it with whether
  /// the pass may have changed which nodes are reachable.
  void beginPass() { ReachableUsedInPass = false; }
  void endPass(bool Changed) {
    if (Changed)
      ReachableValid = false;
  }

  ContainerInfo &getContainer() { return Container; }
  const ContainerInfo &getContainer() const { return Container; }

  /// Storages in the order the source listed their data (legacy key list,
  /// zip record order), then any created later.
  std::vector<StorageValue *> &getStorages() { return Storages; }
  const std::vector<StorageValue *> &getStorages() const { return Storages; }

  /// Keys the storages "0", "1", ... in their order, as torch.save numbers
  /// them in one file: for a checkpoint merged from several files (a shard
  /// set, a DCP directory), whose keys were per file.
  void renumberStorageKeys();

  /// Keeps \p Buf alive for as long as the checkpoint; storages point into it.
  void addBuffer(std::unique_ptr<llvm::MemoryBuffer> Buf) {
    Buffers.push_back(std::move(Buf));
  }
  /// Records that \p Buf (added with addBuffer) holds the whole of the file
  /// open as \p FD; the checkpoint closes \p FD. Lets the writer copy
  /// unchanged bytes file to file instead of through memory.
  void addSourceFile(llvm::MemoryBufferRef Buf, int FD);
  /// Where \p Bytes lie in a source file, if they are a slice of one.
  std::optional<FileRange> getFileRange(llvm::StringRef Bytes) const;

  /// Copies \p Bytes into memory owned by the checkpoint (for inline data
  /// from text) and returns a reference to the copy.
  llvm::StringRef saveBytes(std::string Bytes);

  /// The most heap the process may use while this checkpoint is built from
  /// untrusted bytes (0: no limit); builders (the unpickler) check it as
  /// they go. See ckpt/Support/MemoryLimit.h.
  uint64_t getMemoryLimit() const { return MemoryLimit; }
  void setMemoryLimit(uint64_t Bytes) { MemoryLimit = Bytes; }

  /// Name of the source (file path or "<stdin>") for diagnostics.
  llvm::StringRef getSourceName() const { return SourceName; }
  void setSourceName(std::string N) { SourceName = std::move(N); }

private:
  static constexpr size_t SlotAlign = 8;
  static constexpr size_t slotClass(size_t Size) {
    return (Size + SlotAlign - 1) / SlotAlign;
  }

  /// 64 KiB slabs. (Also a type of its own: LLVM's prebuilt libraries use
  /// the default BumpPtrAllocator, and under AddressSanitizer one shared
  /// instantiation poisons slabs that uninstrumented code then fills.)
  llvm::BumpPtrAllocatorImpl<llvm::MallocAllocator, 65536, 65536> NodeArena;
  /// Memory of released nodes by size class (slotClass); the low bit of an
  /// entry says whether the slot is already in NodesToDestroy.
  llvm::SmallVector<llvm::SmallVector<uintptr_t, 0>, 32> FreeSlots;
  /// The nodes whose class has a non-trivial destructor (strings, vectors).
  std::vector<Value *> NodesToDestroy;
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> Buffers;
  struct SourceFile {
    llvm::StringRef Bytes;
    int FD;
  };
  std::vector<SourceFile> SourceFiles;
  std::vector<Value *> Reachable;
  bool ReachableValid = false, ReachableUsedInPass = false;
  std::deque<std::string> SavedBytes;
  NoneValue *None;
  BoolValue *True, *False;
  Value *Root = nullptr;
  ContainerInfo Container;
  std::vector<StorageValue *> Storages;
  std::string SourceName;
  uint64_t MemoryLimit = 0;
};

} // namespace ckpt

#endif // CKPT_IR_CHECKPOINT_H
