"""NAdam (Adam with Nesterov momentum and momentum decay) and RAdam (rectified Adam)."""
import math

import numpy as np

from ..tensor import Tensor
from ._validation import AdamFamily, check_adam, check_nonneg
from .optimizer import Optimizer, _step_tensor, _zeros_state

__all__ = ["NAdam", "RAdam"]



def _moments(g, m, v, beta1, beta2):
    """m.lerp_(g, 1 - beta1); v = beta2 * v + (1 - beta2) * g^2; returns a scratch array."""
    tmp = np.subtract(g, m)
    tmp *= 1.0 - beta1
    m += tmp
    np.multiply(g, g, out=tmp)
    tmp *= 1.0 - beta2
    v *= beta2
    v += tmp
    return tmp


class NAdam(AdamFamily, Optimizer):
    """NAdam as torch.optim.NAdam.

    The momentum coefficient of step t is ``mu_t = beta1 * (1 - 0.5 * 0.96^(t *
    momentum_decay))``; the state keeps their running product ``mu_product`` as a float32
    scalar, as torch does (so trajectories agree to the last bit of that product).

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 2e-3).
        betas: decay of the gradient average and of its square.
        eps: added to the denominator.
        weight_decay: L2 penalty (decoupled, AdamW-style, with ``decoupled_weight_decay``).
        momentum_decay: the momentum schedule's decay.
        decoupled_weight_decay: ``p *= 1 - lr * weight_decay`` instead of an L2 gradient term.
        maximize: maximise the objective.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_adam(lr, betas, eps, weight_decay)
        check_nonneg("momentum_decay", momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        super()._validate_group(group)
        check_nonneg("momentum_decay", group["momentum_decay"])

    def _hyperparams(self, group):
        return super()._hyperparams(group) + (float(group["momentum_decay"]),)

    def _init_state(self, d, hp):
        return {"step": _step_tensor(),
                "mu_product": Tensor._make(np.ones((), dtype=np.float32), False, None),
                "exp_avg": _zeros_state(d), "exp_avg_sq": _zeros_state(d)}

    def _update(self, d, g, state, hp):
        lr, beta1, beta2, eps, momentum_decay = hp
        state["step"]._data += 1
        step = float(state["step"]._data)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1.0) * momentum_decay))
        prod = state["mu_product"]._data
        prod *= mu                            # in the product's dtype, float32 as created
        mu_product = float(prod)
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        denom = _moments(g, m, v, beta1, beta2)
        np.divide(v, 1.0 - beta2 ** step, out=denom)
        np.sqrt(denom, out=denom)
        denom += eps
        # p += -lr (1 - mu) / (1 - prod) * g / denom - lr mu_next / (1 - prod mu_next) * m / denom
        d -= (g / denom) * (lr * (1.0 - mu) / (1.0 - mu_product))
        d -= (m / denom) * (lr * mu_next / (1.0 - mu_product * mu_next))


class RAdam(AdamFamily, Optimizer):
    """RAdam as torch.optim.RAdam: Adam whose adaptive step is used only once the variance of
    its estimate is tractable (``rho_t > 5``), scaled by the rectification term; before that,
    a momentum-SGD step with the bias-corrected average.

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 1e-3).
        betas: decay of the gradient average and of its square.
        eps: added to the denominator.
        weight_decay: L2 penalty (decoupled with ``decoupled_weight_decay``).
        decoupled_weight_decay: ``p *= 1 - lr * weight_decay`` instead of an L2 gradient term.
        maximize: maximise the objective.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_adam(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, d, hp):
        return {"step": _step_tensor(), "exp_avg": _zeros_state(d),
                "exp_avg_sq": _zeros_state(d)}

    def _update(self, d, g, state, hp):
        lr, beta1, beta2, eps = hp
        state["step"]._data += 1
        step = float(state["step"]._data)
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        tmp = _moments(g, m, v, beta1, beta2)
        bc1 = 1.0 - beta1 ** step
        bc2 = 1.0 - beta2 ** step
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        rho_t = rho_inf - 2.0 * step * (beta2 ** step) / bc2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                             / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
            np.sqrt(v, out=tmp)
            tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= lr * math.sqrt(bc2) * rect / bc1
        else:
            np.multiply(m, lr / bc1, out=tmp)
        d -= tmp
