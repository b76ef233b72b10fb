"""torch.nn.utils.parametrizations: weight_norm and spectral_norm as parametrizations
(``state_dict`` keys ``parametrizations.weight.original0/1`` and
``parametrizations.weight.original`` with ``parametrizations.weight.0._u/_v``, as torch's)."""
from ..._engine import no_grad
from ...ops import elementwise as E
from ...ops import linalg as L
from ...tensor import Tensor
from ..module import Module
from .parametrize import register_parametrization
from .spectral_norm import normalize_, random_singular_vectors, weight_matrix
from .weight_norm import norm_except_dim, weight_norm_from

__all__ = ["weight_norm", "spectral_norm"]


class _WeightNorm(Module):
    """``w = g * v / ||v||`` from ``(g, v)``; ``right_inverse`` splits a weight into them.

    Args:
        dim: the dimension kept by the norm (None: one norm of the whole tensor).
    """

    def __init__(self, dim=0):
        super().__init__()
        self.dim = None if dim is None or dim == -1 else dim

    def forward(self, weight_g, weight_v):
        return weight_norm_from(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        """(g, v) of a weight: its norms and the weight itself.

        Args:
            weight: the weight.

        Returns:
            tuple: (weight_g, weight_v).
        """
        return norm_except_dim(weight.detach(), self.dim).detach(), weight.detach()


def weight_norm(module, name="weight", dim=0):
    """Parametrize ``module.<name>`` as ``g * v / ||v||`` (``original0`` = g, ``original1`` =
    v).

    Args:
        module: the module.
        name: the parameter's name.
        dim: the dimension kept by the norm (None: one norm of the whole tensor).

    Returns:
        Module: ``module``.
    """
    register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """``w / sigma(w)`` with sigma from power iteration on buffers ``_u``, ``_v``.

    Args:
        weight: the weight (to size and start the singular vectors).
        n_power_iterations: iterations per forward in training mode.
        dim: the output dimension.
        eps: the smallest norm when normalising.
    """

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, "
                             f"{ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps, self.n_power_iterations = eps, n_power_iterations
        if ndim > 1:
            mat = weight_matrix(weight.detach(), self.dim)._data
            u, v = random_singular_vectors(mat, eps)
            self.register_buffer("_u", u)
            self.register_buffer("_v", v)
            self._power_method(mat, 15)

    def _power_method(self, mat, n):
        with no_grad():
            for _ in range(n):
                normalize_(self._u, mat @ self._v._data, self.eps)
                normalize_(self._v, mat.T @ self._u._data, self.eps)

    def forward(self, weight):
        if weight.ndim == 1:  # F.normalize(weight, dim=0, eps)
            return E.Div.apply(weight, E.Clamp.apply(norm_except_dim(weight, None),
                                                      min=self.eps, max=None))
        mat = weight_matrix(weight, self.dim)
        if self.training:
            self._power_method(mat._data, self.n_power_iterations)
        u = E.const(mat, self._u._data.copy())
        v = E.const(mat, self._v._data.copy())
        sigma = L.MatMul.apply(u, L.MatMul.apply(mat, v))
        return E.Div.apply(weight, sigma)

    def right_inverse(self, value):
        """The weight itself (the normalisation is not inverted, as torch's).

        Args:
            value: the new weight.

        Returns:
            Tensor: ``value``.
        """
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Parametrize ``module.<name>`` as ``w / sigma(w)`` (its spectral norm, by power
    iteration); keys ``parametrizations.<name>.original`` and ``...0._u``/``_v``.

    Args:
        module: the module.
        name: the parameter's name.
        n_power_iterations: power-iteration steps per forward in training mode.
        eps: the smallest norm when normalising.
        dim: the output dimension (default 0, 1 for ConvTranspose layers).

    Returns:
        Module: ``module``.
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
