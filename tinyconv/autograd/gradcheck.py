"""gradcheck and gradgradcheck: analytical derivatives against central differences, float64.

``gradcheck`` compares the Jacobian the backward pass computes with finite differences;
``gradgradcheck`` does the same for the backward pass itself (differentiated with
``create_graph=True``), which checks every op's double backward.
"""
import numpy as np

from .._engine import TensorBase, enable_grad, grad

__all__ = ["gradcheck", "gradgradcheck"]


def _outputs(out):
    """The output tensors of ``func`` (a Tensor or a sequence; non-tensors are ignored)."""
    if isinstance(out, TensorBase):
        return (out,)
    return tuple(o for o in out if isinstance(o, TensorBase))


def _check_inputs(inputs, op):
    if isinstance(inputs, TensorBase):
        inputs = (inputs,)
    inputs = tuple(inputs)
    for i, t in enumerate(inputs):
        if isinstance(t, TensorBase) and t.requires_grad and t._data.dtype != np.float64:
            raise TypeError(f"{op}: input {i} has dtype {t._data.dtype}; use float64 inputs")
    return inputs


def _jacobians(func, inputs, checked, eps):
    """(analytical, numerical) Jacobians, one (n_out_total, n_in) pair per checked input."""
    outs = _outputs(func(*inputs))
    outs0 = outs
    n_out = sum(o._data.size for o in outs)
    result = []
    for i in checked:
        x = inputs[i]
        jac_a = np.zeros((n_out, x._data.size), dtype=np.float64)
        row = 0
        for o in outs:
            if not o.requires_grad:
                row += o._data.size
                continue
            for k in range(o._data.size):
                seed = np.zeros(o._data.size, dtype=o._data.dtype)
                seed[k] = 1.0
                g = grad([o], [x], [o._make(seed.reshape(o._data.shape), False, None)],
                         retain_graph=True, allow_unused=True)[0]
                if g is not None:
                    jac_a[row + k] = g._data.ravel()
            row += o._data.size
        jac_n = np.zeros_like(jac_a)
        flat = x._data.reshape(-1)
        if not np.shares_memory(flat, x._data):
            raise ValueError(f"gradcheck: input {i} must be contiguous")
        with enable_grad():  # a backward pass may be the function (gradgradcheck)
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + eps
                yp = np.concatenate([o._data.astype(np.float64).ravel()
                                     for o in _outputs(func(*inputs))] or [np.zeros(0)])
                flat[j] = orig - eps
                ym = np.concatenate([o._data.astype(np.float64).ravel()
                                     for o in _outputs(func(*inputs))] or [np.zeros(0)])
                flat[j] = orig
                jac_n[:, j] = (yp - ym) / (2.0 * eps)
        result.append((i, x, jac_a, jac_n))
    return outs0, result


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Compare analytical gradients with central differences, in float64 (torch's signature).

    Args:
        func: callable taking the tensors in ``inputs`` and returning a Tensor or a sequence
            of Tensors (every output is checked).
        inputs: a Tensor or a sequence of Tensors; those with ``requires_grad`` are checked.
            They must be float64 (float32 differences are too coarse to mean anything).
        eps: the finite-difference step.
        atol: absolute tolerance; an element fails when
            ``|analytical - numerical| > atol + rtol * |numerical|``.
        rtol: relative tolerance (see ``atol``).
        raise_exception: raise ``RuntimeError`` naming the worst element on failure
            (otherwise return False).
        nondet_tol: accepted for torch compatibility (tinyconv's backward is deterministic).
        check_undefined_grad: accepted for torch compatibility.
        check_grad_dtypes: accepted for torch compatibility.
        check_batched_grad: accepted for torch compatibility.
        check_batched_forward_grad: must be False: tinyconv has no forward-mode AD
            (``NotImplementedError`` otherwise).
        check_forward_ad: must be False, as ``check_batched_forward_grad``.
        check_backward_ad: accepted for torch compatibility; the backward pass is always
            checked.
        fast_mode: accepted for torch compatibility; the full (slow-mode) Jacobian is always
            compared.
        masked: accepted for torch compatibility.

    Returns:
        True when every checked element agrees.
    """
    if check_forward_ad or check_batched_forward_grad:
        raise NotImplementedError("gradcheck: tinyconv has no forward-mode AD "
                                  "(check_forward_ad, check_batched_forward_grad)")
    inputs = _check_inputs(inputs, "gradcheck")
    checked = [i for i, t in enumerate(inputs) if isinstance(t, TensorBase) and t.requires_grad]
    outs0, jacs = _jacobians(func, inputs, checked, eps)
    worst = None  # (excess, message)
    for i, x, jac_a, jac_n in jacs:
        err = np.abs(jac_a - jac_n) - (atol + rtol * np.abs(jac_n))
        if err.size and err.max() > 0:
            k, j = np.unravel_index(int(np.argmax(err)), err.shape)
            xi = tuple(int(v) for v in np.unravel_index(j, x.shape)) if x.ndim else ()
            msg = (f"gradcheck failed for input {i} element {xi} and output element {k} (of "
                   f"the outputs flattened in order): numerical {jac_n[k, j]:.10g}, "
                   f"analytical {jac_a[k, j]:.10g}")
            if worst is None or err.max() > worst[0]:
                worst = (err.max(), msg)
    if worst is not None:
        if raise_exception:
            raise RuntimeError(worst[1])
        return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True,
                  fast_mode=False, masked=False):
    """Check second derivatives: gradcheck of the backward pass (torch's signature).

    The function checked is ``(inputs, grad_outputs) -> autograd.grad(func(*inputs), inputs,
    grad_outputs, create_graph=True)``; its finite differences are taken with respect to the
    inputs and the output gradients alike.

    Args:
        func: as in ``gradcheck``.
        inputs: as in ``gradcheck``.
        grad_outputs: the output gradients (float64, requiring grad); random ones when None.
        eps: as in ``gradcheck``.
        atol: as in ``gradcheck``.
        rtol: as in ``gradcheck``.
        gen_non_contig_grad_outputs: accepted for torch compatibility.
        raise_exception: as in ``gradcheck``.
        nondet_tol: accepted for torch compatibility.
        check_undefined_grad: accepted for torch compatibility.
        check_grad_dtypes: accepted for torch compatibility.
        check_batched_grad: accepted for torch compatibility.
        check_fwd_over_rev: must be False: tinyconv has no forward-mode AD
            (``NotImplementedError`` otherwise).
        check_rev_over_rev: accepted for torch compatibility; reverse-over-reverse is what
            is checked.
        fast_mode: accepted for torch compatibility (see ``gradcheck``).
        masked: accepted for torch compatibility.

    Returns:
        True when every checked element agrees.
    """
    if check_fwd_over_rev:
        raise NotImplementedError("gradgradcheck: tinyconv has no forward-mode AD "
                                  "(check_fwd_over_rev)")
    inputs = _check_inputs(inputs, "gradgradcheck")
    if grad_outputs is None:
        outs = _outputs(func(*inputs))
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            o._make(rng.standard_normal(o._data.shape), True, None) for o in outs
            if o.requires_grad)
    elif isinstance(grad_outputs, TensorBase):
        grad_outputs = (grad_outputs,)
    grad_outputs = tuple(grad_outputs)
    n_in = len(inputs)

    def first_order(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = [o for o in _outputs(func(*ins)) if o.requires_grad]
        wrt = [t for t in ins if isinstance(t, TensorBase) and t.requires_grad]
        gs = grad(outs, wrt, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_order, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
