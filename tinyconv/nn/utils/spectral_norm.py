"""Spectral normalisation ``w / sigma(w)`` (sigma: the largest singular value, estimated by
power iteration) as torch's old-style hooks (``spectral_norm`` / ``remove_spectral_norm``),
and the pieces its parametrisation shares (``weight_matrix``, ``normalize_``).

``u`` and ``v`` are buffers updated in place, without gradient, once per forward in
training mode; ``sigma = u . (W v)`` is differentiated through ``W`` only, as torch's.
"""
import numpy as np

from ..._engine import no_grad
from ..._random import default_rng
from ...ops import elementwise as E
from ...ops import linalg as L
from ...ops import shape as S
from ...tensor import Tensor
from ._reparam_hook import ReparamHook

__all__ = ["spectral_norm", "remove_spectral_norm", "weight_matrix", "normalize_",
           "random_singular_vectors"]


def weight_matrix(weight, dim):
    """``weight`` with ``dim`` moved first and the rest flattened: (h, w)."""
    if dim != 0:
        weight = S.Permute.apply(weight, dims=(dim,) + tuple(
            d for d in range(weight.ndim) if d != dim))
    return S.Reshape.apply(weight, shape=(weight.shape[0], -1))


def normalize_(target, vec, eps):
    """Write ``vec / max(||vec||, eps)`` into the buffer ``target`` (no graph)."""
    norm = max(float(np.linalg.norm(vec)), eps)
    target._data[...] = vec / norm
    target._bump()


def random_singular_vectors(mat, eps):
    """Unit-norm starting vectors (u, v) of the power iteration for the (h, w) array ``mat``,
    drawn from the package generator: u first, then v, as torch draws them."""
    h, w = mat.shape
    rng = default_rng()
    u = Tensor._make(rng.standard_normal(h).astype(mat.dtype), False, None)
    v = Tensor._make(rng.standard_normal(w).astype(mat.dtype), False, None)
    normalize_(u, u._data.copy(), eps)
    normalize_(v, v._data.copy(), eps)
    return u, v


def _sigma_weight(weight, mat, u, v):
    """weight / (u . (mat v)), differentiated through weight (u, v constant copies)."""
    uc = E.const(mat, u._data.copy())
    vc = E.const(mat, v._data.copy())
    sigma = L.MatMul.apply(uc, L.MatMul.apply(mat, vc))
    return E.Div.apply(weight, sigma)


class _SpectralNormHook(ReparamHook):
    KIND = "spectral_norm"
    OWNED = (("_parameters", "_orig"), ("_buffers", "_u"), ("_buffers", "_v"))

    def __init__(self, name, n_power_iterations, dim, eps):
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = (
            name, n_power_iterations, dim, eps)

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        mat = weight_matrix(weight, self.dim)
        if do_power_iteration:
            w = mat._data
            with no_grad():
                for _ in range(self.n_power_iterations):
                    normalize_(v, w.T @ u._data, self.eps)
                    normalize_(u, w @ v._data, self.eps)
        return _sigma_weight(weight, mat, u, v)

    def __call__(self, module, inputs):
        object.__setattr__(module, self.name,
                           self.compute_weight(module, do_power_iteration=module.training))

    def removed_weight(self, module):
        return self.compute_weight(module, do_power_iteration=False)


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its spectral norm before every forward (torch's old-style
    hook).

    The parameter becomes ``<name>_orig``; buffers ``<name>_u`` and ``<name>_v`` hold the
    power iteration's singular vectors (drawn from the package generator).

    Args:
        module: the module holding the parameter.
        name: the parameter's name.
        n_power_iterations: power-iteration steps per forward in training mode.
        eps: the smallest norm when normalising ``u`` and ``v``.
        dim: the output dimension (default 0, 1 for ConvTranspose layers).

    Returns:
        Module: ``module``.
    """
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, _SpectralNormHook) and hook.name == name:
            raise RuntimeError(f"Cannot register two spectral_norm hooks on the same "
                               f"parameter {name}")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    fn = _SpectralNormHook(name, n_power_iterations, dim, eps)
    weight = module._parameters[name]
    with no_grad():
        mat = weight_matrix(weight.detach(), dim)._data
        u, v = random_singular_vectors(mat, eps)
    del module._parameters[name]
    module.register_parameter(name + "_orig", weight)
    object.__setattr__(module, name, Tensor._make(weight._data, False, None))
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo ``spectral_norm``: ``<name>`` becomes a plain parameter (its normalised value).

    Args:
        module: the module.
        name: the parameter's name.

    Returns:
        Module: ``module``.
    """
    return _SpectralNormHook.remove(module, name)
