"""tinyconv.autograd: grad mode, custom Functions, ``grad``, ``gradcheck``, anomaly mode, and
``functional`` (vjp, jvp, hvp, vhp, jacobian, hessian).

The engine itself (graph nodes, the backward walk, the internal ops' ``Op.apply``) lives in
``tinyconv._engine``; this package is its public face, with torch's names.  ``Function`` is
torch's custom-function contract on Tensors (``tinyconv.autograd.function``).
"""
from .._engine import (FunctionHook, Node, add_function_hook, backward, enable_grad, grad,
                       is_grad_enabled, no_grad, scope, set_grad_enabled)
from . import functional
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .function import Function, once_differentiable
from .gradcheck import gradcheck, gradgradcheck

__all__ = [
    "Function", "FunctionHook", "Node", "add_function_hook", "backward", "detect_anomaly",
    "enable_grad", "functional", "grad", "gradcheck", "gradgradcheck", "is_anomaly_enabled",
    "is_grad_enabled", "no_grad", "once_differentiable", "scope", "set_detect_anomaly",
    "set_grad_enabled",
]
