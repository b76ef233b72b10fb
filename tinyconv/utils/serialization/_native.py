"""tinyconv's own checkpoint format (``tc.save``'s default): no pickle.

File format: a zip archive readable by ``np.load`` (an .npz) holding

- ``a0.npy``, ``a1.npy``, ...: every array/tensor in the object, in the order met,
- ``__index__.npy``: a uint8 array with the UTF-8 JSON that describes the object tree (dicts
  with their key types, lists, tuples, numbers, strings, None, and references to the arrays),

and whose zip comment is ``tinyconv-sha256:`` followed by the hex SHA-256 of every byte
before the comment.  ``load`` checks that digest before parsing anything, so a truncated file
or any flipped byte is rejected with a clear error; arrays are read with
``allow_pickle=False`` and the index is plain JSON, so loading never executes code.

``save`` writes to a temporary file in the target directory, fsyncs it and renames it over
the target (``os.replace``), so an interrupted save leaves the previous checkpoint intact. The
temporary file is named ``.NAME.HOST.PID.RANDOM.tmp``; one left behind by a process killed
mid-save (on this host, PID no longer alive) is removed by the next save to the same path.

``load`` trusts nothing it has not checked: the digest is computed over the file in chunks,
only stored (uncompressed), non-overlapping members are accepted, and every array's declared
shape and dtype must account for exactly its member's bytes before anything is allocated. So
loading allocates the declared array sizes plus a small constant (the parsed index), never more
than the file holds, and a crafted file fails with ``RuntimeError`` naming it.
"""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import secrets
import socket
import stat
import zipfile
from collections import OrderedDict

import numpy as np

from ...tensor import Tensor

__all__ = ["encode_file", "replace_file", "load_verified", "has_trailer", "atomic_write"]

_FORMAT = "tinyconv-checkpoint"
_VERSION = 1
_TAG = b"tinyconv-sha256:"
_COMMENT_LEN = len(_TAG) + 64
_MAX_DEPTH = 100            # nesting levels of saved containers (keeps JSON and decoding flat)
_MAX_NPY_HEADER = 10000     # bytes of an .npy header (NumPy's own default cap)
_CHUNK = 1 << 20            # hashing / reading granularity
_NODE_TYPES = frozenset(("none", "bool", "int", "float", "str", "tensor", "ndarray",
                         "npscalar", "dtype", "dict", "odict", "list", "tuple"))


class _Encoder:
    def __init__(self):
        self.arrays = []

    def array(self, arr):
        if arr.dtype.hasobject:
            raise TypeError("save: arrays of dtype object cannot be stored without pickle")
        self.arrays.append(arr if arr.flags.c_contiguous else arr.copy(order="C"))
        return len(self.arrays) - 1

    def key(self, k, path, depth):
        if k is None or isinstance(k, (bool, int, float, str)):
            return self.node(k, path, depth + 1)
        if isinstance(k, tuple):
            return self.node(k, path, depth + 1)
        raise TypeError(f"save: unsupported dict key type {type(k).__name__} at {path}")

    def node(self, obj, path="obj", depth=0):
        from ...nn.parameter import Parameter

        if depth > _MAX_DEPTH:
            raise ValueError(f"save: containers nested more than {_MAX_DEPTH} levels deep at "
                             f"{path}")
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
            return {"t": "tensor", "a": self.array(obj._data), "rg": bool(obj.requires_grad),
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
                items.append([self.key(k, path, depth),
                              self.node(v, f"{path}[{k!r}]", depth + 1)])
            return {"t": kind, "items": items}
        if isinstance(obj, (list, tuple)):
            return {"t": "list" if isinstance(obj, list) else "tuple",
                    "items": [self.node(v, f"{path}[{i}]", depth + 1)
                              for i, v in enumerate(obj)]}
        raise TypeError(
            f"save: cannot store an object of type {type(obj).__module__}."
            f"{type(obj).__name__} at {path} (supported: tensors, ndarrays, numbers, strings, "
            f"None, and dicts/lists/tuples of them)")


def _field(node, name, types):
    """``node[name]`` if it has one of ``types`` (a bool is not an int here), else ValueError."""
    v = node.get(name)
    types = types if isinstance(types, tuple) else (types,)
    if not isinstance(v, types) or (isinstance(v, bool) and bool not in types):
        raise ValueError(f"index node {node.get('t')!r} has a bad {name!r} field: {v!r:.60}")
    return v


def _decode(node, arrays, depth=0):
    """Rebuild the object tree from the JSON index, checking every node's shape."""
    from ...nn.parameter import Parameter

    if depth > 2 * _MAX_DEPTH + 2:
        raise ValueError(f"the index is nested more than {_MAX_DEPTH} levels deep")
    if not isinstance(node, dict) or node.get("t") not in _NODE_TYPES:
        raise ValueError(f"bad index node {node!r:.60}")
    t = node["t"]
    if t == "none":
        return None
    if t == "bool":
        return _field(node, "v", bool)
    if t == "str":
        return _field(node, "v", str)
    if t == "int":
        return int(_field(node, "v", str))
    if t == "float":
        return float.fromhex(_field(node, "v", str))
    if t == "tensor":
        arr = arrays(_field(node, "a", int))
        rg = _field(node, "rg", bool)
        if "param" in node and _field(node, "param", bool):
            return Parameter(Tensor._make(arr, False, None), rg)
        out = Tensor._make(arr, False, None)
        if rg:
            out.requires_grad_(True)
        return out
    if t == "ndarray":
        return arrays(_field(node, "a", int))
    if t == "npscalar":
        return arrays(_field(node, "a", int))[()]
    if t == "dtype":
        return np.dtype(_field(node, "v", str))
    items = _field(node, "items", list)
    if t in ("dict", "odict"):
        out = OrderedDict() if t == "odict" else {}
        for pair in items:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError(f"bad dict item {pair!r:.60}")
            out[_decode(pair[0], arrays, depth + 1)] = _decode(pair[1], arrays, depth + 1)
        return out
    values = [_decode(v, arrays, depth + 1) for v in items]
    return values if t == "list" else tuple(values)


def encode_file(obj):
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
    data = buf.getbuffer()      # the archive itself, not a copy of it
    data[-64:] = hashlib.sha256(data[:-_COMMENT_LEN]).hexdigest().encode("ascii")
    return data


def _temp_prefix(name):
    # bounded, so the temporary name stays under the usual 255-byte limit for long targets
    return "." + name[:100] + "."


def _host_tag():
    return re.sub(r"[^A-Za-z0-9-]", "_", socket.gethostname())[:32] or "host"


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _remove_stale_temps(directory, name):
    """Delete temporary files of earlier saves to ``name`` whose process died (kill -9)."""
    pattern = re.compile(re.escape(_temp_prefix(name))
                         + r"(?P<host>[A-Za-z0-9_-]+)\.(?P<pid>\d+)\.[0-9a-f]{16}\.tmp")
    host = _host_tag()
    for entry in os.listdir(directory):
        m = pattern.fullmatch(entry)
        # only this host's processes can be checked; another host's file may be in use
        if m is None or m["host"] != host:
            continue
        pid = int(m["pid"])
        if pid == os.getpid() or _pid_alive(pid):
            continue
        try:
            os.unlink(os.path.join(directory, entry))
        except FileNotFoundError:  # another process cleaned it up first
            continue


def _create_temp(directory, name):
    """(path, fd) of a new, exclusively created file; its mode is 0o666 minus the umask."""
    prefix = f"{_temp_prefix(name)}{_host_tag()}.{os.getpid()}."
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        path = os.path.join(directory, prefix + secrets.token_hex(8) + ".tmp")
        try:
            return path, os.open(path, flags, 0o666)
        except FileExistsError:
            continue


def _fsync_directory(directory):
    """Make a rename in ``directory`` durable (POSIX); skipped where directories cannot be
    opened or synced (some filesystems and platforms refuse both)."""
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except (PermissionError, IsADirectoryError):
        return
    try:
        os.fsync(dfd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF):
            raise
    finally:
        os.close(dfd)


def replace_file(path, data, op):
    """Write ``data`` (bytes-like, or an iterable of them) to a temporary file next to the
    target, fsync it and rename it over the target."""
    target = os.path.realpath(path)          # through symlinks, like open(path, "wb")
    directory, name = os.path.split(target)
    if not os.path.isdir(directory):
        raise RuntimeError(f"{op}: parent directory {os.path.dirname(os.path.abspath(path))} "
                           f"does not exist (saving to {os.fspath(path)!r})")
    _remove_stale_temps(directory, name)
    tmp, fd = _create_temp(directory, name)
    try:
        with os.fdopen(fd, "wb") as fh:
            try:
                os.fchmod(fh.fileno(), stat.S_IMODE(os.stat(target).st_mode))
            except FileNotFoundError:  # a new file: the umask already applied at creation
                pass
            if isinstance(data, (bytes, bytearray, memoryview)):
                fh.write(data)
            else:
                for block in data:
                    fh.write(block)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        # leave no partial temporary file behind, then report the original error
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def atomic_write(path, data):
    """Replace the file at ``path`` by ``data`` as ``save`` does: all or nothing.

    The bytes go to a temporary file next to the target, are fsynced, and the file is renamed
    over the target, so a crash or a full disk leaves the previous file intact (and no partial
    temporary file; one left by a killed process is removed by the next write to the same
    path). A symlink is written through; a new file's mode follows the umask, an existing
    file keeps its mode.

    Args:
        path: the file to replace or create.
        data: a bytes-like object, or an iterable of them written in order (e.g. the blocks
            of another file, to copy it without holding it in memory).

    Raises:
        RuntimeError: the target's directory does not exist (as ``torch.save``).
        OSError: writing failed (e.g. the disk is full); the previous file is intact.
    """
    replace_file(path, data, "atomic_write")


class _Reader:
    """Reads the members of a verified checkpoint, allocating only what the header declares."""

    def __init__(self, fh, name):
        self.fh, self.name = fh, name
        self.zf = zipfile.ZipFile(fh)
        infos = self.zf.infolist()
        # members may neither overlap (a zip bomb's trick) nor reach into the directory
        spans = []
        for info in infos:
            if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
                raise ValueError(f"member {info.filename!r} is compressed or encrypted "
                                 f"(tinyconv.save stores members uncompressed)")
            if info.compress_size != info.file_size:
                raise ValueError(f"member {info.filename!r} declares {info.file_size} bytes "
                                 f"but stores {info.compress_size}")
            fh.seek(info.header_offset)
            local = fh.read(30)
            if len(local) != 30 or local[:4] != b"PK\x03\x04":
                raise ValueError(f"member {info.filename!r} has no local header")
            n_name = int.from_bytes(local[26:28], "little")
            n_extra = int.from_bytes(local[28:30], "little")
            start = info.header_offset + 30 + n_name + n_extra
            spans.append((info.header_offset, start, start + info.file_size, info.filename))
        spans.sort()
        limit = self.zf.start_dir
        for k, (_, _, end, fname) in enumerate(spans):
            nxt = spans[k + 1][0] if k + 1 < len(spans) else limit
            if end > nxt:
                raise ValueError(f"member {fname!r} overlaps the next member or the directory")
        self.members = {fname: (start, end - start) for _, start, end, fname in spans}
        self.used = set()

    def array(self, member):
        """The array stored in ``member``; raises ValueError if its header does not match."""
        if member not in self.members:
            raise ValueError(f"missing member {member!r}")
        if member in self.used:
            raise ValueError(f"member {member!r} is referenced twice")
        self.used.add(member)
        start, size = self.members[member]
        fh = self.fh
        fh.seek(start)
        version = np.lib.format.read_magic(fh)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, fortran_order, dtype = read_header(fh, max_header_size=_MAX_NPY_HEADER)
        if dtype.hasobject:
            raise ValueError(f"member {member!r} holds Python objects (dtype {dtype})")
        count = 1
        for d in shape:
            count *= d
        payload = size - (fh.tell() - start)
        if count * dtype.itemsize != payload:
            raise ValueError(f"member {member!r} declares shape {shape} of {dtype} "
                             f"({count * dtype.itemsize} bytes) but holds {payload} bytes")
        arr = np.empty(count, dtype=dtype)
        view = memoryview(arr.view(np.uint8))
        got = 0
        while got < payload:
            n = fh.readinto(view[got:got + _CHUNK])
            if not n:
                raise ValueError(f"member {member!r} ends early")
            got += n
        if fortran_order:
            return arr.reshape(shape[::-1]).transpose()
        return arr.reshape(shape)


def _digest(fh, start, stop):
    h = hashlib.sha256()
    fh.seek(start)
    left = stop - start
    while left > 0:
        block = fh.read(min(_CHUNK, left))
        if not block:
            break
        h.update(block)
        left -= len(block)
    return h.hexdigest()


def has_trailer(fh):
    """Whether the seekable ``fh`` (from its current position) ends with the checksum trailer
    of a tinyconv checkpoint (its content is checked by ``load_verified``)."""
    start = fh.tell()
    size = fh.seek(0, os.SEEK_END) - start
    try:
        if size < _COMMENT_LEN:
            return False
        fh.seek(start + size - _COMMENT_LEN)
        return fh.read(len(_TAG)) == _TAG
    finally:
        fh.seek(start)


def load_verified(fh, name):
    """The object in the tinyconv checkpoint ``fh``, checked as the module docstring says.

    Raises:
        RuntimeError: truncated, corrupted or crafted; the message names the file.
    """
    prefix = f"load: {name!r} is not a valid tinyconv checkpoint"
    start = fh.tell()
    size = fh.seek(0, os.SEEK_END) - start
    if size < _COMMENT_LEN + 22:
        raise RuntimeError(f"{prefix}: file is truncated ({size} bytes)")
    fh.seek(start + size - _COMMENT_LEN)
    trailer = fh.read(_COMMENT_LEN)
    if trailer[:len(_TAG)] != _TAG:
        raise RuntimeError(
            f"{prefix}: checksum trailer missing (the file is truncated, corrupted, or was not "
            f"written by tinyconv.save)")
    expected = trailer[len(_TAG):].decode("ascii", errors="replace")
    actual = _digest(fh, start, start + size - _COMMENT_LEN)
    if actual != expected:
        raise RuntimeError(
            f"{prefix}: checksum mismatch (sha256 stored {expected[:16]}..., computed "
            f"{actual[:16]}...): the file is corrupted or truncated")
    try:
        fh.seek(start)
        reader = _Reader(fh, name)
        raw = reader.array("__index__.npy")
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise ValueError(f"the index is not a uint8 vector ({raw.dtype}, {raw.shape})")
        try:
            index = json.loads(raw.tobytes().decode("utf-8"))
        except RecursionError:
            raise ValueError("the index is nested too deeply") from None
        if not isinstance(index, dict):
            raise ValueError(f"the index is a JSON {type(index).__name__}, not an object")
        if index.get("format") != _FORMAT:
            raise ValueError("unknown format tag")
        version = index.get("version", 0)
        if not isinstance(version, int) or version > _VERSION:
            raise ValueError(f"format version {version!r} is newer than this tinyconv "
                             f"({_VERSION})")
        n_arrays = index.get("n_arrays")
        if not isinstance(n_arrays, int) or isinstance(n_arrays, bool) or n_arrays < 0:
            raise ValueError(f"bad array count {n_arrays!r}")

        def arrays(i):
            if isinstance(i, bool) or not 0 <= i < n_arrays:
                raise ValueError(f"array reference {i!r} out of range (n_arrays={n_arrays})")
            return reader.array(f"a{i}.npy")

        return _decode(index.get("root"), arrays)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, KeyError, TypeError,
            EOFError, OverflowError, UnicodeDecodeError) as e:
        raise RuntimeError(f"{prefix}: {type(e).__name__}: {e}") from e
