"""Container handling of the emulated releases' torch.load.

Legacy stream / tar: formats.md 1.2, 1.3, 4.2 (SER-0.3, SER-0.4x, CPP-TH).
Zip: formats.md 1.4 (PyTorchStreamReader version gate, records by name).
"""
import contextlib
import io
import struct
import tarfile
import zipfile

from . import fakes
from . import state
from .context import EmulatorLimit

MAGIC_NUMBER = 0x1950a86a20f9469cfc6c
PROTOCOL_VERSION = 1001


def is_zip_start(f):
    """torch's _is_zipfile: the first 4 bytes are a zip local header."""
    start = f.tell()
    head = f.read(4)
    f.seek(start)
    return head == b"PK\x03\x04"


# ---------------------------------------------------------------------------
# location tags

def make_restore_location(rel):
    def restore_location(storage, location):
        if not isinstance(location, str):
            location = str(location)
        if location == "cpu":
            return storage
        if location.startswith("cuda"):
            # 0.x: int(location[5:]); 1.x validate_cuda_device accepts 'cuda'
            # alone as the current device. The emulated host has enough GPUs.
            if rel.at_least((1, 0)) and location == "cuda":
                idx = 0
            else:
                idx = int(location[5:])
            storage.location = "cuda:%d" % idx
            return storage
        if rel.weights_only and (location in ("mps", "meta", "xpu", "hpu")
                                 or location.split(":")[0] in ("mps", "xpu", "hpu")):
            storage.location = location
            return storage
        typename = storage.typename() if isinstance(storage, fakes.FakeStorage) else "?"
        if rel.weights_only:
            typename = "torch.storage.UntypedStorage"
        raise RuntimeError("don't know how to restore data location of " + typename +
                           " (tagged with " + location + ")")
    return restore_location


def _maybe_decode_ascii(s):
    if isinstance(s, bytes):
        return s.decode("ascii")
    return s


# ---------------------------------------------------------------------------
# raw storage records (legacy stream and tar `storages` member)

def _read_count(f, storage):
    hdr = f.read(8)
    if len(hdr) < 8:
        raise RuntimeError("unexpected EOF. The file might be corrupted.")
    (count,) = struct.unpack("<q", hdr)
    return count


def set_from_file(f, storage, rel):
    """storage._set_from_file(f, offset, is_real_file) (CPP-TH) [V]."""
    count = _read_count(f, storage)
    if rel.weights_only:
        # 1.11+: compares bytes ("storage has wrong byte size") [V] (1.13 LOCAL)
        nbytes = count * storage.dtype.itemsize
        if nbytes != storage.nbytes:
            raise RuntimeError("storage has wrong byte size: expected %d got %d"
                               % (storage.nbytes, nbytes))
    elif count != storage.numel:
        raise RuntimeError("storage has wrong size: expected %d got %d" % (storage.numel, count))
    n = count * storage.dtype.itemsize
    data = f.read(n)
    if len(data) != n:
        raise RuntimeError("unexpected EOF. The file might be corrupted.")
    storage.data = data


def new_with_file(f, storage_class):
    """<T>Storage._new_with_file(f): count header + data (tar `storages`)."""
    st = storage_class(0)
    count = _read_count(f, st)
    if count < 0:
        raise RuntimeError("negative storage size in file")
    st.numel = count
    n = count * st.dtype.itemsize
    data = f.read(n)
    if len(data) != n:
        raise RuntimeError("unexpected EOF. The file might be corrupted.")
    st.data = data
    state.CTX.storages.append(st)
    return st


# ---------------------------------------------------------------------------
# legacy loader (_load / _legacy_load of the release)

def legacy_load(f, fname, pm, rel):
    """pm: object with .load(f) (pickle_module.load) and .unpickler(f, pl)."""
    ctx = state.CTX
    restore_location = make_restore_location(rel)
    deserialized_objects = {}

    def tar_load():
        tdeserialized = {}

        def tar_persistent_load(saved_id):
            if isinstance(saved_id, tuple):
                # ('module' pids of the tar era are (cls, source_file, source))
                return saved_id[0]
            return tdeserialized[int(saved_id)]

        with contextlib.closing(tarfile.open(fileobj=f, mode="r:",
                                             format=tarfile.PAX_FORMAT)) as tar:
            ctx.container = "tar"
            sf = tar.extractfile(tar.getmember("storages"))
            sf = io.BytesIO(sf.read())
            num_storages = pm.load(sf)
            for _ in range(num_storages):
                args = pm.load(sf)
                key, location, storage_type = args
                obj = new_with_file(sf, storage_type)
                obj.key = key
                obj = restore_location(obj, location)
                tdeserialized[key] = obj
            storage_views = pm.load(sf)
            for target_cdata, root_cdata, offset, size in storage_views:
                root = tdeserialized[root_cdata]
                tdeserialized[target_cdata] = root[offset:offset + size]

            tf = tar.extractfile(tar.getmember("tensors"))
            tf = io.BytesIO(tf.read())
            num_tensors = pm.load(tf)
            for _ in range(num_tensors):
                args = pm.load(tf)
                key, storage_id, _original_tensor_type = args
                storage = tdeserialized[storage_id]
                (ndim,) = struct.unpack("<i", tf.read(4))
                # skip next 4 bytes; legacy encoding treated ndim as 8 bytes
                tf.read(4)
                size = struct.unpack("<%dq" % ndim, tf.read(8 * ndim))
                stride = struct.unpack("<%dq" % ndim, tf.read(8 * ndim))
                (storage_offset,) = struct.unpack("<q", tf.read(8))
                tdeserialized[key] = ctx.make_tensor(storage, storage_offset, size, stride)

            pf = tar.extractfile(tar.getmember("pickle"))
            pf = io.BytesIO(pf.read())
            unpickler = pm.unpickler(pf, tar_persistent_load)
            return unpickler.load()

    def persistent_load(saved_id):
        assert isinstance(saved_id, tuple)
        typename = _maybe_decode_ascii(saved_id[0]) if rel.at_least((1, 0)) else saved_id[0]
        data = saved_id[1:]

        if typename == "module":
            # Ignore containers that don't have any sources saved
            # (source check only warns: SourceChangeWarning)
            return data[0]
        elif typename == "storage":
            data_type, root_key, location, size, view_metadata = data
            if rel.at_least((1, 0)):
                location = _maybe_decode_ascii(location)
            if root_key not in deserialized_objects:
                if rel.weights_only:
                    obj = fakes.FakeStorage(data_type, size) if isinstance(
                        data_type, fakes.FakeStorageClass) else data_type(size)
                else:
                    obj = data_type(size)
                obj.key = root_key
                ctx.storages.append(obj)
                deserialized_objects[root_key] = restore_location(obj, location)
            storage = deserialized_objects[root_key]
            if view_metadata is not None:
                view_key, offset, view_size = view_metadata
                if view_key not in deserialized_objects:
                    deserialized_objects[view_key] = storage[offset:offset + view_size]
                return deserialized_objects[view_key]
            return storage
        else:
            raise RuntimeError("Unknown saved id type: %s" % (saved_id[0],))

    # try the legacy (tar) loader first, which only works if f is a tarfile
    try:
        return tar_load()
    except tarfile.TarError:
        if (rel.zip_mode in ("jit-message", "reader") and not rel.weights_only
                and zipfile.is_zipfile(f)):
            # 1.3-1.5 test with zipfile.is_zipfile [S]; 2.x's strict 4-byte
            # _is_zipfile at the post-tar position practically never fires.
            # .zip is used for torch.jit.save and will throw an un-pickling error here
            raise RuntimeError("{} is a zip archive (did you mean to use torch.jit.load()?)"
                               .format(fname)) from None
        f.seek(0)

    ctx.container = "legacy"
    magic_number = pm.load_first(f)
    if magic_number != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    protocol_version = pm.load(f)
    if protocol_version != PROTOCOL_VERSION:
        raise RuntimeError("Invalid protocol version: %s" % (protocol_version,))

    pm.load(f)   # _sys_info: read, never inspected
    unpickler = pm.unpickler(f, persistent_load)
    result = unpickler.load()

    deserialized_storage_keys = pm.load(f)

    for key in deserialized_storage_keys:
        assert key in deserialized_objects
        set_from_file(f, deserialized_objects[key], rel)
    return result


# ---------------------------------------------------------------------------
# zip loader (PyTorchStreamReader + _load of the release)

class StreamReader:
    """The parts of caffe2 PyTorchStreamReader that torch.load touches."""

    def __init__(self, path, rel):
        self.rel = rel
        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError):
            # miniz: mz_zip_reader_init failed [M]
            raise RuntimeError("PytorchStreamReader failed reading zip archive: "
                               "failed finding central directory") from None
        names = self.zf.namelist()
        if not names:
            raise RuntimeError("PytorchStreamReader failed reading zip archive: "
                               "failed finding central directory")
        first = names[0]
        pos = first.find("/")
        if pos == -1:
            raise RuntimeError("file in archive is not in a subdirectory: " + first)
        self.archive_name = first[:pos]
        self.prefix = self.archive_name + "/"
        self.names = set(names)
        version_name = "version"
        if rel.weights_only and self.has_record(".data/version"):
            version_name = ".data/version"
        vtext = self.get_record(version_name)
        try:
            self.version = int(vtext.decode("ascii").strip())
        except ValueError:
            raise RuntimeError("stoull") from None   # std::invalid_argument [M]
        maxv = rel.zip_max_version
        if rel.weights_only:
            # TORCH_CHECK wording of PR pytorch#40085 [L]
            if self.version < 1:
                raise RuntimeError(
                    "Attempted to read a PyTorch file with version %d, but the minimum supported "
                    "version for reading is 1. Your PyTorch script module file is too old. "
                    "Please regenerate it with latest version of PyTorch to mitigate this issue."
                    % self.version)
            if self.version > maxv:
                raise RuntimeError(
                    "Attempted to read a PyTorch file with version %d, but the maximum supported "
                    "version for reading is %d. The version of your PyTorch installation may be too "
                    "old, please upgrade PyTorch to latest version to mitigate this issue."
                    % (self.version, maxv))
        else:
            # AT_ASSERTM wording of 1.4/1.5 (pytorch#47243, mmdetection#3636) [S]
            where = "/pytorch/caffe2/serialize/inline_container.cc:%d"
            if self.version < 1:
                loc = where % 131
                raise RuntimeError(
                    "version_ >= kMinSupportedFileFormatVersion INTERNAL ASSERT FAILED at %s, "
                    "please report a bug to PyTorch. Attempted to read a PyTorch file with version "
                    "%d, but the minimum supported version for reading is 1. Your PyTorch script "
                    "module file is too old. Please re-export it again. (init at %s)"
                    % (loc, self.version, loc))
            if self.version > maxv:
                loc = where % 132
                raise RuntimeError(
                    "version_ <= kMaxSupportedFileFormatVersion INTERNAL ASSERT FAILED at %s, "
                    "please report a bug to PyTorch. Attempted to read a PyTorch file with version "
                    "%d, but the maximum supported version for reading is %d. Your PyTorch "
                    "installation may be too old. (init at %s)" % (loc, self.version, maxv, loc))

    def has_record(self, name):
        return (self.prefix + name) in self.names

    def get_record(self, name):
        full = self.prefix + name
        if full not in self.names:
            raise RuntimeError("PytorchStreamReader failed locating file %s: file not found" % name)
        return self.zf.read(full)

    def get_all_records(self):
        n = len(self.prefix)
        return [x[n:] for x in self.zf.namelist() if x.startswith(self.prefix)]


def zip_load(path, pm, rel):
    ctx = state.CTX
    ctx.container = "zip"
    reader = StreamReader(path, rel)
    if rel.weights_only and "constants.pkl" in reader.get_all_records():
        from . import weights_only as wo
        raise RuntimeError("Cannot use ``weights_only=True`` with TorchScript archives passed to "
                           "``torch.load``. " + wo.UNSAFE_MESSAGE)
    restore_location = make_restore_location(rel)
    loaded_storages = {}
    byteorder = b"little"
    if rel.weights_only and reader.has_record("byteorder"):
        byteorder = reader.get_record("byteorder")
        if byteorder not in (b"little", b"big"):
            raise ValueError("Unknown endianness type: " + byteorder.decode())

    def load_tensor(storage_class, numel, key, location):
        name = "data/%s" % (key,)
        raw = reader.get_record(name)
        st = fakes.FakeStorage(storage_class, numel)
        st.key = key
        st.resizable = False
        if len(raw) < st.nbytes:
            raise EmulatorLimit(
                "record %s holds %d bytes but the persistent id promises %d: torch %s would "
                "read past the record (undefined behaviour)" % (name, len(raw), st.nbytes, rel.name))
        data = raw[:st.nbytes]
        if byteorder == b"big" and st.dtype.itemsize > 1:
            k = st.dtype.itemsize
            data = b"".join(data[i:i + k][::-1] for i in range(0, len(data), k))
        st.data = data
        ctx.storages.append(st)
        loaded_storages[key] = restore_location(st, location)

    def persistent_load(saved_id):
        assert isinstance(saved_id, tuple)
        typename = _maybe_decode_ascii(saved_id[0])
        data = saved_id[1:]
        assert typename == "storage", \
            "Unknown typename for persistent_load, expected 'storage' but got '{}'".format(typename)
        data_type, key, location, size = data
        if key not in loaded_storages:
            load_tensor(data_type, size, key, _maybe_decode_ascii(location))
        return loaded_storages[key]

    data_file = io.BytesIO(reader.get_record("data.pkl"))
    unpickler = pm.unpickler(data_file, persistent_load)
    return unpickler.load()
