"""Rprop: per-coordinate step sizes adapted from the sign of successive gradients."""
import numpy as np

from ..tensor import Tensor
from ._validation import check_lr
from .optimizer import Optimizer, _step_tensor, _zeros_state

__all__ = ["Rprop"]


def _check(lr, etas):
    check_lr(lr)
    if not 0.0 < etas[0] < 1.0 < etas[1]:
        raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")


class Rprop(Optimizer):
    """Resilient backpropagation as torch.optim.Rprop.

    Where the gradient kept its sign the step size grows by ``etaplus``, where it flipped it
    shrinks by ``etaminus`` (and that coordinate does not move this step, its gradient being
    remembered as 0), clamped to ``step_sizes``; ``p -= sign(g) * step_size``.

    Args:
        params: parameters or parameter groups.
        lr: the initial step size (default 1e-2).
        etas: (etaminus, etaplus), with 0 < etaminus < 1 < etaplus.
        step_sizes: (minimal, maximal) step size.
        maximize: maximise the objective.
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check(lr, etas)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        _check(group["lr"], group["etas"])

    def _hyperparams(self, group):
        etaminus, etaplus = (float(e) for e in group["etas"])
        lo, hi = (float(s) for s in group["step_sizes"])
        return float(group["lr"]), etaminus, etaplus, lo, hi

    def _init_state(self, d, hp):
        return {"step": _step_tensor(), "prev": _zeros_state(d),
                "step_size": Tensor._make(np.full_like(d, hp[0]), False, None)}

    def _update(self, d, g, state, hp):
        _, etaminus, etaplus, lo, hi = hp
        state["step"]._data += 1
        prev = state["prev"]._data
        step_size = state["step_size"]._data
        prod = g * prev
        flipped = prod < 0
        factor = np.where(prod > 0, etaplus, 1.0).astype(d.dtype, copy=False)
        factor[flipped] = etaminus
        step_size *= factor
        np.clip(step_size, lo, hi, out=step_size)
        g = np.where(flipped, 0, g).astype(d.dtype, copy=False)
        d -= np.sign(g) * step_size
        prev[...] = g
