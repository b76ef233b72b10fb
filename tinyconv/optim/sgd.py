"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from ..tensor import Tensor
from ._validation import check_lr, check_nonneg
from .optimizer import Optimizer

__all__ = ["SGD"]


def _check(lr, momentum, weight_decay, nesterov, dampening):
    # NaN fails these too (as in torch's Adam; torch's SGD lets NaN through)
    check_lr(lr)
    check_nonneg("momentum", momentum)
    check_nonneg("weight_decay", weight_decay)
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening")


class SGD(Optimizer):
    """SGD as torch.optim.SGD (torch's momentum form: v = mu*v + (1-dampening)*g; p -= lr*v).

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 1e-3).
        momentum: momentum factor.
        dampening: dampening for momentum.
        weight_decay: L2 penalty added to the gradient.
        nesterov: Nesterov momentum.
        maximize: maximise the objective instead of minimising.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        _check(lr, momentum, weight_decay, nesterov, dampening)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        _check(group["lr"], group["momentum"], group["weight_decay"], group["nesterov"],
               group["dampening"])

    def _hyperparams(self, group):
        return (float(group["lr"]), float(group["momentum"]), float(group["dampening"]),
                bool(group["nesterov"]))

    def _update(self, d, g, state, hp):
        lr, momentum, dampening, nesterov = hp
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                # torch starts the buffer at the first gradient, not at zero
                buf = Tensor._make(g.copy(), False, None)
                state["momentum_buffer"] = buf
            else:
                b = buf._data
                b *= momentum
                if dampening == 0:
                    b += g
                else:
                    b += g * (1.0 - dampening)
            g = g + buf._data * momentum if nesterov else buf._data
        d -= g * lr
