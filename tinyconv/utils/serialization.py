"""tc.save / tc.load: checkpoints without pickle.

File format: a zip archive readable by ``np.load`` (an .npz) holding

- ``a0.npy``, ``a1.npy``, ...: every array/tensor in the object, in the order met,
- ``__index__.npy``: a uint8 array with the UTF-8 JSON that describes the object tree (dicts
  with their key types, lists, tuples, numbers, strings, None, and references to the arrays),

and whose zip comment is ``tinyconv-sha256:`` followed by the hex SHA-256 of every byte
before the comment.  ``load`` checks that digest before parsing anything, so a truncated file
or any flipped byte is rejected with a clear error; arrays are read with
``allow_pickle=False`` and the index is plain JSON, so loading never executes code.

``save`` writes to a temporary file in the target directory, fsyncs it and renames it over
the target (``os.replace``), so an interrupted save leaves the previous checkpoint intact.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

from ..tensor import Tensor

__all__ = ["save", "load"]

_FORMAT = "tinyconv-checkpoint"
_VERSION = 1
_TAG = b"tinyconv-sha256:"
_COMMENT_LEN = len(_TAG) + 64


class _Encoder:
    def __init__(self):
        self.arrays = []

    def array(self, arr):
        if arr.dtype.hasobject:
            raise TypeError("save: arrays of dtype object cannot be stored without pickle")
        self.arrays.append(arr if arr.flags.c_contiguous else arr.copy(order="C"))
        return len(self.arrays) - 1

    def key(self, k, path):
        if k is None or isinstance(k, (bool, int, float, str)):
            return self.node(k, path)
        if isinstance(k, tuple):
            return self.node(k, path)
        raise TypeError(f"save: unsupported dict key type {type(k).__name__} at {path}")

    def node(self, obj, path="obj"):
        from ..nn.parameter import Parameter

        if obj is None:
            return {"t": "none"}
        if isinstance(obj, bool):
            return {"t": "bool", "v": obj}
        if isinstance(obj, int):
            return {"t": "int", "v": str(obj)}
        if isinstance(obj, float):
            return {"t": "float", "v": obj.hex()}
        if isinstance(obj, str):
            return {"t": "str", "v": obj}
        if isinstance(obj, Tensor):
            return {"t": "tensor", "a": self.array(obj.data), "rg": bool(obj.requires_grad),
                    "param": isinstance(obj, Parameter)}
        if isinstance(obj, np.ndarray):
            return {"t": "ndarray", "a": self.array(obj)}
        if isinstance(obj, np.generic):
            return {"t": "npscalar", "a": self.array(np.asarray(obj))}
        if isinstance(obj, np.dtype):
            return {"t": "dtype", "v": obj.str}
        if isinstance(obj, dict):
            kind = "odict" if isinstance(obj, OrderedDict) else "dict"
            items = []
            for k, v in obj.items():
                items.append([self.key(k, path), self.node(v, f"{path}[{k!r}]")])
            return {"t": kind, "items": items}
        if isinstance(obj, (list, tuple)):
            return {"t": "list" if isinstance(obj, list) else "tuple",
                    "items": [self.node(v, f"{path}[{i}]") for i, v in enumerate(obj)]}
        raise TypeError(
            f"save: cannot store an object of type {type(obj).__module__}."
            f"{type(obj).__name__} at {path} (supported: tensors, ndarrays, numbers, strings, "
            f"None, and dicts/lists/tuples of them)")


def _decode(node, arrays):
    from ..nn.parameter import Parameter

    t = node["t"]
    if t == "none":
        return None
    if t in ("bool", "str"):
        return node["v"]
    if t == "int":
        return int(node["v"])
    if t == "float":
        return float.fromhex(node["v"])
    if t == "tensor":
        arr = arrays(node["a"])
        if node.get("param"):
            return Parameter(Tensor._make(arr, False, None), node["rg"])
        out = Tensor._make(arr, False, None)
        if node["rg"]:
            out.requires_grad_(True)
        return out
    if t == "ndarray":
        return arrays(node["a"])
    if t == "npscalar":
        return arrays(node["a"])[()]
    if t == "dtype":
        return np.dtype(node["v"])
    if t in ("dict", "odict"):
        out = OrderedDict() if t == "odict" else {}
        for k, v in node["items"]:
            out[_decode(k, arrays)] = _decode(v, arrays)
        return out
    if t == "list":
        return [_decode(v, arrays) for v in node["items"]]
    if t == "tuple":
        return tuple(_decode(v, arrays) for v in node["items"])
    raise ValueError(f"unknown node type {t!r}")


def _encode_file(obj):
    enc = _Encoder()
    root = enc.node(obj)
    index = json.dumps({"format": _FORMAT, "version": _VERSION, "n_arrays": len(enc.arrays),
                        "root": root}, separators=(",", ":")).encode("utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for i, arr in enumerate(enc.arrays):
            with zf.open(f"a{i}.npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, arr, allow_pickle=False)
        with zf.open("__index__.npy", "w") as f:
            np.lib.format.write_array(f, np.frombuffer(index, dtype=np.uint8),
                                      allow_pickle=False)
        zf.comment = _TAG + b"0" * 64  # placeholder of the final length
    data = bytearray(buf.getvalue())
    digest = hashlib.sha256(bytes(data[:-_COMMENT_LEN])).hexdigest().encode("ascii")
    data[-64:] = digest
    return bytes(data)


def save(obj, f):
    """Save ``obj`` (state dicts, optimizer/scheduler states, nested containers) to ``f``.

    The format is an ``.npz`` archive of the arrays plus a JSON description of the structure:
    no pickle, so loading never runs code.

    Args:
        obj: tensors, ndarrays, numbers, strings, None, and dicts (any of those as keys),
            lists and tuples of them.
        f: a path (written atomically: temporary file, fsync, rename) or a binary file object.

    Returns:
        None

    Raises:
        TypeError: an object that cannot be stored without pickle (the file is not touched).

    Examples:
        >>> import os, tempfile
        >>> import tinyconv as tc
        >>> model = tc.nn.Linear(3, 2)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.tc")
        >>> tc.save(model.state_dict(), path)
        >>> sorted(tc.load(path))
        ['bias', 'weight']
    """
    data = _encode_file(obj)
    if hasattr(f, "write"):
        f.write(data)
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable (POSIX); not possible everywhere
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def load(f, map_location=None, weights_only=True):
    """Load an object written by ``save``.

    Args:
        f: a path or a binary file object.
        map_location: accepted for torch compatibility (everything is on the CPU).
        weights_only: accepted for torch compatibility (nothing but data is ever loaded).

    Returns:
        the saved object, with tensors as ``tc.Tensor`` (``Parameter`` where one was saved).

    Raises:
        RuntimeError: the file is truncated, corrupted (checksum mismatch) or not a tinyconv
            checkpoint.
    """
    if hasattr(f, "read"):
        data = f.read()
        name = getattr(f, "name", "<file object>")
    else:
        name = os.fspath(f)
        with open(name, "rb") as fh:
            data = fh.read()
    prefix = f"load: {name!r} is not a valid tinyconv checkpoint"
    if len(data) < _COMMENT_LEN + 22:
        raise RuntimeError(f"{prefix}: file is truncated ({len(data)} bytes)")
    tag = data[-_COMMENT_LEN:-64]
    if tag != _TAG:
        raise RuntimeError(
            f"{prefix}: checksum trailer missing (the file is truncated, corrupted, or was not "
            f"written by tinyconv.save)")
    expected = data[-64:].decode("ascii", errors="replace")
    actual = hashlib.sha256(data[:-_COMMENT_LEN]).hexdigest()
    if actual != expected:
        raise RuntimeError(
            f"{prefix}: checksum mismatch (sha256 stored {expected[:16]}..., computed "
            f"{actual[:16]}...): the file is corrupted or truncated")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            index = json.loads(bytes(npz["__index__"]).decode("utf-8"))
            if index.get("format") != _FORMAT:
                raise ValueError("unknown format tag")
            if index.get("version", 0) > _VERSION:
                raise ValueError(f"format version {index['version']} is newer than this "
                                 f"tinyconv ({_VERSION})")
            cache = {}

            def arrays(i):
                if i not in cache:
                    cache[i] = npz[f"a{int(i)}"]
                return cache[i]

            return _decode(index["root"], arrays)
    except (zipfile.BadZipFile, ValueError, KeyError, TypeError, EOFError, OSError) as e:
        raise RuntimeError(f"{prefix}: {type(e).__name__}: {e}") from e
