"""State of one emulated torch.load (one per process run)."""
from . import fakes


class EmulatorLimit(Exception):
    """The emulator cannot say what the real release would do (exit 2)."""


class ReleaseRejection(Exception):
    """A rejection the emulator synthesizes (not a verbatim torch message),
    printed as `<kind>: <message>` (exit 1)."""

    def __init__(self, kind, message):
        Exception.__init__(self, message)
        self.kind = kind
        self.message = message


class LoadContext:
    def __init__(self, release):
        self.release = release
        self.stubs = fakes.StubRegistry(self.record_build)
        self.build_states = {}     # id(inst) -> (inst, [state, ...])
        self.storages = []         # FakeStorage objects allocated from the file
        self.tensors = []          # every tensor object created by rebuilds
        self.notes = []            # things not emulated exactly (stderr)
        self.container = None      # 'tar' | 'legacy' | 'zip'
        self.zip_storage_resizable = True

    def note(self, msg):
        if msg not in self.notes:
            self.notes.append(msg)

    def record_build(self, inst, state):
        ent = self.build_states.setdefault(id(inst), (inst, []))
        ent[1].append(state)

    # -- tensor construction shared by the rebuild functions ---------------
    def make_tensor(self, storage, storage_offset, size, stride, dtype=None):
        if not isinstance(storage, fakes.FakeStorage):
            # 0.3: `storage.__class__.__name__.replace('Storage', 'Tensor')`,
            # later `torch.tensor([], dtype=storage.dtype ...)`
            raise AttributeError("'%s' object has no attribute 'dtype'" % type(storage).__name__)
        t = fakes.Tensor(dtype or storage.dtype, storage)
        size = tuple(int(x) for x in size)
        stride = tuple(int(x) for x in stride)
        need = fakes.extent(size, stride, int(storage_offset))
        per_byte = {"quint4x2": 2, "quint2x4": 4}.get((dtype or storage.dtype).name)
        if per_byte:
            # sub-byte dtypes: the storage counts bytes, the tensor elements
            need = (need + per_byte - 1) // per_byte
        if need > storage.numel:
            self.out_of_bounds(storage, storage_offset, size, stride, need,
                               (dtype or storage.dtype).itemsize)
        t.set_(storage, storage_offset, size, stride)
        if dtype is not None:
            t.dtype = dtype
        self.tensors.append(t)
        return t

    def out_of_bounds(self, storage, offset, size, stride, need, itemsize):
        rel = self.release
        if rel.weights_only:
            # ATen checkSetStorage (2.x) [M]
            raise RuntimeError(
                "setStorage: sizes [%s], strides [%s], storage offset %d, and itemsize %d "
                "requiring a storage size of %d are out of bounds for storage of size %d"
                % (", ".join(map(str, size)), ", ".join(map(str, stride)), int(offset),
                   itemsize, need * itemsize, storage.nbytes))
        if storage.base is not None or not storage.resizable:
            # zip storages are created non-resizable (get_storage_from_record) [M]
            raise RuntimeError("Trying to resize storage that is not resizable")
        # TH/ATen resize semantics of <= 1.5: set_ grows a resizable storage;
        # the legacy record reader then sees a count != the grown size [M].
        self.note("tensor extends beyond its storage (%d > %d elements): "
                  "the release grows the storage (TH resize semantics, [M])"
                  % (need, storage.numel))
        storage.resize_(need)
