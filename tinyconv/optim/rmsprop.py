"""RMSprop (with centering, momentum and weight decay)."""
import numpy as np

from ._validation import check_lr, check_nonneg
from .optimizer import Optimizer, _step_tensor, _zeros_state

__all__ = ["RMSprop"]


def _check(lr, eps, momentum, weight_decay, alpha):
    check_lr(lr)
    for label, value in (("epsilon", eps), ("momentum", momentum),
                         ("weight_decay", weight_decay), ("alpha", alpha)):
        check_nonneg(label, value)


class RMSprop(Optimizer):
    """RMSprop as torch.optim.RMSprop.

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the squared-gradient average.
        eps: added to the denominator.
        weight_decay: L2 penalty added to the gradient.
        momentum: momentum factor.
        centered: normalise by the variance estimate (subtract the squared mean gradient).
        maximize: maximise the objective.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check(lr, eps, momentum, weight_decay, alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        _check(group["lr"], group["eps"], group["momentum"], group["weight_decay"],
               group["alpha"])

    def _hyperparams(self, group):
        return (float(group["lr"]), float(group["alpha"]), float(group["eps"]),
                float(group["momentum"]), bool(group["centered"]))

    def _init_state(self, d, hp):
        _, _, _, momentum, centered = hp
        st = {"step": _step_tensor(), "square_avg": _zeros_state(d)}
        if momentum > 0:
            st["momentum_buffer"] = _zeros_state(d)
        if centered:
            st["grad_avg"] = _zeros_state(d)
        return st

    def _update(self, d, g, state, hp):
        lr, alpha, eps, momentum, centered = hp
        state["step"]._data += 1
        sq = state["square_avg"]._data
        avg = np.multiply(g, g)  # the one scratch array of this parameter
        avg *= 1.0 - alpha
        sq *= alpha
        sq += avg
        if centered:
            ga = state["grad_avg"]._data
            np.subtract(g, ga, out=avg)
            avg *= 1.0 - alpha
            ga += avg  # ga.lerp_(g, 1 - alpha)
            np.multiply(ga, ga, out=avg)
            np.subtract(sq, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(sq, out=avg)
        avg += eps
        np.divide(g, avg, out=avg)
        if momentum > 0:
            buf = state["momentum_buffer"]._data
            buf *= momentum
            buf += avg
            np.multiply(buf, lr, out=avg)
        else:
            avg *= lr
        d -= avg
