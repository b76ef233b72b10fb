"""tc.save / tc.load: tinyconv's own checkpoints (npz + JSON, no pickle; the default) and
torch's zip checkpoints (``format="torch"``; read with a weights-only unpickler).

``load`` recognises the format by its content: a tinyconv checkpoint ends with its checksum
trailer, a torch one is a zip archive with a ``data.pkl``.  Neither path ever runs code from
the file.
"""
import io
import os

from . import _native, _torch
from ._native import _COMMENT_LEN, _TAG, atomic_write  # noqa: F401  (the trailer layout, for tests)

__all__ = ["save", "load", "atomic_write"]

_FORMATS = ("tc", "torch")
# the first bytes of a legacy (pre-zip) torch checkpoint: a pickled magic number
_LEGACY_MAGIC = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19."


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False, *, format="tc"):
    """Save ``obj`` (state dicts, optimizer/scheduler states, nested containers) to ``f``.

    A path is written atomically (see ``atomic_write``): a crash or a full disk leaves the
    previous file intact and no partial temporary file. As with ``open``, a symlink is written
    through and a new file's mode follows the umask; an existing file keeps its mode.

    Args:
        obj: tensors, ndarrays, numbers, strings, None, and dicts (any of those as keys),
            lists and tuples of them.
        f: a path or a binary file object.
        pickle_module: torch's argument, accepted and ignored (the formats are fixed).
        pickle_protocol: torch's argument, accepted and ignored.
        _use_new_zipfile_serialization: torch's argument, accepted and ignored.
        _disable_byteorder_record: torch's argument, accepted and ignored.
        format: ``'tc'`` (tinyconv's checkpoint, no pickle) or ``'torch'`` (torch's zip
            format, which ``torch.load(weights_only=True)`` reads; ndarrays are written as
            tensors, NumPy scalars as Python numbers).

    Raises:
        ValueError: an unknown ``format``.
        TypeError: an object the format cannot store (the file is not touched).
        RuntimeError: the target's directory does not exist (as ``torch.save``).
        OSError: writing failed (e.g. the disk is full); the previous file is intact.
    """
    if format not in _FORMATS:
        raise ValueError(f"save: format must be one of {_FORMATS}, got {format!r}")
    if format == "tc":
        data = _native.encode_file(obj)
    else:
        name = "archive" if hasattr(f, "write") else _torch.archive_name(os.fspath(f))
        data = _torch.encode_torch(obj, name)
    if hasattr(f, "write"):
        f.write(data)
        return
    _native.replace_file(f, data, "save")


def _load_from(fh, name):
    start = fh.tell()
    if _native.has_trailer(fh):
        return _native.load_verified(fh, name)
    if _torch.is_torch_zip(fh):
        return _torch.load_torch(fh, name)
    head = fh.read(len(_LEGACY_MAGIC))
    fh.seek(start)
    if head == _LEGACY_MAGIC:
        raise RuntimeError(f"load: {name!r} is a legacy (pre-1.6, non-zip) torch checkpoint, "
                           f"which cannot be read without running pickle; re-save it with "
                           f"torch.save's default zip format")
    try:
        return _native.load_verified(fh, name)  # raises, naming what is wrong
    except RuntimeError as e:
        if head[:4] != b"PK\x03\x04":
            raise
        raise RuntimeError(f"{e}; nor is it a torch checkpoint (no readable zip archive with "
                           f"a data.pkl)") from None


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None,
         **pickle_load_args):
    """Load a checkpoint written by ``tc.save`` or by ``torch.save``.

    A tinyconv checkpoint is checked whole (SHA-256) before any member is parsed, and each
    array is allocated at its declared size only after that size was matched against the
    bytes the file holds for it.  A torch checkpoint is unpickled weights-only: only tensors,
    parameters, dtypes, OrderedDict and plain containers are rebuilt, nothing is imported or
    called (torch need not be installed).

    Args:
        f: a path or a binary file object (read from its current position; one that cannot
            seek is read into memory first).
        map_location: torch's argument, accepted and ignored (everything is CPU).
        pickle_module: torch's argument, accepted and ignored (no pickle module is used).
        weights_only: torch's argument, accepted and ignored: nothing but data is ever
            loaded, even with ``weights_only=False``.
        mmap: torch's argument, accepted and ignored (the file is read).
        **pickle_load_args: torch's extra unpickler arguments, accepted and ignored.

    Returns:
        the saved object, with tensors as ``tc.Tensor`` (``Parameter`` where one was saved;
        torch's bfloat16 widened to float32).

    Raises:
        RuntimeError: the file is truncated, corrupted, crafted, or asks for code (a torch
            pickle with a global other than the tensor rebuild calls); the message names the
            file.
    """
    if hasattr(f, "read"):
        name = getattr(f, "name", "<file object>")
        seekable = getattr(f, "seekable", None)
        if seekable is not None and seekable():
            return _load_from(f, name)
        return _load_from(io.BytesIO(f.read()), name)
    name = os.fspath(f)
    with open(name, "rb") as fh:
        return _load_from(fh, name)
