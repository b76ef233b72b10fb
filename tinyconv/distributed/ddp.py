"""DistributedDataParallel: average gradients across ranks with bucketed non-blocking allreduce.

How the gradient reduction overlaps with backward:

- Parameters are grouped, in reverse registration order (roughly the order backward produces
  their gradients), into buckets of at most ``bucket_cap_mb`` per dtype.  Each bucket owns one
  contiguous buffer.
- After every forward with grad enabled, the ``_Reducer`` walks the output's graph and marks
  the parameters it reaches: the engine sums all of a parameter's contributions before it
  accumulates them, so each reached parameter gets exactly one post-accumulate-grad hook call
  per backward (as torch's AccumulateGrad).  Parameters the graph does not reach are "locally
  unused": they contribute zeros.
- The post-accumulate-grad hook of a parameter copies its gradient into its bucket.  When a
  bucket is full it starts an ``Iallreduce`` while backward goes on, and buckets are launched
  strictly in bucket order so every rank issues the same sequence of collectives.
- The hook of the last parameter to finish waits for all requests and writes the averages
  back into ``param.grad``, so ``loss.backward(); optimizer.step()`` works as with torch.

Each bucket also carries one "has a gradient" flag per parameter: a parameter no rank produced
a gradient for keeps ``grad`` as it was (None stays None), as in torch.
"""
from __future__ import annotations

import contextlib
import time

import numpy as np

from .._engine.backward import graph_counts
from ..autograd import is_grad_enabled
from ..nn.module import Module
from ..tensor import Tensor
from . import process_group as pg

__all__ = ["DistributedDataParallel"]

_IDLE, _RUNNING, _FINISHED = 0, 1, 2


class _Bucket:
    """Parameters (by index) sharing one flat buffer: gradients, then one flag per member."""

    __slots__ = ("index", "dtype", "members", "offsets", "numel", "buffer", "pending",
                 "request")

    def __init__(self, index, dtype, members, params, allocate):
        self.index = index
        self.dtype = dtype
        self.members = members
        self.offsets = []
        off = 0
        for i in members:
            self.offsets.append(off)
            off += params[i]._data.size
        self.numel = off
        # a world of one never communicates, so it needs no buffer
        self.buffer = np.zeros(off + len(members) if allocate else 0, dtype=dtype)
        self.pending = 0
        self.request = None


def _tensors_in(obj, out):
    """Collect the Tensors inside nested tuples, lists and dicts."""
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            _tensors_in(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _tensors_in(o, out)
    return out


class _Reducer:
    """Bucketed, overlapped gradient averaging for a fixed list of leaf tensors.

    Args:
        params: leaf tensors that require grad (distinct objects).
        names: a name per parameter (for error messages).
        comm: the MPI communicator (a private duplicate, so no other collective interleaves).
        bucket_cap_bytes: the largest bucket, in bytes of gradient.
    """

    def __init__(self, params, names, comm, bucket_cap_bytes):
        from mpi4py import MPI

        self._MPI = MPI
        self.params = list(params)
        self.names = list(names)
        self.comm = comm
        self.world = comm.Get_size()
        self._index = {id(p): i for i, p in enumerate(self.params)}
        # buckets, filled in reverse registration order, one dtype per bucket
        self.buckets = []
        self.bucket_of = [0] * len(self.params)
        self.slot_of = [0] * len(self.params)
        open_ = {}  # dtype -> (members, bytes)
        order = []

        def close(dt):
            members, _ = open_.pop(dt)
            order.append((dt, members))

        for i in reversed(range(len(self.params))):
            a = self.params[i]._data
            dt = a.dtype
            members, nbytes = open_.get(dt, ([], 0))
            if members and nbytes + a.nbytes > bucket_cap_bytes:
                close(dt)
                members, nbytes = [], 0
            members.append(i)
            open_[dt] = (members, nbytes + a.nbytes)
        for dt in list(open_):
            close(dt)
        for b, (dt, members) in enumerate(order):
            bucket = _Bucket(b, dt, members, self.params, self.world > 1)
            self.buckets.append(bucket)
            for slot, i in enumerate(members):
                self.bucket_of[i] = b
                self.slot_of[i] = slot
        self.state = _IDLE
        self._remaining = [0] * len(self.params)
        self._ready = 0
        self._started = False  # a gradient hook fired in the current iteration
        self._next_launch = 0
        self._inflight = []
        # communication time: blocking waits at the end of backward, and progress polls
        self.wait_time = 0.0
        self.reductions = 0
        self.early_launches = 0

    # ---------------------------------------------------------------------------- counting
    def _count_uses(self, outputs):
        """Per parameter, 1 when ``outputs``' graph reaches it (one hook call to expect)."""
        counts = [0] * len(self.params)
        index = self._index
        roots = []
        for t in _tensors_in(outputs, []):
            if t.grad_fn is not None:
                roots.append(t.grad_fn)
            elif t.requires_grad and id(t) in index:
                counts[index[id(t)]] = 1  # a parameter returned as an output
        for leaf in graph_counts(roots)[1]:
            i = index.get(leaf)
            if i is not None:
                counts[i] = 1
        return counts

    def _unfinished_message(self):
        missing = [self.names[i] for i, c in enumerate(self._remaining) if c > 0]
        shown = ", ".join(missing[:10]) + (", ..." if len(missing) > 10 else "")
        return (
            "DistributedDataParallel: expected to have finished the gradient reduction of the "
            "previous iteration before starting a new one; these parameters did not receive "
            f"all their gradients in backward: {shown}. This happens when part of the forward "
            "output does not contribute to the loss; make the loss depend on every output, "
            "or call finish_gradient_synchronization() after backward (on every rank).")

    def prepare(self, outputs):
        """Start an iteration: expect one hook call from each parameter the graph reaches."""
        if self.state == _RUNNING and self._started:
            raise RuntimeError(self._unfinished_message())
        if self._inflight:  # an iteration abandoned mid-way: complete its collectives
            with pg._Collective("DistributedDataParallel gradient allreduce"):
                self._MPI.Request.Waitall(self._inflight)
            self._inflight = []
        self._remaining = self._count_uses(outputs)
        self._ready = 0
        self._started = False
        self._next_launch = 0
        for bucket in self.buckets:
            bucket.pending = len(bucket.members)
            bucket.request = None
        self.state = _RUNNING
        for i, c in enumerate(self._remaining):
            if c == 0:
                self._mark_ready(i, local_grad=False)

    # ---------------------------------------------------------------------------- hooks
    def on_grad(self, i):
        """Post-accumulate-grad hook of parameter ``i``."""
        if self.state != _RUNNING:
            # no iteration is expecting gradients (no_sync, the module used directly, a
            # backward after the reduction finished): like torch, leave them local
            return
        if not self._started:
            # backward has begun on this rank: buckets completed in forward (only locally
            # unused parameters) may go now; launching them earlier could leave a request
            # the other ranks never match if this forward gets no backward
            self._started = True
            self._launch_ready()
        c = self._remaining[i] - 1
        if c < 0:
            self.state = _IDLE  # this iteration is abandoned
            raise RuntimeError(
                f"DistributedDataParallel: parameter {self.names[i]!r} was marked ready twice in "
                f"one iteration (backward ran twice through the same forward?)")
        self._remaining[i] = c
        if c == 0:
            self._mark_ready(i, local_grad=True)
        elif self._inflight:
            self._progress()

    def _mark_ready(self, i, local_grad):
        bucket = self.buckets[self.bucket_of[i]]
        if self.world > 1:  # a world of one averages nothing: leave the gradients alone
            self._copy_in(bucket, i, local_grad)
        bucket.pending -= 1
        self._ready += 1
        if bucket.pending == 0 and self._started:
            self._launch_ready()
        elif self._inflight:
            self._progress()

    def _copy_in(self, bucket, i, local_grad):
        """Put parameter i's gradient (zeros and flag 0 when it has none) into its bucket."""
        slot = self.slot_of[i]
        off = bucket.offsets[slot]
        p = self.params[i]
        view = bucket.buffer[off:off + p._data.size]
        flag = bucket.numel + slot
        g = p.grad if local_grad else None
        if g is None:
            view.fill(0)
            bucket.buffer[flag] = 0
        else:
            if g._data.shape != p._data.shape:
                raise RuntimeError(
                    f"DistributedDataParallel: gradient of {self.names[i]!r} has shape "
                    f"{tuple(g._data.shape)} but the parameter has shape {tuple(p._data.shape)}")
            view.reshape(p._data.shape)[...] = g._data
            bucket.buffer[flag] = 1

    def _launch_ready(self):
        # strictly in bucket order: every rank must issue the same sequence of collectives
        buckets = self.buckets
        MPI = self._MPI
        while self._next_launch < len(buckets) and buckets[self._next_launch].pending == 0:
            bucket = buckets[self._next_launch]
            if self.world > 1:
                bucket.request = self.comm.Iallreduce(MPI.IN_PLACE, bucket.buffer, op=MPI.SUM)
                self._inflight.append(bucket.request)
            if self._ready < len(self.params):
                self.early_launches += 1  # started while other gradients are still pending
            self._next_launch += 1
        if self._next_launch == len(buckets):
            self._finalize()

    def _progress(self):
        """Let MPI advance the in-flight reductions (MPICH progresses only inside MPI calls)."""
        t0 = time.perf_counter()
        if self._MPI.Request.Testall(self._inflight):
            self._inflight = []
        self.wait_time += time.perf_counter() - t0

    def _finalize(self):
        t0 = time.perf_counter()
        if self._inflight:
            with pg._Collective("DistributedDataParallel gradient allreduce"):
                self._MPI.Request.Waitall(self._inflight)
            self._inflight = []
        self.wait_time += time.perf_counter() - t0
        scale = 1.0 / self.world
        for bucket in (self.buckets if self.world > 1 else ()):
            buf = bucket.buffer
            flags = buf[bucket.numel:]
            for slot, i in enumerate(bucket.members):
                if flags[slot] == 0:
                    continue  # no rank has a gradient for it: leave .grad untouched
                p = self.params[i]
                off = bucket.offsets[slot]
                avg = buf[off:off + p._data.size].reshape(p._data.shape)
                if p.grad is None:
                    p.grad = Tensor._make(np.multiply(avg, scale), False, None)
                else:
                    np.multiply(avg, scale, out=p.grad._data)
        self.state = _FINISHED
        self.reductions += 1

    def finish(self):
        """Complete the reduction now, counting every missing gradient as zero (collective)."""
        if self.state != _RUNNING:
            return
        self._started = True
        for i, c in enumerate(self._remaining):
            if c > 0:
                self._remaining[i] = 0
                self._mark_ready(i, local_grad=True)
        if self.state == _RUNNING:  # every bucket was already complete but none launched
            self._launch_ready()


class DistributedDataParallel(Module):
    """Data-parallel training: every rank runs the module on its shard; gradients are averaged.

    Construct it on every rank after ``tinyconv.distributed.init()``; rank 0's parameters and
    buffers are broadcast to the others.  Then ``loss = crit(ddp(x), y); loss.backward();
    opt.step()`` works as with torch: by the time ``backward()`` returns, every parameter's
    ``.grad`` holds the average over ranks of the per-rank gradients.  Reductions of full
    buckets start during backward (``Iallreduce``) and overlap with the rest of it.

    BatchNorm statistics are computed per rank (torch's default); the running statistics of
    rank 0 are broadcast before each training forward (``broadcast_buffers``).  Pass
    ``sync_batchnorm=True`` to convert BatchNorm layers to ``SyncBatchNorm`` (statistics over
    the global batch).

    Args:
        module (Module): the model, the same on every rank.
        broadcast_buffers (bool): send rank 0's buffers to every rank before each forward in
            training mode with grad enabled (default True).
        bucket_cap_mb (float): the largest gradient bucket in MiB (default 25).
        find_unused_parameters (bool): accepted for torch compatibility; unused parameters are
            always detected (walking the output's graph is cheap here).
        sync_batchnorm (bool): convert the BatchNorm layers to ``SyncBatchNorm`` (through
            ``SyncBatchNorm.convert_sync_batchnorm``).
        init_sync (bool): broadcast rank 0's parameters and buffers at construction.

    Attributes:
        module: the wrapped module (save ``ddp.module.state_dict()`` for plain keys).
        comm_wait_time (float): seconds spent waiting for gradient reductions so far.
    """

    def __init__(self, module, broadcast_buffers=True, bucket_cap_mb=25,
                 find_unused_parameters=False, sync_batchnorm=False, init_sync=True):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be a tinyconv.nn.Module, "
                            f"got {type(module).__name__}")
        if not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, "
                             f"got {bucket_cap_mb}")
        comm = pg._new_comm("DistributedDataParallel")
        if sync_batchnorm:
            from .sync_batchnorm import SyncBatchNorm
            module = SyncBatchNorm.convert_sync_batchnorm(module)
        self.module = module
        self.broadcast_buffers = bool(broadcast_buffers)
        self.bucket_cap_mb = bucket_cap_mb
        self.find_unused_parameters = bool(find_unused_parameters)
        self.require_backward_grad_sync = True
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        object.__setattr__(self, "_comm", comm)
        if init_sync:
            pg.broadcast_parameters(module, root=0)
        reducer = _Reducer([p for _, p in named], [n for n, _ in named], comm,
                           int(bucket_cap_mb * 1024 * 1024))
        object.__setattr__(self, "reducer", reducer)
        handles = []
        for i, (_, p) in enumerate(named):
            handles.append(p.register_post_accumulate_grad_hook(
                lambda _p, _i=i, _r=reducer: _r.on_grad(_i)))
        object.__setattr__(self, "_hook_handles", handles)

    @property
    def comm_wait_time(self):
        return self.reducer.wait_time

    def forward(self, *inputs, **kwargs):
        grad_on = is_grad_enabled()
        if (grad_on and self.training and self.broadcast_buffers
                and self.reducer.world > 1):
            bufs = [b._data for _, b in self.module.named_buffers() if b is not None]
            if bufs:
                pg._coalesced_bcast(self._comm, bufs, 0)
        out = self.module(*inputs, **kwargs)
        if grad_on and self.require_backward_grad_sync:
            self.reducer.prepare(out)
        elif grad_on and self.reducer.state == _RUNNING and self.reducer._started:
            raise RuntimeError(self.reducer._unfinished_message())
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Inside this context gradients only accumulate locally (no communication); the
        first backward after it averages the accumulated gradients."""
        prev = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        self.reducer.state = _IDLE
        try:
            yield
        finally:
            self.require_backward_grad_sync = prev

    def finish_gradient_synchronization(self):
        """Finish the current reduction now (collective; needed only when some forward
        output did not reach the loss).  A no-op when backward already completed it."""
        self.reducer.finish()

    def extra_repr(self):
        return f"bucket_cap_mb={self.bucket_cap_mb}, buckets={len(self.reducer.buckets)}"
