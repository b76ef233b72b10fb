"""tinyconv.autograd: grad mode, custom Functions, ``grad``, ``gradcheck``, anomaly mode, and
``functional`` (vjp, jvp, hvp, vhp, jacobian, hessian).

The engine itself (``Function.apply``, graph nodes, the backward walk) lives in
``tinyconv._engine``; this package is its public face, with torch's names.
"""
from .._engine import (Context, Function, FunctionHook, Node, add_function_hook, backward,
                       enable_grad, grad, is_grad_enabled, no_grad, scope, set_grad_enabled)
from . import functional
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .gradcheck import gradcheck, gradgradcheck

__all__ = [
    "Context", "Function", "FunctionHook", "Node", "add_function_hook", "backward",
    "detect_anomaly", "enable_grad", "functional", "grad", "gradcheck", "gradgradcheck",
    "is_anomaly_enabled", "is_grad_enabled", "no_grad", "scope", "set_detect_anomaly",
    "set_grad_enabled",
]
