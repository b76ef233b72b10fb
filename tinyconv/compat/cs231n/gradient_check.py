"""The assignment's ``gradient_check.py``: numerical gradients and the relative error."""
import numpy as np

__all__ = [
    "eval_numerical_gradient", "eval_numerical_gradient_array", "rel_error",
]


# ------------------------------------------------------------------------------- gradient checks
def _centred_pairs(f, x, h, copy):
    """For each index ix of x: ``(ix, f(x + h e_ix), f(x - h e_ix))``, x restored after each
    (outputs copied when ``copy``, for functions that return a buffer they reuse)."""
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), copy=True) if copy else f(x)
        x[ix] = old - h
        neg = np.array(f(x), copy=True) if copy else f(x)
        x[ix] = old
        yield ix, pos, neg
        it.iternext()


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Centred-difference gradient of the scalar function f at x (x is perturbed in place
    and restored).

    Args:
        f: callable taking x and returning a float.
        x: float ndarray.
        verbose: print each coordinate's gradient.
        h: step.

    Returns:
        An array of x's shape.
    """
    grad = np.zeros_like(x)
    for ix, fp, fm in _centred_pairs(f, x, h, copy=False):
        grad[ix] = (fp - fm) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Centred-difference gradient of ``sum(f(x) * df)`` at x, for an array-valued f.

    Args:
        f: a function of one array returning an array.
        x: the point (modified and restored during the computation).
        df: the upstream gradient, of f(x)'s shape.
        h: the step.

    Returns:
        ndarray: of x's shape.
    """
    grad = np.zeros_like(x)
    for ix, pos, neg in _centred_pairs(f, x, h, copy=True):
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
    return grad


def rel_error(x, y):
    """The assignment's comparison: ``max |x - y| / max(1e-8, |x| + |y|)``.

    Args:
        x: an array.
        y: an array of the same shape.

    Returns:
        float: the largest relative error.
    """
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))
