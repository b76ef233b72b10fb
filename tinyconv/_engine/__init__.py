"""The autograd engine: grad mode, the op base class, graph nodes and the backward walk.

Everything here works on ndarrays and on any object with the ``TensorBase`` fields; it imports
nothing above the base layer.  Ops (``tinyconv.ops``) subclass ``Function``; the public names
are re-exported by ``tinyconv.autograd``.
"""
from .api import backward, grad
from .backward import run_backward
from .function import (AccumulateGrad, Context, Function, Node, TensorBase, VersionCounter,
                       storage_root, type_string)
from .state import (FunctionHook, active_hooks, add_function_hook, current_scope, enable_grad,
                    in_backward, is_grad_enabled, no_grad, recording_nodes, scope,
                    set_grad_enabled)

__all__ = ["AccumulateGrad", "Context", "Function", "FunctionHook", "Node", "TensorBase",
           "VersionCounter", "active_hooks", "add_function_hook", "backward", "current_scope",
           "enable_grad", "grad", "in_backward", "is_grad_enabled", "no_grad", "recording_nodes",
           "run_backward", "scope", "set_grad_enabled", "storage_root", "type_string"]
