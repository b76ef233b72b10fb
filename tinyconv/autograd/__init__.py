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
    """Gradients of ``outputs`` w.r.t. ``inputs`` without touching any ``.grad``.

    A simple version of ``torch.autograd.grad`` (no create_graph): it temporarily swaps the
    inputs' ``.grad`` attributes.
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
