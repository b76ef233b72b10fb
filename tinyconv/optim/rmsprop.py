"""RMSprop (with centering, momentum and weight decay)."""
import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from .optimizer import Optimizer, _params_with_grad, _step_tensor

__all__ = ["RMSprop"]


def _check(lr, eps, momentum, weight_decay, alpha):
    # `not 0.0 <= x` rather than `x < 0.0`: NaN fails it too (torch's spelling)
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= momentum:
        raise ValueError(f"Invalid momentum value: {momentum}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    if not 0.0 <= alpha:
        raise ValueError(f"Invalid alpha value: {alpha}")


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

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure's loss."""
        loss = self._closure(closure)
        self._opt_called = True
        for group in self.param_groups:
            lr = float(group["lr"])
            alpha = float(group["alpha"])
            eps = float(group["eps"])
            wd = float(group["weight_decay"])
            momentum = float(group["momentum"])
            centered = bool(group["centered"])
            maximize = bool(group["maximize"])
            for p, g in _params_with_grad(group):
                d = p.data
                st = self.state[p]
                if not st:
                    st["step"] = _step_tensor()
                    st["square_avg"] = Tensor._make(np.zeros_like(d), False, None)
                    if momentum > 0:
                        st["momentum_buffer"] = Tensor._make(np.zeros_like(d), False, None)
                    if centered:
                        st["grad_avg"] = Tensor._make(np.zeros_like(d), False, None)
                st["step"].data += 1
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + d * wd
                sq = st["square_avg"].data
                avg = np.multiply(g, g)  # the one scratch array of this parameter
                avg *= 1.0 - alpha
                sq *= alpha
                sq += avg
                if centered:
                    ga = st["grad_avg"].data
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
                    buf = st["momentum_buffer"].data
                    buf *= momentum
                    buf += avg
                    np.multiply(buf, lr, out=avg)
                else:
                    avg *= lr
                d -= avg
        return loss
