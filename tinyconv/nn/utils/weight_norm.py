"""The weight-norm reparametrisation ``w = g * v / ||v||`` as torch's old-style hooks
(``weight_norm`` / ``remove_weight_norm``) and the shared formula (``weight_norm_from``).

The norm is taken over every dimension but ``dim`` (all of them when ``dim`` is None).
"""
import warnings

from ...ops import distance as Dst
from ...ops import elementwise as E
from ..parameter import Parameter
from ._reparam_hook import ReparamHook

__all__ = ["weight_norm", "remove_weight_norm", "norm_except_dim", "weight_norm_from"]


def norm_except_dim(v, dim):
    """||v||_2 over every dimension but ``dim`` (kept with size 1), or over all when None."""
    if dim is None or dim == -1 and v.ndim == 0:
        return Dst.PNorm.apply(v, p=2.0, axes=tuple(range(v.ndim)), keepdim=False)
    d = dim % v.ndim
    axes = tuple(a for a in range(v.ndim) if a != d)
    return Dst.PNorm.apply(v, p=2.0, axes=axes, keepdim=True)


def weight_norm_from(v, g, dim):
    """``v * (g / ||v||)`` (torch's ``_weight_norm``)."""
    return E.Mul.apply(v, E.Div.apply(g, norm_except_dim(v, dim)))


class _WeightNormHook(ReparamHook):
    KIND = "weight_norm"
    OWNED = (("_parameters", "_g"), ("_parameters", "_v"))

    def __init__(self, name, dim):
        self.name, self.dim = name, dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return weight_norm_from(v, g, self.dim)

    removed_weight = compute_weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrise ``module.<name>`` as ``g * v / ||v||`` (torch's old-style hook).

    The parameter is replaced by ``<name>_g`` (the norms) and ``<name>_v`` (the direction);
    a forward pre-hook recomputes ``<name>`` before every call.

    Args:
        module: the module holding the parameter.
        name: the parameter's name.
        dim: the dimension kept by the norm (0: one norm per output row/filter; None: one
            norm of the whole tensor).

    Returns:
        Module: ``module``.
    """
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                  stacklevel=2)
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, _WeightNormHook) and hook.name == name:
            raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter "
                               f"{name}")
    if dim is None:
        dim = -1
    fn = _WeightNormHook(name, None if dim == -1 else dim)
    weight = getattr(module, name)
    del module._parameters[name]
    g = norm_except_dim(weight.detach(), fn.dim)
    module.register_parameter(name + "_g", Parameter(g.detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    object.__setattr__(module, name, fn.compute_weight(module))
    module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo ``weight_norm``: ``<name>`` becomes a plain parameter again (its current value).

    Args:
        module: the module.
        name: the parameter's name.

    Returns:
        Module: ``module``.
    """
    return _WeightNormHook.remove(module, name)
