"""The autograd engine: grad mode, the op base class, graph nodes and the backward walk.

Everything here works on ndarrays and on any object with the ``TensorBase`` fields; it imports
nothing above the base layer.  Ops (``tinyconv.ops``) subclass ``Op``; the public names are
re-exported by ``tinyconv.autograd``, whose ``Function`` (torch's custom-function contract) is
built on the same ``Node``s.
"""
from .api import backward, grad
from .backward import run_backward
from .function import (AccumulateGrad, Context, Node, Op, TensorBase, VersionCounter,
                       custom_node, same_version, save_tensors, storage_root, type_string)
from .state import (FunctionHook, active_hooks, add_function_hook, current_scope, enable_grad,
                    in_backward, is_grad_enabled, no_grad, recording_nodes, scope,
                    set_grad_enabled)

__all__ = ["AccumulateGrad", "Context", "FunctionHook", "Node", "Op", "TensorBase",
           "VersionCounter", "active_hooks", "add_function_hook", "backward", "current_scope",
           "custom_node", "enable_grad", "grad", "in_backward", "is_grad_enabled", "no_grad",
           "recording_nodes", "run_backward", "same_version", "save_tensors", "scope",
           "set_grad_enabled", "storage_root", "type_string"]
