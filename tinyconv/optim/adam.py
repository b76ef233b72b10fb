"""Adam (with amsgrad and L2 weight decay) and AdamW (decoupled weight decay)."""
import math

import numpy as np

from ._validation import AdamFamily, check_adam
from .optimizer import Optimizer, _step_tensor, _zeros_state

__all__ = ["Adam", "AdamW"]



class Adam(AdamFamily, Optimizer):
    """Adam as torch.optim.Adam.

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 1e-3).
        betas: coefficients of the running averages of the gradient and its square.
        eps: added to the denominator.
        weight_decay: L2 penalty added to the gradient (decoupled if decoupled_weight_decay).
        amsgrad: use the maximum of past squared-gradient averages.
        maximize: maximise the objective.
        decoupled_weight_decay: AdamW's decay (p *= 1 - lr*weight_decay).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        check_adam(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _hyperparams(self, group):
        return super()._hyperparams(group) + (bool(group["amsgrad"]),)

    def _init_state(self, d, hp):
        st = {"step": _step_tensor(), "exp_avg": _zeros_state(d),
              "exp_avg_sq": _zeros_state(d)}
        *_, amsgrad = hp
        if amsgrad:
            st["max_exp_avg_sq"] = _zeros_state(d)
        return st

    def _update(self, d, g, state, hp):
        lr, beta1, beta2, eps, amsgrad = hp
        state["step"]._data += 1
        step = float(state["step"]._data)
        m = state["exp_avg"]._data
        v = state["exp_avg_sq"]._data
        # one scratch array per parameter; everything else updates in place
        tmp = np.subtract(g, m)
        tmp *= 1.0 - beta1
        m += tmp  # m.lerp_(g, 1 - beta1)
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - beta2
        v *= beta2
        v += tmp
        bc1 = 1.0 - beta1 ** step
        bc2_sqrt = math.sqrt(1.0 - beta2 ** step)
        step_size = lr / bc1
        if amsgrad:
            vmax = state["max_exp_avg_sq"]._data
            np.maximum(vmax, v, out=vmax)
            np.sqrt(vmax, out=tmp)
        else:
            np.sqrt(v, out=tmp)
        tmp /= bc2_sqrt
        tmp += eps
        np.divide(m, tmp, out=tmp)
        tmp *= step_size
        d -= tmp


class AdamW(Adam):
    """AdamW as torch.optim.AdamW: Adam with decoupled weight decay (default 1e-2).

    The decay multiplies the parameters by ``1 - lr * weight_decay`` at each step instead of
    adding ``weight_decay * p`` to the gradient.

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 1e-3).
        betas: coefficients of the running averages of the gradient and its square.
        eps: added to the denominator.
        weight_decay: the decoupled decay (default 1e-2).
        amsgrad: use the maximum of past squared-gradient averages.
        maximize: maximise the objective.
        foreach: accepted for torch compatibility.
        capturable: accepted for torch compatibility.
        differentiable: accepted for torch compatibility.
        fused: accepted for torch compatibility.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
