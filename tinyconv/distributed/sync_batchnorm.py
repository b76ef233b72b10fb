"""SyncBatchNorm: batch normalization with statistics over the batch of every rank.

Legend: x input (N, C, *), y output, w/b affine weight and bias, gy/gx/gw/gb gradients,
``n`` values per channel over all ranks.

It runs batch norm's own passes (``tinyconv.ops.norm``) with a sum over ranks between them.
Forward: the statistics pass reduces ``[count, sum(x)]`` per channel, then each rank's centered
sum of squares about the global mean (``Allreduce`` twice, float64): the two-pass mean and
variance of the concatenated batch; then the normalization pass and the running-statistics
update are batch norm's.
Backward: the gradient-sums pass gives ``[sum(gy), sum(gy * (x - mean))]`` per channel, one
``Allreduce`` makes them global, and batch norm's gradient pass computes gx from them.
``gw`` and ``gb`` are this rank's own sums: DistributedDataParallel averages them like any
other parameter gradient.
The backward is an op (its forward is the pass above), whose own backward is batch norm's
double backward (``norm_double.norm_double_backward``) with every per-channel sum an
``Allreduce`` too (``_AllReduceSum``, differentiable): second derivatives are those of batch
norm on the concatenated batch, as long as every rank differentiates again, collectively.
"""
from __future__ import annotations

import math

import numpy as np

from .._engine import Op
from ..nn import functional as F
from ..nn.modules.normalization import _BatchNorm
from ..ops import norm, norm_double
from ..ops._needed import return_needed, spread
from ..tensor import Tensor
from . import process_group as pg

__all__ = ["SyncBatchNorm", "sync_batch_norm"]


def _comm():
    """The communicator shared by every SyncBatchNorm layer (a duplicate of COMM_WORLD)."""
    if pg._state.syncbn_comm is None:
        pg._state.syncbn_comm = pg._new_comm("SyncBatchNorm")
    return pg._state.syncbn_comm


class _SyncBatchNormFn(Op):
    """Training-mode batch norm over the global batch (see the module docstring); w and b
    may be None.  The backward is ``_SyncBatchNormBackward``."""

    category = "normalization"
    tensor_backward = True

    @staticmethod
    def forward(ctx, x, w, b, comm=None, eps=1e-5, momentum=0.1, running_mean=None,
                running_var=None):
        N, C = x.shape[0], x.shape[1]
        L = 1
        for s in x.shape[2:]:
            L *= s
        x3 = x.reshape(N, C, L)  # (N, C, L)

        def allreduce(a):
            comm.Allreduce(pg._state.MPI.IN_PLACE, a)

        mean, var, n = norm.batch_norm_stats(x3, allreduce)
        if running_mean is not None:
            norm.update_running_stats(running_mean, running_var, mean, var, n, momentum)
        y, invstd = norm.batch_norm_normalize(x3, mean, var, w, b, eps)
        ctx.save_for_backward(x, w, mean, invstd)
        ctx.params = dict(comm=comm, n=n, eps=eps)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        x, w, mean, invstd = ctx.saved_tensors
        needs = ctx.needs_input_grad
        outs = _SyncBatchNormBackward.apply(gy, x, w, mean=mean._data, invstd=invstd._data,
                                            needs=needs, **ctx.params)
        return spread(outs, needs)


class _SyncBatchNormBackward(Op):
    """SyncBatchNorm's gradients (gx, gw, gb), the needed ones, from (gy, x, w): batch norm's
    gradient passes with one ``Allreduce`` of the gradient sums (see the module docstring).
    Its backward is batch norm's double backward with every per-channel sum taken over all
    ranks (``_AllReduceSum``)."""

    category = "normalization"
    tensor_backward = True

    @staticmethod
    def forward(ctx, gy, x, w, mean, invstd, comm, n, eps, needs):
        C = x.shape[1]
        x3 = x.reshape(x.shape[0], C, math.prod(x.shape[2:]))  # (N, C, L)
        gy3 = gy.reshape(x3.shape)  # (N, C, L)
        sgy, dot = norm.batch_norm_grad_sums(gy3, x3, mean)  # (C,) each, this rank's
        outs = []
        if needs[0]:
            sums = np.concatenate([sgy, dot]).astype(np.float64)  # (2C,)
            comm.Allreduce(pg._state.MPI.IN_PLACE, sums)
            outs.append(norm.batch_norm_grad_input(gy3, x3, mean, invstd, w, sums[:C],
                                                   sums[C:], n).reshape(x.shape))
        if needs[1]:
            outs.append(dot * invstd)
        if needs[2]:
            outs.append(sgy)
        ctx.out_needs, ctx.comm, ctx.n, ctx.eps = needs, comm, n, eps
        ctx.save_for_backward(gy, x, w)
        return return_needed(ctx, outs)

    @staticmethod
    def backward(ctx, *grads):
        gy, x, w = ctx.saved_tensors
        ggx, ggw, ggb = spread(grads, ctx.out_needs)
        C = x.shape[1]
        view = (x.shape[0], C, math.prod(x.shape[2:]))
        comm = ctx.comm

        def allsum(t):
            return _AllReduceSum.apply(t, comm=comm)

        return norm_double.norm_double_backward(ctx.needs_input_grad, gy, x, w, ggx, ggw, ggb,
                                                view, (0, 2), (1, C, 1), ctx.eps, allsum=allsum,
                                                m=ctx.n)


class _AllReduceSum(Op):
    """y = the sum of ``a`` over all ranks (float64 on the wire), on every rank; its backward
    is the same sum of the gradients (every rank's output depends on every rank's input)."""

    category = "normalization"
    tensor_backward = True

    @staticmethod
    def forward(ctx, a, comm):
        ctx.comm = comm
        buf = np.array(a, dtype=np.float64, order="C")
        comm.Allreduce(pg._state.MPI.IN_PLACE, buf)
        return buf.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        return _AllReduceSum.apply(gy, comm=ctx.comm)


def sync_batch_norm(input, running_mean, running_var, weight=None, bias=None, momentum=0.1,
                    eps=1e-5):
    """Training-mode batch norm whose statistics cover the batches of all ranks.

    Collective: every rank must call it (same C, any batch size).  ``running_mean`` and
    ``running_var`` (ndarrays or Tensors, or None) are updated in place with the global
    statistics (unbiased variance), as ``F.batch_norm`` does for one process.

    Args:
        input (Tensor): (N, C, *) floating input.
        running_mean: (C,) buffer or None.
        running_var: (C,) buffer or None.
        weight (Tensor, optional): (C,) scale.
        bias (Tensor, optional): (C,) shift.
        momentum (float): as in ``F.batch_norm``.
        eps (float): as in ``F.batch_norm``.

    Returns:
        Tensor shaped like ``input``.
    """
    if input.ndim < 2:
        raise ValueError(f"sync_batch_norm: expected an input of at least 2 dims (N, C, *), "
                         f"got shape {tuple(input.shape)}")
    C = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"sync_batch_norm: {name} has shape {tuple(t.shape)} but the "
                             f"input has {C} channels (input shape {tuple(input.shape)})")
    rm = running_mean._data if isinstance(running_mean, Tensor) else running_mean
    rv = running_var._data if isinstance(running_var, Tensor) else running_var
    return _SyncBatchNormFn.apply(input, weight, bias, comm=_comm(), eps=float(eps),
                                  momentum=float(momentum), running_mean=rm, running_var=rv)


class SyncBatchNorm(_BatchNorm):
    """Batch normalization over the global batch of all ranks (torch's ``SyncBatchNorm``).

    In training mode with more than one rank, the per-channel mean and variance are those of
    the concatenation of every rank's batch; otherwise it behaves exactly like BatchNorm, whose
    parameters, buffers and state_dict keys it has (``weight, bias, running_mean,
    running_var, num_batches_tracked``).

    Args:
        num_features (int): C of an (N, C, *) input.
        eps (float), momentum (float or None), affine (bool), track_running_stats (bool):
            as in BatchNorm2d.
        process_group: must be None: the statistics are over all ranks.
        device: must be None or 'cpu'.
        dtype: parameter and buffer dtype (default: the default dtype).
        bias (bool): learn a bias (with affine).

    Shape:
        input (N, C, *) with at least 2 dims; output the same.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, process_group=None, device=None, dtype=None, *,
                 bias=True):
        if process_group is not None:
            raise NotImplementedError(
                f"SyncBatchNorm: process_group={process_group!r} is not supported by "
                f"tinyconv (statistics are always over every rank)")
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)
        self.process_group = None

    def _check_input_dim(self, input):
        if input.ndim < 2:
            raise ValueError(f"SyncBatchNorm: expected at least 2D input (got {input.ndim}D "
                             f"input of shape {tuple(input.shape)})")
        if input.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm: input has {input.shape[1]} channels but the "
                             f"layer expects num_features={self.num_features} (input shape "
                             f"{tuple(input.shape)})")

    def forward(self, input):
        self._check_input_dim(input)
        rm, rv, use_batch_stats, factor = self._count_batch()
        if self.training and pg.is_initialized() and pg.get_world_size() > 1:
            return sync_batch_norm(input, rm, rv, self.weight, self.bias, factor, self.eps)
        return F.batch_norm(input, rm, rv, self.weight, self.bias, use_batch_stats, factor,
                            self.eps)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """Replace every BatchNorm layer inside ``module`` by a SyncBatchNorm sharing its
        parameters and buffers.

        Args:
            module: a Module; a container is converted in place.
            process_group: must be None (as in the constructor).

        Returns:
            The converted module: ``module`` itself, or its replacement when it is a BatchNorm.
        """
        out = module
        if isinstance(module, _BatchNorm):
            dt = module.running_mean.dtype if module.running_mean is not None else (
                module.weight.dtype if module.weight is not None else None)
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group, dtype=dt,
                      bias=module.bias is not None)
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            if module.track_running_stats:
                out.running_mean = module.running_mean
                out.running_var = module.running_var
                out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
