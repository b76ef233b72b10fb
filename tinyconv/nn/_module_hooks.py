"""Module hooks: the global ones, the hooked call of a module, and full backward hooks.

``Module.__call__`` runs ``call_with_hooks`` when any hook is registered, in torch's order:
global then per-module forward pre-hooks, the backward-hook setup on the inputs, ``forward``,
global then per-module forward hooks, the backward-hook setup on the outputs; forward hooks
registered with ``always_call=True`` also run when something raises.

Full backward hooks work as torch's do: the module's Tensor inputs and outputs pass through
``BackwardHookFunction``, an identity custom Function; a hook on the outputs' graph node sees
the gradients w.r.t. the outputs (and runs the backward pre-hooks), a hook on the inputs'
node sees the gradients w.r.t. the inputs (and runs the backward hooks).  Both may replace
the gradients they see.
"""
import warnings
from collections import OrderedDict

from .._engine import TensorBase, is_grad_enabled
from .._hooks import add_hook
from ..autograd.function import Function

__all__ = ["BackwardHook", "BackwardHookFunction", "call_with_hooks", "has_hooks",
           "register_module_forward_hook", "register_module_forward_pre_hook",
           "register_module_full_backward_hook", "register_module_full_backward_pre_hook"]

# global hooks, run for every module (torch.nn.modules.module's register_module_*_hook)
_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_with_kwargs = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()
_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()


def register_module_forward_pre_hook(hook):
    """Call ``hook(module, args)`` before every module's forward (and its own pre-hooks); a
    non-None result replaces args.

    Args:
        hook: the callable.

    Returns:
        a RemovableHandle.
    """
    return add_hook(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """Call ``hook(module, args, output)`` after every module's forward (before its own
    forward hooks); a non-None result replaces output.

    Args:
        hook: the callable.
        with_kwargs: call ``hook(module, args, kwargs, output)`` instead.
        always_call: also call it when forward raises (output is then what there was, None
            if forward did not return).

    Returns:
        a RemovableHandle.
    """
    return add_hook(_global_forward_hooks, hook,
                    marks=[(_global_forward_hooks_with_kwargs, with_kwargs),
                           (_global_forward_hooks_always_called, always_call)])


def register_module_full_backward_pre_hook(hook):
    """Call ``hook(module, grad_output)`` for every module when the gradients w.r.t. its
    outputs are computed (before the module's own backward pre-hooks); a non-None result
    replaces ``grad_output``.

    Args:
        hook: the callable.

    Returns:
        a RemovableHandle.
    """
    return add_hook(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook):
    """Call ``hook(module, grad_input, grad_output)`` for every module when the gradients
    w.r.t. its inputs are computed (before the module's own backward hooks); a non-None result
    replaces ``grad_input``.

    Args:
        hook: the callable.

    Returns:
        a RemovableHandle.
    """
    return add_hook(_global_backward_hooks, hook)


def has_hooks(module):
    """Whether calling ``module`` must go through ``call_with_hooks``."""
    return bool(module._forward_pre_hooks or module._forward_hooks
                or module._backward_pre_hooks or module._backward_hooks
                or _global_forward_pre_hooks or _global_forward_hooks
                or _global_backward_pre_hooks or _global_backward_hooks)


class BackwardHookFunction(Function):
    """Identity on Tensors whose graph node carries a module's backward hooks; the inputs
    that do not require grad come back as non-differentiable aliases."""

    @staticmethod
    def forward(ctx, *args):
        ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
        return args

    @staticmethod
    def backward(ctx, *args):
        return args


class BackwardHook:
    """One call's backward hooks: joins the gradients w.r.t. the module's outputs with those
    w.r.t. its inputs and calls the user's hooks (torch's ``utils.hooks.BackwardHook``).

    Args:
        module: the module called.
        user_hooks: its full backward hooks, global ones first.
        user_pre_hooks: its full backward pre-hooks, global ones first.
    """

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks, self.user_pre_hooks = user_hooks, user_pre_hooks
        self.grad_outputs = None
        self.n_outputs = self.n_inputs = -1
        self.output_tensors_index = self.input_tensors_index = None

    @staticmethod
    def _pack_with_none(indices, values, size):
        res = [None] * size
        for idx, val in zip(indices, values, strict=True):
            res[idx] = val
        return tuple(res)

    @staticmethod
    def _unpack_none(indices, values):
        return tuple(values[i] for i in indices)

    def _apply_on_tensors(self, fn, args):
        """Pass the Tensors of ``args`` through BackwardHookFunction and hand its node to
        ``fn``; the new args and the Tensors' positions (None when nothing needs grad)."""
        idx = [i for i, a in enumerate(args) if isinstance(a, TensorBase)]
        tensors = [args[i] for i in idx]
        if not (any(t.requires_grad for t in tensors) and is_grad_enabled()):
            return args, None
        new = BackwardHookFunction.apply(*tensors)
        nodes = [t.grad_fn for t in new if t.grad_fn is not None
                 and t.grad_fn.name() == "BackwardHookFunctionBackward"]
        fn(nodes[0])
        out = list(args)
        for i, t in zip(idx, new):
            out[i] = t
        return tuple(out), idx

    def setup_input_hook(self, args):
        """Route the inputs through the hook node whose backward calls the user's hooks.

        Args:
            args: the module's positional arguments.

        Returns:
            the arguments to give ``forward``.
        """
        def on_node(node):
            node.register_hook(self._input_hook)

        res, idx = self._apply_on_tensors(on_node, args)
        self.n_inputs = len(args)
        self.input_tensors_index = idx
        return res

    def _input_hook(self, grad_input, _):
        if self.grad_outputs is None:
            return None  # gradient reaching the inputs without passing through the outputs
        res = self._pack_with_none(self.input_tensors_index, grad_input, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(out)}, but expected {len(res)}")
            res = out
        self.grad_outputs = None
        return self._unpack_none(self.input_tensors_index, res)

    def setup_output_hook(self, result):
        """Route the outputs through the hook node that records the output gradients.

        Args:
            result: what ``forward`` (and the forward hooks) returned.

        Returns:
            the result to give the caller.
        """
        def on_node(node):
            node.register_hook(self._output_hook)

        is_tuple = isinstance(result, tuple)
        args = result if is_tuple else (result,)
        res, idx = self._apply_on_tensors(on_node, args)
        self.n_outputs = len(args)
        self.output_tensors_index = idx
        return res if is_tuple else res[0]

    def _output_hook(self, _, grad_output):
        self.grad_outputs = self._pack_with_none(self.output_tensors_index, grad_output,
                                                 self.n_outputs)
        for pre in self.user_pre_hooks:
            new = pre(self.module, self.grad_outputs)
            if new is None:
                continue
            if len(new) != len(self.grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(new)}, but expected "
                                   f"{len(self.grad_outputs)}")
            self.grad_outputs = new
        local = self.grad_outputs
        if self.input_tensors_index is None:  # no input needs a gradient: call the hooks now
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients.",
                          stacklevel=2)
            grad_inputs = self._pack_with_none([], [], self.n_inputs)
            for hook in self.user_hooks:
                res = hook(self.module, grad_inputs, self.grad_outputs)
                if res is not None and not (isinstance(res, tuple)
                                            and all(r is None for r in res)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        if local is not None:
            return tuple(local[i] for i in self.output_tensors_index)
        return None


def _run_always_called(module, args, kwargs, result, called):
    """After forward (or a hook) raised: run the ``always_call`` forward hooks that have not
    run, global ones first; an error inside one is turned into a warning, as torch does.
    (torch calls the global ones without kwargs here, whatever they were registered with.)"""
    for hooks, always, with_kwargs, what in (
            (_global_forward_hooks, _global_forward_hooks_always_called, (),
             "global module forward hook"),
            (module._forward_hooks, module._forward_hooks_always_called,
             module._forward_hooks_with_kwargs, "module forward hook")):
        for hid, hook in list(hooks.items()):
            if hid not in always or hid in called:
                continue
            try:
                if hid in with_kwargs:
                    res = hook(module, args, kwargs, result)
                else:
                    res = hook(module, args, result)
                if res is not None:
                    result = res
            except Exception as e:  # noqa: BLE001 - torch silences it with a warning
                warnings.warn(f"{what} with ``always_call=True`` raised an exception that was "
                              f"silenced as another error was raised in forward: {e}",
                              stacklevel=4)


def call_with_hooks(module, args, kwargs):
    """Call ``module.forward`` with every hook, in torch's order (see the module docstring).

    Args:
        module: the Module called.
        args: its positional arguments (a tuple).
        kwargs: its keyword arguments.

    Returns:
        the output, as the hooks left it.
    """
    result = None
    called = set()  # always_call hooks that already ran
    try:
        pre = [*_global_backward_pre_hooks.values(), *module._backward_pre_hooks.values()]
        full = [*_global_backward_hooks.values(), *module._backward_hooks.values()]
        for hid, hook in (*_global_forward_pre_hooks.items(),
                          *module._forward_pre_hooks.items()):
            if hid in module._forward_pre_hooks_with_kwargs:
                res = hook(module, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {res}.")
                    args, kwargs = res
            else:
                res = hook(module, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        bw_hook = None
        if full or pre:
            bw_hook = BackwardHook(module, full, pre)
            args = bw_hook.setup_input_hook(args)
        result = module.forward(*args, **kwargs)
        for hid, hook in (*_global_forward_hooks.items(), *module._forward_hooks.items()):
            if hid in module._forward_hooks_always_called or \
                    hid in _global_forward_hooks_always_called:
                called.add(hid)
            if hid in module._forward_hooks_with_kwargs or \
                    hid in _global_forward_hooks_with_kwargs:
                res = hook(module, args, kwargs, result)
            else:
                res = hook(module, args, result)
            if res is not None:
                result = res
        if bw_hook is not None:
            if not isinstance(result, (TensorBase, tuple)):
                warnings.warn(f"For backward hooks to be called, module output should be a "
                              f"Tensor or a tuple of Tensors but received {type(result)}",
                              stacklevel=3)
            result = bw_hook.setup_output_hook(result)
        return result
    except Exception:
        _run_always_called(module, args, kwargs, result, called)
        raise
