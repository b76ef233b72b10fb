"""The MPI world: init, rank and size, collectives on tensors, and abort-on-exception.

mpi4py is imported lazily (importing ``mpi4py.MPI`` initialises MPI), so ``import tinyconv``
never needs it; ``init()`` is the first call that does.  Every rank runs the same script under
``mpiexec -n P python script.py``.
"""
from __future__ import annotations

import sys
import traceback

import numpy as np

from ..tensor import Tensor

__all__ = [
    "ReduceOp", "is_available", "init", "init_process_group", "is_initialized", "get_rank",
    "get_world_size", "barrier", "broadcast", "broadcast_parameters", "all_reduce", "abort",
    "destroy_process_group", "Work",
]

_INSTALL_HINT = ("install the MPI extra: pip install 'tinyconv[distributed]' "
                 "(mpi4py plus the mpich wheel, no system MPI needed)")


class _State:
    MPI = None          # the mpi4py.MPI module once init() ran
    world = None        # MPI.COMM_WORLD
    rank = 0
    size = 1
    initialized = False
    prev_excepthook = None
    comms = []          # duplicated communicators (DDP, SyncBatchNorm), freed by destroy
    syncbn_comm = None  # the communicator every SyncBatchNorm layer shares


_state = _State()


class ReduceOp:
    """Reduction operations for ``all_reduce`` (torch's names; plain strings work too)."""

    SUM = "sum"
    AVG = "mean"
    MEAN = "mean"
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"


def is_available() -> bool:
    """Whether mpi4py can be imported (the ``distributed`` extra is installed)."""
    import importlib.util

    return importlib.util.find_spec("mpi4py") is not None


def _abort_excepthook(exc_type, exc, tb):
    """Print the rank and the traceback, then abort every rank of the job (never hang)."""
    try:
        r = _state.rank
        lines = "".join(traceback.format_exception(exc_type, exc, tb)).rstrip("\n").split("\n")
        sys.stderr.write(
            f"tinyconv.distributed: rank {r} of {_state.size} raised an uncaught exception; "
            f"aborting the MPI job\n" + "".join(f"[rank {r}] {line}\n" for line in lines))
        sys.stderr.flush()
        sys.stdout.flush()
    finally:
        _state.world.Abort(1)


def init(abort_on_exception=True):
    """Join the MPI world started by ``mpiexec`` (idempotent; a plain run is a world of 1).

    Args:
        abort_on_exception (bool): with more than one rank, install a ``sys.excepthook`` that
            prints the failing rank and its traceback and then calls ``MPI_Abort``, so that an
            exception in one rank ends the whole job instead of leaving the others blocked
            in a collective.

    Raises:
        RuntimeError: mpi4py (or its MPI library) is not installed.
    """
    if _state.initialized:
        return
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError(f"tinyconv.distributed.init: cannot import mpi4py ({e}); "
                           f"{_INSTALL_HINT}") from None
    _state.MPI = MPI
    _state.world = MPI.COMM_WORLD
    _state.rank = _state.world.Get_rank()
    _state.size = _state.world.Get_size()
    _state.initialized = True
    if abort_on_exception and _state.size > 1 and sys.excepthook is not _abort_excepthook:
        _state.prev_excepthook = sys.excepthook
        sys.excepthook = _abort_excepthook


def init_process_group(backend="mpi", **kwargs):
    """torch-style spelling of ``init()``; only the ``'mpi'`` backend exists.

    Args:
        backend: 'mpi' (or None).
        **kwargs: torch's other arguments (``init_method``, ``world_size``, ``rank``...),
            accepted and ignored: ``mpiexec`` decides the world.
    """
    if backend not in (None, "mpi"):
        raise ValueError(f"init_process_group: backend {backend!r} is not supported; "
                         f"tinyconv.distributed runs on MPI (backend='mpi')")
    init(**kwargs)


def is_initialized() -> bool:
    """Whether ``init()`` has run in this process."""
    return _state.initialized


def destroy_process_group():
    """Free the communicators made by tinyconv and restore the excepthook.

    MPI itself is finalised by mpi4py when the interpreter exits.
    """
    if not _state.initialized:
        return
    for c in _state.comms:
        if c != _state.MPI.COMM_NULL:
            c.Free()
    _state.comms = []
    _state.syncbn_comm = None
    if sys.excepthook is _abort_excepthook:
        sys.excepthook = _state.prev_excepthook or sys.__excepthook__
    _state.initialized = False


def _require(fn_name):
    if not _state.initialized:
        raise RuntimeError(
            f"{fn_name}: the default process group has not been initialized; call "
            f"tinyconv.distributed.init() first (and launch with mpiexec -n P)")
    return _state.world


def _new_comm(fn_name):
    """A duplicate of COMM_WORLD (collective), so independent users never mix messages."""
    comm = _require(fn_name).Dup()
    _state.comms.append(comm)
    return comm


def get_rank() -> int:
    """This process's rank in the world (0 .. world_size - 1)."""
    _require("get_rank")
    return _state.rank


def get_world_size() -> int:
    """Number of processes in the world."""
    _require("get_world_size")
    return _state.size


def barrier():
    """Block until every rank has reached this call."""
    _require("barrier").Barrier()


def abort(code=1):
    """End every rank of the job now (use instead of ``sys.exit(code)`` on a single rank).

    Args:
        code: the exit status.
    """
    if _state.initialized:
        sys.stdout.flush()
        sys.stderr.flush()
        _state.world.Abort(int(code))
    raise SystemExit(code)


def _mpi_op(op, fn_name):
    MPI = _state.MPI
    key = op.lower() if isinstance(op, str) else op
    table = {"sum": MPI.SUM, "mean": MPI.SUM, "avg": MPI.SUM, "max": MPI.MAX,
             "min": MPI.MIN, "product": MPI.PROD, "prod": MPI.PROD}
    if key not in table:
        raise ValueError(f"{fn_name}: op must be one of 'sum', 'mean', 'max', 'min', 'product' "
                         f"(or a ReduceOp), got {op!r}")
    return table[key], key in ("mean", "avg")


def _as_array(tensor, fn_name):
    if isinstance(tensor, Tensor):
        return tensor.data
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"{fn_name}: expected a Tensor, got {type(tensor).__name__}")


class Work:
    """Handle of a non-blocking collective (``async_op=True``): call ``wait()`` before use.

    Args:
        request: the MPI request.
        finish: called once the request completes (copies the result into place).
    """

    def __init__(self, request, finish=None):
        self._request = request
        self._finish = finish
        self._done = False

    def is_completed(self) -> bool:
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def wait(self):
        """Block until the operation has finished and its result is in place."""
        if not self._done:
            self._request.Wait()
            self._complete()
        return True

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._finish()


def all_reduce(tensor, op=ReduceOp.SUM, async_op=False):
    """Reduce ``tensor`` over all ranks, in place (every rank gets the result).

    Args:
        tensor (Tensor): same shape and dtype on every rank; its ``.data`` is overwritten.
        op (str or ReduceOp): 'sum', 'mean', 'max', 'min' or 'product'.
        async_op (bool): start a non-blocking reduction and return a ``Work`` handle.

    Returns:
        None, or a ``Work`` handle when ``async_op``.
    """
    comm = _require("all_reduce")
    arr = _as_array(tensor, "all_reduce")
    mpi_op, mean = _mpi_op(op, "all_reduce")
    if mean and arr.dtype.kind != "f":
        raise TypeError(f"all_reduce: op 'mean' needs a floating tensor, got dtype {arr.dtype}")
    buf = arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)
    scale = 1.0 / _state.size

    def finish():
        if mean:
            buf.__imul__(scale)
        if buf is not arr:
            np.copyto(arr, buf)

    if async_op:
        return Work(comm.Iallreduce(_state.MPI.IN_PLACE, buf, op=mpi_op), finish)
    comm.Allreduce(_state.MPI.IN_PLACE, buf, op=mpi_op)
    finish()
    return None


def broadcast(tensor, src=0, async_op=False):
    """Copy ``tensor`` from rank ``src`` to every rank, in place.

    Args:
        tensor (Tensor): same shape and dtype on every rank.
        src (int): the rank whose values are sent.
        async_op (bool): return a ``Work`` handle instead of blocking.
    """
    comm = _require("broadcast")
    arr = _as_array(tensor, "broadcast")
    if not 0 <= src < _state.size:
        raise ValueError(f"broadcast: src {src} is not a rank of a world of size {_state.size}")
    buf = arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)

    def finish():
        if buf is not arr:
            np.copyto(arr, buf)

    if async_op:
        return Work(comm.Ibcast(buf, root=src), finish)
    comm.Bcast(buf, root=src)
    finish()
    return None


def _named_state(obj, fn_name):
    """(name, array) pairs of parameters then buffers of a Module, dict or tensor sequence."""
    if hasattr(obj, "named_parameters") and hasattr(obj, "named_buffers"):
        items = [(n, t) for n, t in obj.named_parameters()]
        items += [(n, t) for n, t in obj.named_buffers() if t is not None]
    elif isinstance(obj, dict):
        items = list(obj.items())
    elif isinstance(obj, (list, tuple)):
        items = [(str(i), t) for i, t in enumerate(obj)]
    else:
        raise TypeError(f"{fn_name}: expected a Module, a state dict or a sequence of tensors, "
                        f"got {type(obj).__name__}")
    out = []
    for n, t in items:
        if isinstance(t, Tensor):
            out.append((n, t.data))
        elif isinstance(t, np.ndarray):
            out.append((n, t))
        else:
            raise TypeError(f"{fn_name}: entry {n!r} is a {type(t).__name__}, not a Tensor")
    return out


def _coalesced_bcast(comm, arrays, root):
    """Broadcast many arrays with one Bcast per dtype (packed into a flat buffer)."""
    by_dtype = {}
    for a in arrays:
        by_dtype.setdefault(a.dtype, []).append(a)
    for dt, group in by_dtype.items():
        total = sum(a.size for a in group)
        flat = np.empty(total, dtype=dt)
        if comm.Get_rank() == root:
            off = 0
            for a in group:
                flat[off:off + a.size].reshape(a.shape)[...] = a
                off += a.size
        comm.Bcast(flat, root=root)
        off = 0
        for a in group:
            a[...] = flat[off:off + a.size].reshape(a.shape)
            off += a.size


def broadcast_parameters(model, root=0):
    """Overwrite every rank's parameters and buffers with those of rank ``root``, in place.

    Args:
        model: a Module (parameters and buffers), a state dict, or a list of tensors; the
            same structure on every rank.
        root (int): the rank whose values are kept.

    Raises:
        RuntimeError: the ranks do not hold the same names, shapes and dtypes.
    """
    comm = _require("broadcast_parameters")
    if not 0 <= root < _state.size:
        raise ValueError(f"broadcast_parameters: root {root} is not a rank of a world of "
                         f"size {_state.size}")
    items = _named_state(model, "broadcast_parameters")
    # check the structure first: a mismatch would otherwise corrupt or hang
    sig = [(n, tuple(a.shape), str(a.dtype)) for n, a in items]
    sigs = comm.allgather(sig)
    for r, s in enumerate(sigs):
        if s != sigs[root]:
            diff = next(((a, b) for a, b in zip(s, sigs[root]) if a != b),
                        (f"{len(s)} entries", f"{len(sigs[root])} entries"))
            raise RuntimeError(
                f"broadcast_parameters: rank {r} holds a different model than rank {root}: "
                f"{diff[0]} vs {diff[1]}")
    _coalesced_bcast(comm, [a for _, a in items], root)
