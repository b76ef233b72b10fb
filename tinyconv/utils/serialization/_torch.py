"""torch's checkpoint format, read and written without torch and without running code.

A ``torch.save`` file is a zip archive: ``<name>/data.pkl`` pickles the object, each tensor as
a call ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
hooks)`` whose storage is a persistent reference ``('storage', torch.FloatStorage, key,
location, numel)`` to the raw little-endian bytes in ``<name>/data/<key>``.

``load`` unpickles ``data.pkl`` with a restricted unpickler, as ``torch.load(weights_only=True)``
does: the only globals it resolves are the tensor, parameter and storage rebuild calls, the
dtypes, ``torch.Size``, ``collections.OrderedDict`` and ``set``/``frozenset``; anything else (a
planted ``os.system``, a class) is refused before it is called.  BUILD (setting object state)
is allowed on OrderedDicts only (a state dict's ``_metadata``).  Storages are read after their
member's size was checked against their declared element count, and a rebuilt tensor must
lie inside its storage; the total allocated stays within a few times the bytes the file holds.

``save`` writes the same layout (storages 64-byte aligned, version 3, little-endian), which
``torch.load(weights_only=True)`` reads.

Legend: ``key`` a storage's member name, ``numel`` its element count.
"""
from __future__ import annotations

import io
import os
import pickle
import secrets
import struct
import zipfile
from collections import OrderedDict

import numpy as np

from ...tensor import Tensor

__all__ = ["is_torch_zip", "load_torch", "encode_torch"]

_MAX_PICKLE = 256 << 20     # bytes of data.pkl (a state dict's is ~100 bytes per tensor)
_ALLOC_FACTOR = 4           # rebuilt tensors may total this many times the stored bytes
_ALIGN = 64                 # torch aligns each storage's bytes at 64 in the archive

_STORAGES = {
    "FloatStorage": np.dtype(np.float32), "DoubleStorage": np.dtype(np.float64),
    "HalfStorage": np.dtype(np.float16), "BFloat16Storage": "bfloat16",
    "LongStorage": np.dtype(np.int64), "IntStorage": np.dtype(np.int32),
    "ShortStorage": np.dtype(np.int16), "CharStorage": np.dtype(np.int8),
    "ByteStorage": np.dtype(np.uint8), "BoolStorage": np.dtype(np.bool_),
}
_STORAGE_OF = {dt: name for name, dt in _STORAGES.items() if dt != "bfloat16"}
_DTYPES = {
    "float32": np.float32, "float": np.float32, "float64": np.float64, "double": np.float64,
    "float16": np.float16, "half": np.float16, "bfloat16": np.float32, "int64": np.int64,
    "long": np.int64, "int32": np.int32, "int": np.int32, "int16": np.int16,
    "short": np.int16, "int8": np.int8, "uint8": np.uint8, "bool": np.bool_,
}
_DTYPE_NAMES = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64",
                np.dtype(np.float16): "float16", np.dtype(np.int64): "int64",
                np.dtype(np.int32): "int32", np.dtype(np.int16): "int16",
                np.dtype(np.int8): "int8", np.dtype(np.uint8): "uint8",
                np.dtype(np.bool_): "bool"}


def _data_pkl(names):
    """The archive's ``<prefix>/data.pkl`` member name, or None."""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1:
        name = f"{next(iter(tops))}/data.pkl"
        if name in names:
            return name
    return None


def is_torch_zip(fh):
    """Whether the seekable ``fh`` (from its current position) is a torch zip checkpoint."""
    start = fh.tell()
    try:
        if fh.read(4) != b"PK\x03\x04":
            return False
        fh.seek(start)
        with zipfile.ZipFile(fh) as zf:
            return _data_pkl(set(zf.namelist())) is not None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    finally:
        fh.seek(start)


# ----------------------------------------------------------------------------------- reading
class _StorageType:
    """What the unpickler gives for ``torch.FloatStorage`` and the like: just a dtype."""

    def __init__(self, name, dtype):
        self.name, self.dtype = name, dtype


class _Untrusted(Exception):
    """A checkpoint that asks for something a weights-only load does not do."""


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


class _RestrictedUnpickler(pickle._Unpickler):
    """pickle's pure-Python unpickler with every way to reach code closed but the allowed
    rebuild calls (``find_class``) and BUILD limited to OrderedDicts."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, data, archive):
        super().__init__(io.BytesIO(data))
        self.archive = archive

    def find_class(self, module, name):
        if module == "__builtin__":
            module = "builtins"
        archive = self.archive
        allowed = {
            ("collections", "OrderedDict"): OrderedDict,
            ("builtins", "set"): set,
            ("builtins", "frozenset"): frozenset,
            ("torch", "Size"): tuple,
            ("torch._utils", "_rebuild_tensor_v2"): archive.rebuild_tensor,
            ("torch._utils", "_rebuild_tensor"): archive.rebuild_tensor,
            ("torch._utils", "_rebuild_parameter"): archive.rebuild_parameter,
            ("torch._utils", "_rebuild_parameter_with_state"): archive.rebuild_parameter,
            ("torch._tensor", "_rebuild_from_type_v2"): archive.rebuild_from_type,
            ("torch", "Tensor"): _TensorType,
            ("torch.nn.parameter", "Parameter"): _ParameterType,
        }
        fn = allowed.get((module, name))
        if fn is not None:
            return fn
        if module in ("torch", "torch.cuda") and name in _STORAGES:
            return _StorageType(name, _STORAGES[name])
        if module == "torch" and name in _DTYPES:
            return np.dtype(_DTYPES[name])
        raise _Untrusted(f"unsupported global {module}.{name}: only tensors, parameters, "
                         f"dtypes, OrderedDict and plain containers are loaded (as "
                         f"torch.load(weights_only=True))")

    def persistent_load(self, pid):
        return self.archive.storage(pid)

    def load_build(self):
        if not isinstance(self.stack[-2], OrderedDict) or not isinstance(self.stack[-1], dict):
            raise _Untrusted(f"BUILD on a {type(self.stack[-2]).__name__} (only an "
                             f"OrderedDict's attributes may be set)")
        state = self.stack.pop()
        inst = self.stack[-1]
        for k, v in state.items():
            if not isinstance(k, str) or k.startswith("__"):
                raise _Untrusted(f"BUILD sets attribute {k!r}")
            setattr(inst, k, v)

    dispatch[pickle.BUILD[0]] = load_build


class _TensorType:
    """Stands for ``torch.Tensor`` inside ``_rebuild_from_type_v2``."""


class _ParameterType:
    """Stands for ``torch.nn.Parameter`` inside ``_rebuild_from_type_v2``."""


class _Archive:
    """The storages of one checkpoint and the rebuild calls the unpickler may make."""

    def __init__(self, zf, prefix, infos):
        self.zf, self.prefix, self.infos = zf, prefix, infos
        big = prefix + "byteorder" in infos and \
            zf.read(prefix + "byteorder").strip() == b"big"
        self.byteorder = ">" if big else "<"
        self.storages = {}
        self.stored = 0             # bytes of storages read
        self.allocated = 0          # bytes of rebuilt tensors

    def storage(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise _Untrusted(f"unsupported persistent id {pid!r:.80}")
        _, stype, key, _location, numel = pid
        if not isinstance(stype, _StorageType) or not isinstance(key, str) or \
                not _is_int(numel) or numel < 0:
            raise _Untrusted(f"bad storage reference {pid!r:.80}")
        if key in self.storages:
            return self.storages[key]
        member = f"{self.prefix}data/{key}"
        info = self.infos.get(member)
        if info is None:
            raise ValueError(f"storage {key!r} has no member {member!r}")
        bf16 = stype.dtype == "bfloat16"
        dtype = np.dtype(np.uint16 if bf16 else stype.dtype).newbyteorder(self.byteorder)
        if info.file_size != numel * dtype.itemsize:
            raise ValueError(f"storage {key!r} declares {numel} elements of {stype.name} "
                             f"({numel * dtype.itemsize} bytes) but its member holds "
                             f"{info.file_size} bytes")
        arr = np.frombuffer(self.zf.read(member), dtype=dtype).astype(dtype.newbyteorder("="))
        if bf16:  # bfloat16 is the top half of a float32: widen exactly
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        self.stored += arr.nbytes
        self.storages[key] = arr
        return arr

    def rebuild_tensor(self, storage, offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
        if not isinstance(storage, np.ndarray):
            raise _Untrusted("a tensor without a storage")
        size, stride = tuple(size), tuple(stride)
        if not (_is_int(offset) and offset >= 0 and len(size) == len(stride)
                and all(_is_int(s) and s >= 0 for s in size + stride)):
            raise ValueError(f"bad tensor geometry: offset {offset!r}, size {size!r}, "
                             f"stride {stride!r}")
        numel = int(np.prod(size, dtype=np.int64)) if size else 1
        if numel:
            last = offset + sum((s - 1) * st for s, st in zip(size, stride))
            if last >= storage.size:
                raise ValueError(f"tensor (offset {offset}, size {size}, stride {stride}) "
                                 f"reaches past its storage of {storage.size} elements")
        self.allocated += numel * storage.itemsize
        if self.allocated > _ALLOC_FACTOR * self.stored + (1 << 20):
            raise ValueError(f"the tensors would take {self.allocated} bytes, more than "
                             f"{_ALLOC_FACTOR} times the {self.stored} bytes the file stores")
        item = storage.itemsize
        view = np.lib.stride_tricks.as_strided(storage[offset:], shape=size,
                                               strides=tuple(st * item for st in stride))
        out = Tensor._make(np.array(view, copy=True), False, None)
        if requires_grad is True and out._data.dtype.kind == "f":
            out.requires_grad_(True)
        return out

    def rebuild_parameter(self, data, requires_grad=True, backward_hooks=None, state=None):
        from ...nn.parameter import Parameter

        if not isinstance(data, Tensor):
            raise _Untrusted("a parameter without a tensor")
        return Parameter(Tensor._make(data._data, False, None), bool(requires_grad))

    def rebuild_from_type(self, func, new_type, args, state):
        if func not in (self.rebuild_tensor, self.rebuild_parameter) or \
                new_type not in (_TensorType, _ParameterType):
            raise _Untrusted("a tensor subclass")
        out = func(*args)
        if new_type is _ParameterType and not hasattr(out, "grad_fn"):
            raise _Untrusted("a parameter without a tensor")
        return out


def load_torch(fh, name):
    """The object in the torch zip checkpoint ``fh`` (see the module docstring).

    Raises:
        RuntimeError: a global or construct a weights-only load refuses, or a malformed
            archive; the message names the file.
    """
    prefix_msg = f"load: {name!r} is a torch checkpoint that cannot be loaded safely"
    try:
        with zipfile.ZipFile(fh) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            for info in infos.values():
                if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
                    raise ValueError(f"member {info.filename!r} is compressed or encrypted "
                                     f"(torch.save stores members uncompressed)")
            pkl = _data_pkl(set(infos))
            if infos[pkl].file_size > _MAX_PICKLE:
                raise ValueError(f"data.pkl is {infos[pkl].file_size} bytes (at most "
                                 f"{_MAX_PICKLE})")
            archive = _Archive(zf, pkl[:-len("data.pkl")], infos)
            return _RestrictedUnpickler(zf.read(pkl), archive).load()
    except _Untrusted as e:
        raise RuntimeError(f"{prefix_msg}: {e}") from None
    except (pickle.UnpicklingError, zipfile.BadZipFile, ValueError, KeyError, TypeError,
            IndexError, AttributeError, EOFError, OverflowError, UnicodeDecodeError,
            struct.error) as e:
        raise RuntimeError(f"{prefix_msg}: {type(e).__name__}: {e}") from e


# ----------------------------------------------------------------------------------- writing
class _Global:
    """A reference pickled as ``GLOBAL module name`` without importing it (torch is not
    needed to write its format)."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle wants a callable in a reduce tuple; never called
        raise TypeError(f"{self.module}.{self.name} is only a reference for pickling")


_REBUILD_TENSOR = _Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _Global("torch._utils", "_rebuild_parameter")
_STORAGE_GLOBALS = {dt: _Global("torch", name) for dt, name in _STORAGE_OF.items()}
_DTYPE_GLOBALS = {dt: _Global("torch", name) for dt, name in _DTYPE_NAMES.items()}


class _StorageRef:
    def __init__(self, key, dtype, numel):
        self.key, self.dtype, self.numel = key, dtype, numel


class _PlainTensor:
    """The data of a Parameter, pickled as a plain tensor inside ``_rebuild_parameter``."""

    def __init__(self, arr, requires_grad):
        self.arr, self.requires_grad = arr, requires_grad


class _TorchPickler(pickle._Pickler):
    """pickle's pure-Python pickler, protocol 2, with tensors reduced as torch reduces them."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file):
        super().__init__(file, protocol=2)
        self.storages = []          # (key, contiguous little-endian array)

    def save_global_ref(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)

    dispatch[_Global] = save_global_ref

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            return ("storage", _STORAGE_GLOBALS[obj.dtype], obj.key, "cpu", obj.numel)
        return None

    def _tensor_args(self, arr, requires_grad):
        if arr.dtype not in _STORAGE_GLOBALS:
            raise TypeError(f"save: a tensor of dtype {arr.dtype} has no torch storage type")
        # (not np.ascontiguousarray: it makes a 0-d array 1-d)
        arr = np.array(arr, dtype=arr.dtype.newbyteorder("<"), order="C", copy=None)
        key = str(len(self.storages))
        self.storages.append((key, arr))
        stride, step = [], 1
        for s in reversed(arr.shape):
            stride.append(step)
            step *= s
        return (_StorageRef(key, arr.dtype.newbyteorder("="), arr.size), 0, tuple(arr.shape),
                tuple(reversed(stride)), bool(requires_grad), OrderedDict())

    def reducer_override(self, obj):
        from ...nn.parameter import Parameter

        if isinstance(obj, Parameter):
            return _REBUILD_PARAMETER, (_PlainTensor(obj._data, False), obj.requires_grad,
                                        OrderedDict())
        if isinstance(obj, Tensor):
            return _REBUILD_TENSOR, self._tensor_args(obj._data, obj.requires_grad)
        if isinstance(obj, _PlainTensor):
            return _REBUILD_TENSOR, self._tensor_args(obj.arr, obj.requires_grad)
        if isinstance(obj, np.ndarray):  # torch has one array type: stored as a tensor
            return _REBUILD_TENSOR, self._tensor_args(obj, False)
        return NotImplemented


def _check_picklable(obj, path="obj"):
    """Only what a weights-only torch.load accepts: tensors, arrays, numbers, strings, None,
    dtypes and dicts/lists/tuples of them (NumPy scalars become Python numbers)."""
    if obj is None or isinstance(obj, (bool, int, float, str, Tensor, np.ndarray)):
        return obj
    if isinstance(obj, np.dtype):
        if obj not in _DTYPE_GLOBALS:
            raise TypeError(f"save: dtype {obj} at {path} has no torch counterpart")
        return _DTYPE_GLOBALS[obj]        # pickled as GLOBAL torch.<name>
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, OrderedDict):
        out = OrderedDict((_check_picklable(k, f"{path} key"),
                           _check_picklable(v, f"{path}[{k!r}]")) for k, v in obj.items())
        if hasattr(obj, "_metadata"):
            out._metadata = _check_picklable(obj._metadata, f"{path}._metadata")
        return out
    if isinstance(obj, dict):
        return {_check_picklable(k, f"{path} key"): _check_picklable(v, f"{path}[{k!r}]")
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [_check_picklable(v, f"{path}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, tuple):
        return tuple(_check_picklable(v, f"{path}[{i}]") for i, v in enumerate(obj))
    raise TypeError(
        f"save: cannot store an object of type {type(obj).__module__}.{type(obj).__name__} at "
        f"{path} in torch's format (supported: tensors, ndarrays, numbers, strings, None, "
        f"dtypes, and dicts/lists/tuples of them)")


def _aligned_extra(offset, name):
    """A local-header extra field that puts the member's data at a multiple of _ALIGN."""
    pad = (-(offset + 30 + len(name.encode("utf-8")) + 4)) % _ALIGN
    return b"FB" + struct.pack("<H", pad) + b"Z" * pad


def encode_torch(obj, archive="archive"):
    """The bytes of a torch zip checkpoint of ``obj`` (see the module docstring).

    Raises:
        TypeError: an object a weights-only torch.load would not accept.
    """
    obj = _check_picklable(obj)
    buf = io.BytesIO()
    pickler = _TorchPickler(buf)
    pickler.dump(obj)
    records = [("data.pkl", buf.getvalue()), (".format_version", b"1"),
               (".storage_alignment", str(_ALIGN).encode()), ("byteorder", b"little")]
    records += [(f"data/{key}", arr.tobytes()) for key, arr in pickler.storages]
    records += [("version", b"3\n"),
                (".data/serialization_id", secrets.token_hex(20).encode())]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in records:
            full = f"{archive}/{name}"
            info = zipfile.ZipInfo(full, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.extra = _aligned_extra(out.tell(), full)
            zf.writestr(info, data)
    return out.getvalue()


def archive_name(path):
    """torch's archive folder for a file: its name without the extension."""
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem or "archive"
