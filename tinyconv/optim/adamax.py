"""Adamax: Adam with the infinity norm of past gradients in the denominator."""
import numpy as np

from ._validation import AdamFamily, check_adam
from .optimizer import Optimizer, _step_tensor, _zeros_state

__all__ = ["Adamax"]



class Adamax(AdamFamily, Optimizer):
    """Adamax as torch.optim.Adamax: ``u = max(beta2 * u, |g| + eps)``,
    ``p -= lr / (1 - beta1^t) * m / u``.

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 2e-3).
        betas: decay of the gradient average and of the infinity norm.
        eps: added to |g| before the maximum.
        weight_decay: L2 penalty added to the gradient.
        maximize: maximise the objective.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_adam(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _init_state(self, d, hp):
        return {"step": _step_tensor(), "exp_avg": _zeros_state(d),
                "exp_inf": _zeros_state(d)}

    def _update(self, d, g, state, hp):
        lr, beta1, beta2, eps = hp
        state["step"]._data += 1
        m = state["exp_avg"]._data
        u = state["exp_inf"]._data
        tmp = np.subtract(g, m)
        tmp *= 1.0 - beta1
        m += tmp                              # m.lerp_(g, 1 - beta1)
        u *= beta2
        np.abs(g, out=tmp)
        tmp += eps
        np.maximum(u, tmp, out=u)
        clr = lr / (1.0 - beta1 ** float(state["step"]._data))
        np.divide(m, u, out=tmp)
        tmp *= clr
        d -= tmp
