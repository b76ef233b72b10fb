"""The MPI world: init, rank and size, collectives on tensors, and abort-on-exception.

mpi4py is imported lazily (importing ``mpi4py.MPI`` initialises MPI), so ``import tinyconv``
never needs it; ``init()`` is the first call that does.  Every rank runs the same script under
``mpiexec -n P python script.py``.

Collective timeout: MPI collectives never time out by themselves, so one stopped or hung rank
would leave the others waiting (at 100% CPU) forever. With more than one rank, ``init`` starts
a watchdog thread; when a tinyconv collective (``all_reduce``, ``broadcast``, ``barrier``,
``Work.wait``, DDP's gradient reduction, ...) has waited longer than ``timeout`` seconds (default
1800, torch's), the watchdog asks every other rank's watchdog where it is, waits a few seconds
for the answers, prints which ranks did not answer (stopped, dead, or hung holding the GIL) and
which are elsewhere, and aborts the whole job. The check costs nothing while collectives
complete: the waiting rank only records which collective it is in.
"""
from __future__ import annotations

import atexit
import datetime
import math
import sys
import threading
import time
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


DEFAULT_TIMEOUT = 1800.0    # seconds, torch's default process-group timeout
_ABORT_GRACE_SECONDS = 0.5  # the launcher forwards a dying rank's traceback meanwhile


class _State:
    MPI = None          # the mpi4py.MPI module once init() ran
    world = None        # MPI.COMM_WORLD
    rank = 0
    size = 1
    initialized = False
    prev_excepthook = None
    comms = []          # duplicated communicators (DDP, SyncBatchNorm), freed by destroy
    syncbn_comm = None  # the communicator every SyncBatchNorm layer shares
    timeout = DEFAULT_TIMEOUT
    current = None      # (collective name, sequence number, start time) while one waits
    seq = 0             # collectives entered by this rank
    watchdog = None     # the _Watchdog of a world of more than one rank


_state = _State()
_TAG_QUERY, _TAG_REPLY = 1, 2


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
        # Abort kills the launcher's I/O forwarding with the ranks: give it a moment to pass
        # the traceback on (a loaded CI machine once lost it: the job failed with no output)
        time.sleep(_ABORT_GRACE_SECONDS)
    finally:
        _state.world.Abort(1)


def _seconds(timeout, fn_name):
    if isinstance(timeout, datetime.timedelta):
        timeout = timeout.total_seconds()
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) \
            or not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"{fn_name}: timeout must be a positive number of seconds or a "
                         f"datetime.timedelta, got {timeout!r}")
    return float(timeout)


def init(abort_on_exception=True, timeout=None):
    """Join the MPI world started by ``mpiexec`` (idempotent; a plain run is a world of 1).

    Args:
        abort_on_exception (bool): with more than one rank, install a ``sys.excepthook`` that
            prints the failing rank and its traceback and then calls ``MPI_Abort``, so that an
            exception in one rank ends the whole job instead of leaving the others blocked
            in a collective.
        timeout (float or datetime.timedelta, optional): how long a collective may wait before
            the job is aborted with a message naming the silent ranks (default 1800 s; a later
            call may change it).

    Raises:
        RuntimeError: mpi4py (or its MPI library) is not installed.
        ValueError: ``timeout`` is not a positive duration.
    """
    if timeout is not None:
        _state.timeout = _seconds(timeout, "init")
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
    if _state.size > 1:
        _state.watchdog = _Watchdog(_state.world.Dup())


def init_process_group(backend="mpi", timeout=None, **kwargs):
    """torch-style spelling of ``init()``; only the ``'mpi'`` backend exists.

    Args:
        backend (str): ``'mpi'`` (or None).
        timeout (float or datetime.timedelta, optional): see ``init``.
        **kwargs: passed to ``init``.
    """
    if backend not in (None, "mpi"):
        raise ValueError(f"init_process_group: backend {backend!r} is not supported; "
                         f"tinyconv.distributed runs on MPI (backend='mpi')")
    init(timeout=timeout, **kwargs)


class _Collective:
    """``with _Collective(name):`` around a blocking wait lets the watchdog time it."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        if _state.watchdog is not None:
            _state.seq += 1
            _state.current = (self.name, _state.seq, time.monotonic())
        return self

    def __exit__(self, *exc):
        _state.current = None
        return False


class _Watchdog:
    """A daemon thread that aborts the job when a collective outlives the timeout.

    It answers the other ranks' watchdogs with where this rank is, and, when this rank has
    waited too long, asks every other rank the same and names the ones that stay silent.
    """

    def __init__(self, comm):
        self.comm = comm
        MPI = _state.MPI
        # asking other ranks needs MPI calls from this thread as well as the main one
        self.can_ask = MPI.Query_thread() >= MPI.THREAD_MULTIPLE
        self.sending = []   # non-blocking sends, kept (with their buffers) until complete
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="tinyconv-mpi-watchdog",
                                       daemon=True)
        self.thread.start()
        atexit.register(self.close)   # before mpi4py finalises MPI (atexit runs LIFO)

    def close(self):
        self.stop.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join()

    def _poll(self):
        return min(1.0, max(0.05, _state.timeout / 20.0))

    def _run(self):
        while not self.stop.wait(self._poll()):
            if self.can_ask:
                self._answer()
                self.sending = [req for req in self.sending if not req.Test()]
            cur = _state.current
            if cur is not None and time.monotonic() - cur[2] > _state.timeout:
                self._abort(cur)

    def _where(self):
        cur = _state.current
        if cur is None:
            return {"in": None, "seq": _state.seq}
        return {"in": cur[0], "seq": cur[1], "waited": time.monotonic() - cur[2]}

    def _answer(self):
        MPI = _state.MPI
        status = MPI.Status()
        while self.comm.Iprobe(source=MPI.ANY_SOURCE, tag=_TAG_QUERY, status=status):
            src = status.Get_source()
            self.comm.recv(source=src, tag=_TAG_QUERY)
            self.sending.append(self.comm.isend(self._where(), dest=src, tag=_TAG_REPLY))

    def _ask_everyone(self):
        """{rank: answer} of the ranks whose watchdog answered within the grace period."""
        MPI = _state.MPI
        others = [r for r in range(_state.size) if r != _state.rank]
        for r in others:   # never waited for: a stopped rank would not receive it
            self.sending.append(self.comm.isend(None, dest=r, tag=_TAG_QUERY))
        answers, status = {}, MPI.Status()
        deadline = time.monotonic() + max(3.0 * self._poll(), min(10.0, _state.timeout))
        while len(answers) < len(others) and time.monotonic() < deadline:
            self._answer()     # the others are asking us at the same time
            while self.comm.Iprobe(source=MPI.ANY_SOURCE, tag=_TAG_REPLY, status=status):
                src = status.Get_source()
                answers[src] = self.comm.recv(source=src, tag=_TAG_REPLY)
            time.sleep(0.01)
        return answers

    def _abort(self, cur):
        name, seq, t0 = cur
        r = _state.rank
        lines = [f"tinyconv.distributed: rank {r} of {_state.size} has waited "
                 f"{time.monotonic() - t0:.1f} s in {name} (collective #{seq} on this rank), "
                 f"longer than the timeout of {_state.timeout:g} s"]
        if self.can_ask:
            answers = self._ask_everyone()
            silent = [q for q in range(_state.size) if q != r and q not in answers]
            if silent:
                lines.append(f"silent rank(s): {', '.join(map(str, silent))} did not answer "
                             f"(stopped, dead, or hung without releasing the GIL)")
            for q, a in sorted(answers.items()):
                where = (f"waiting in {a['in']} (its collective #{a['seq']})" if a["in"]
                         else f"running outside any collective (after its collective "
                              f"#{a['seq']})")
                lines.append(f"rank {q} is {where}")
        else:
            lines.append("(this MPI library cannot ask the other ranks where they are)")
        lines.append("aborting the MPI job; the timeout is set by "
                     "tinyconv.distributed.init(timeout=...)")
        sys.stderr.write("".join(f"[rank {r}] {line}\n" for line in lines))
        sys.stderr.flush()
        sys.stdout.flush()
        # mpiexec forwards the ranks' output asynchronously, and MPI_Abort can end the job
        # before it has passed this message on: give it a moment
        time.sleep(0.5)
        _state.world.Abort(1)


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
    if _state.watchdog is not None:
        _state.watchdog.close()
        _state.watchdog.comm.Free()
        _state.watchdog = None
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
    with _Collective(f"{fn_name} (communicator setup)"):
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
    comm = _require("barrier")
    with _Collective("barrier"):
        comm.Barrier()


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
        return tensor._data
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"{fn_name}: expected a Tensor, got {type(tensor).__name__}")


class Work:
    """Handle of a non-blocking collective (``async_op=True``): call ``wait()`` before use.

    Args:
        request: the MPI request.
        finish: called once the request completes (copies the result into place).
    """

    def __init__(self, request, finish=None, name="async collective"):
        self._request = request
        self._finish = finish
        self._done = False
        self._name = name

    def is_completed(self) -> bool:
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def wait(self):
        """Block until the operation has finished and its result is in place."""
        if not self._done:
            with _Collective(f"{self._name}.wait()"):
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
        tensor (Tensor): same shape and dtype on every rank; its values are overwritten.
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
        return Work(comm.Iallreduce(_state.MPI.IN_PLACE, buf, op=mpi_op), finish, "all_reduce")
    with _Collective("all_reduce"):
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
        return Work(comm.Ibcast(buf, root=src), finish, "broadcast")
    with _Collective("broadcast"):
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
            out.append((n, t._data))
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
    with _Collective("broadcast_parameters"):
        sigs = comm.allgather(sig)
    for r, s in enumerate(sigs):
        if s != sigs[root]:
            diff = next(((a, b) for a, b in zip(s, sigs[root]) if a != b),
                        (f"{len(s)} entries", f"{len(sigs[root])} entries"))
            raise RuntimeError(
                f"broadcast_parameters: rank {r} holds a different model than rank {root}: "
                f"{diff[0]} vs {diff[1]}")
    with _Collective("broadcast_parameters"):
        _coalesced_bcast(comm, [a for _, a in items], root)
