"""tinyconv.autograd: grad mode, custom Functions, ``grad``, ``gradcheck``, anomaly mode.

The engine itself (``Function.apply``, graph nodes, the backward walk) lives in
``tinyconv._engine``; this package is its public face, with torch's names.
"""
from .._engine import (Context, Function, FunctionHook, Node, add_function_hook, backward,
                       enable_grad, is_grad_enabled, no_grad, scope, set_grad_enabled)
from ..tensor import Tensor
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .gradcheck import gradcheck

__all__ = [
    "Context", "Function", "FunctionHook", "Node", "add_function_hook", "backward",
    "detect_anomaly", "enable_grad", "grad", "gradcheck", "is_anomaly_enabled",
    "is_grad_enabled", "no_grad", "scope", "set_detect_anomaly", "set_grad_enabled",
]


def grad(outputs, inputs, grad_outputs=None, retain_graph=False):
    """Gradients of ``outputs`` with respect to ``inputs``, without touching any ``.grad``.

    A simple version of ``torch.autograd.grad`` (no ``create_graph``): it temporarily swaps the
    inputs' ``.grad`` attributes.

    Args:
        outputs: the Tensor to differentiate (a scalar, or give ``grad_outputs``).
        inputs: a Tensor or a sequence of Tensors that require grad.
        grad_outputs: the gradient with respect to ``outputs`` (default 1 for a scalar).
        retain_graph: keep the graph for another backward.

    Returns:
        Tensor or tuple: the gradient for one input Tensor (torch returns a 1-tuple), or a
        tuple of gradients for a sequence.

    Examples:
        >>> import tinyconv as tc
        >>> x = tc.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> tc.autograd.grad((x ** 2).sum(), x)
        tensor([2., 4., 6.])
        >>> x.grad is None
        True
    """
    single = isinstance(inputs, Tensor)
    if single:
        inputs = (inputs,)
    saved = [t.grad for t in inputs]
    for t in inputs:
        t.grad = None
    try:
        outputs.backward(grad_outputs, retain_graph=retain_graph)
        res = tuple(t.grad for t in inputs)
    finally:
        for t, g in zip(inputs, saved):
            t.grad = g
    return res[0] if single else res
