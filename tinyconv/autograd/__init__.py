"""tinyconv.autograd: grad mode, custom Functions, ``grad``, ``gradcheck``, anomaly mode.

The engine itself (``Function.apply``, graph nodes, the backward walk) lives in
``tinyconv._engine``; this package is its public face, with torch's names.
"""
from .._engine import (Context, Function, FunctionHook, Node, add_function_hook, backward,
                       enable_grad, grad, is_grad_enabled, no_grad, scope, set_grad_enabled)
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .grad_mode import inference_mode, is_inference_mode_enabled
from .gradcheck import gradcheck, gradgradcheck

__all__ = [
    "Context", "Function", "FunctionHook", "Node", "add_function_hook", "backward",
    "detect_anomaly", "enable_grad", "grad", "gradcheck", "gradgradcheck", "inference_mode",
    "is_inference_mode_enabled", "is_anomaly_enabled",
    "is_grad_enabled", "no_grad", "scope", "set_detect_anomaly", "set_grad_enabled",
]
