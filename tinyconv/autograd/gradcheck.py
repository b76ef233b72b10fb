"""gradcheck: analytical gradients against central differences, in float64."""
import numpy as np

from .._engine import TensorBase, no_grad

__all__ = ["gradcheck"]

# --------------------------------------------------------------------------------------------
def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compare analytical gradients with central differences, in float64.

    Args:
        fn: callable taking the tensors in ``inputs`` and returning a Tensor (or a tuple whose
            first element is the Tensor to check).
        inputs: a Tensor or a sequence of Tensors; those with ``requires_grad`` are checked.
            They must be float64 (float32 differences are too coarse to mean anything).
        eps: the finite-difference step.
        atol: absolute tolerance; an element fails when
            ``|analytical - numerical| > atol + rtol * |numerical|``.
        rtol: relative tolerance (see ``atol``).
        raise_exception: raise ``RuntimeError`` naming the worst element on failure
            (otherwise return False).

    Returns:
        True when every checked element agrees.
    """
    if isinstance(inputs, TensorBase):
        inputs = (inputs,)
    inputs = tuple(inputs)
    for i, t in enumerate(inputs):
        if isinstance(t, TensorBase) and t.requires_grad and t.dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} has dtype {t.dtype}; use float64 inputs")

    def run():
        out = fn(*inputs)
        if isinstance(out, tuple):
            out = out[0]
        return out

    with no_grad():
        y0 = run()
    ny = y0.data.size
    checked = [i for i, t in enumerate(inputs) if isinstance(t, TensorBase) and t.requires_grad]
    worst = None  # (excess, message)
    for i in checked:
        x = inputs[i]
        # analytical Jacobian, one output element at a time: J[k, :] = d y_k / d x
        jac_a = np.zeros((ny, x.data.size), dtype=np.float64)
        saved_grad = x.grad
        y = run()
        for k in range(ny):
            x.grad = None
            seed = np.zeros(ny, dtype=y.data.dtype)
            seed[k] = 1.0
            if y.requires_grad:
                y.backward(seed.reshape(y.shape), retain_graph=True)
            if x.grad is not None:
                jac_a[k] = x.grad.data.ravel()
        x.grad = saved_grad
        # numerical Jacobian by central differences
        jac_n = np.zeros_like(jac_a)
        flat = x.data.reshape(-1)
        if not np.shares_memory(flat, x.data):
            raise ValueError(f"gradcheck: input {i} must be contiguous")
        with no_grad():
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + eps
                yp = run().data.astype(np.float64).ravel()
                flat[j] = orig - eps
                ym = run().data.astype(np.float64).ravel()
                flat[j] = orig
                jac_n[:, j] = (yp - ym) / (2.0 * eps)
        err = np.abs(jac_a - jac_n) - (atol + rtol * np.abs(jac_n))
        if err.size and err.max() > 0:
            k, j = np.unravel_index(int(np.argmax(err)), err.shape)
            xi = tuple(int(v) for v in np.unravel_index(j, x.shape)) if x.ndim else ()
            yi = tuple(int(v) for v in np.unravel_index(k, y0.shape)) if y0.ndim else ()
            msg = (f"gradcheck failed for input {i} element {xi} and output element {yi}: "
                   f"numerical {jac_n[k, j]:.10g}, analytical {jac_a[k, j]:.10g}")
            if worst is None or err.max() > worst[0]:
                worst = (err.max(), msg)
    if worst is not None:
        if raise_exception:
            raise RuntimeError(worst[1])
        return False
    return True
