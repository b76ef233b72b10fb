"""SyncBatchNorm: batch normalization with statistics over the batch of every rank.

Legend: x input (N, C, *), y output, w/b affine weight and bias, gy/gx/gw/gb gradients,
``P`` ranks, ``n`` samples per channel on this rank, ``M`` over all ranks.

Forward: each rank computes its per-channel count, mean and centered sum of squares ``M2``
(two-pass, stable); one ``Allgather`` of ``[n, mean, M2]`` lets every rank combine them into
the global mean and biased variance (Chan's parallel formula, in float64).
Backward: one ``Allreduce`` of ``[sum(gy), sum(gy * xhat)]`` per channel gives the two global
sums of the compact formula ``gx = w * invstd * (gy - sum(gy)/M - xhat * sum(gy*xhat)/M)``.
``gw`` and ``gb`` are this rank's own sums: DistributedDataParallel averages them like any
other parameter gradient.
"""
from __future__ import annotations

import numpy as np

from .._dtypes import get_default_dtype
from ..autograd import Function
from ..nn.module import Module
from ..nn.parameter import Parameter
from ..tensor import Tensor
from . import process_group as pg

__all__ = ["SyncBatchNorm", "sync_batch_norm"]


def _comm():
    """The communicator shared by every SyncBatchNorm layer (a duplicate of COMM_WORLD)."""
    if pg._state.syncbn_comm is None:
        pg._state.syncbn_comm = pg._new_comm("SyncBatchNorm")
    return pg._state.syncbn_comm


class _SyncBatchNormFn(Function):
    """Training-mode batch norm over the global batch (see the module docstring)."""

    @staticmethod
    def forward(ctx, x, w, b, comm=None, eps=1e-5, momentum=0.1, running_mean=None,
                running_var=None):
        dt = x.dtype
        N, C = x.shape[0], x.shape[1]
        x3 = x.reshape(N, C, -1)                       # (N, C, L)
        n = N * x3.shape[2]
        if n > 0:
            mean_l = x3.mean(axis=(0, 2))               # (C,)
            xc = x3 - mean_l[None, :, None]
            m2_l = np.einsum("ncl,ncl->c", xc, xc)      # (C,)
        else:
            mean_l = np.zeros(C, dtype=dt)
            m2_l = np.zeros(C, dtype=dt)
        send = np.empty(1 + 2 * C, dtype=np.float64)
        send[0] = n
        send[1:1 + C] = mean_l
        send[1 + C:] = m2_l
        allst = np.empty((comm.Get_size(), 1 + 2 * C), dtype=np.float64)
        comm.Allgather(send, allst)
        counts = allst[:, 0]                           # (P,)
        total = float(counts.sum())
        if total <= 1:
            raise ValueError(
                f"SyncBatchNorm: expected more than 1 value per channel when training, got "
                f"input size {tuple(x.shape)} on this rank and {int(total)} values per channel "
                f"over all ranks")
        means = allst[:, 1:1 + C]                      # (P, C)
        mean = counts @ means / total                  # (C,) float64
        dev = means - mean[None, :]
        m2 = allst[:, 1 + C:].sum(axis=0) + counts @ (dev * dev)
        var = m2 / total
        invstd64 = 1.0 / np.sqrt(var + eps)
        invstd = invstd64.astype(dt)
        xhat = (x3 - mean.astype(dt)[None, :, None]) * invstd[None, :, None]
        y = xhat * w[None, :, None] + b[None, :, None]
        if running_mean is not None:
            running_mean *= (1.0 - momentum)
            running_mean += (momentum * mean).astype(running_mean.dtype)
            running_var *= (1.0 - momentum)
            running_var += (momentum * m2 / (total - 1.0)).astype(running_var.dtype)
        ctx.save_for_backward(xhat, w, invstd)
        ctx.comm = comm
        ctx.total = total
        ctx.shape = x.shape
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        xhat, w, invstd = ctx.saved_tensors
        N, C = xhat.shape[0], xhat.shape[1]
        gy3 = gy.reshape(xhat.shape)                   # (N, C, L)
        sum_gy = gy3.sum(axis=(0, 2))                   # (C,)
        sum_gyx = np.einsum("ncl,ncl->c", gy3, xhat)    # (C,)
        gx = None
        if ctx.needs_input_grad[0]:
            sums = np.concatenate([sum_gy, sum_gyx])
            ctx.comm.Allreduce(pg._state.MPI.IN_PLACE, sums)
            inv_m = 1.0 / ctx.total
            g_mean = sums[:C] * inv_m
            gx_mean = sums[C:] * inv_m
            gx = (gy3 - g_mean[None, :, None] - xhat * gx_mean[None, :, None]) \
                * (w * invstd)[None, :, None]
            gx = gx.reshape(ctx.shape)
        gw = sum_gyx if ctx.needs_input_grad[1] else None
        gb = sum_gy if ctx.needs_input_grad[2] else None
        return gx, gw, gb


def sync_batch_norm(input, running_mean, running_var, weight=None, bias=None, momentum=0.1,
                    eps=1e-5):
    """Training-mode batch norm whose statistics cover the batches of all ranks.

    Collective: every rank must call it (same C, any batch size).  ``running_mean`` and
    ``running_var`` (ndarrays or Tensors, or None) are updated in place with the global
    statistics (unbiased variance), as ``F.batch_norm`` does for one process.

    Args:
        input (Tensor): (N, C, *) floating input.
        running_mean, running_var: (C,) buffers or None.
        weight, bias (Tensor, optional): (C,) affine parameters.
        momentum (float), eps (float): as in ``F.batch_norm``.

    Returns:
        Tensor shaped like ``input``.
    """
    if input.ndim < 2:
        raise ValueError(f"sync_batch_norm: expected an input of at least 2 dims (N, C, *), "
                         f"got shape {tuple(input.shape)}")
    C = input.shape[1]
    dt = input.dtype
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"sync_batch_norm: {name} has shape {tuple(t.shape)} but the "
                             f"input has {C} channels (input shape {tuple(input.shape)})")
    if weight is None:
        weight = Tensor._make(np.ones(C, dtype=dt), False, None)
    if bias is None:
        bias = Tensor._make(np.zeros(C, dtype=dt), False, None)
    rm = running_mean.data if isinstance(running_mean, Tensor) else running_mean
    rv = running_var.data if isinstance(running_var, Tensor) else running_var
    return _SyncBatchNormFn.apply(input, weight, bias, comm=_comm(), eps=float(eps),
                                  momentum=float(momentum), running_mean=rm, running_var=rv)


def _batchnorm_types():
    from .. import nn
    return tuple(getattr(nn, n) for n in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
                 if hasattr(nn, n))


class SyncBatchNorm(Module):
    """Batch normalization over the global batch of all ranks (torch's ``SyncBatchNorm``).

    In training mode with more than one rank, the per-channel mean and variance are those of
    the concatenation of every rank's batch; otherwise it behaves exactly like BatchNorm.
    Attributes and state_dict keys are BatchNorm's (``weight, bias, running_mean,
    running_var, num_batches_tracked``).

    Args:
        num_features (int): C of an (N, C, *) input.
        eps (float), momentum (float or None), affine (bool), track_running_stats (bool):
            as in BatchNorm2d.

    Shape:
        input (N, C, *) with at least 2 dims; output the same.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=None):
        super().__init__()
        dt = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(Tensor._make(np.ones(num_features, dtype=dt), False, None))
            self.bias = Parameter(Tensor._make(np.zeros(num_features, dtype=dt), False, None))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean",
                                 Tensor._make(np.zeros(num_features, dtype=dt), False, None))
            self.register_buffer("running_var",
                                 Tensor._make(np.ones(num_features, dtype=dt), False, None))
            self.register_buffer("num_batches_tracked",
                                 Tensor._make(np.zeros((), dtype=np.int64), False, None))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")

    def forward(self, input):
        if input.ndim < 2:
            raise ValueError(f"SyncBatchNorm: expected at least 2D input (got {input.ndim}D "
                             f"input of shape {tuple(input.shape)})")
        if input.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm: input has {input.shape[1]} channels but the "
                             f"layer expects num_features={self.num_features} (input shape "
                             f"{tuple(input.shape)})")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked.data)
        bn_training = self.training or self.running_mean is None
        # running statistics are updated only in training mode when they are tracked
        track = not self.training or self.track_running_stats
        rm = self.running_mean if track else None
        rv = self.running_var if track else None
        need_sync = (bn_training and self.training and pg.is_initialized()
                     and pg.get_world_size() > 1)
        if not need_sync:
            from ..nn import functional as F
            return F.batch_norm(input, rm, rv, self.weight, self.bias, bn_training, momentum,
                                self.eps)
        return sync_batch_norm(input, rm, rv, self.weight, self.bias, momentum, self.eps)

    @classmethod
    def convert_sync_batchnorm(cls, module):
        """Replace every BatchNorm layer inside ``module`` by a SyncBatchNorm sharing its
        parameters and buffers (returns the converted module; a BatchNorm is itself replaced).
        """
        out = module
        bn_types = _batchnorm_types()
        if bn_types and isinstance(module, bn_types):
            dt = module.running_mean.dtype if module.running_mean is not None else (
                module.weight.dtype if module.weight is not None else None)
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, dtype=dt)
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            if module.track_running_stats:
                out.running_mean = module.running_mean
                out.running_var = module.running_var
                out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child))
        return out
