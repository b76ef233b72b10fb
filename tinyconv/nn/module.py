"""Module: the container users subclass to build networks.

A ``Module`` registers ``Parameter``s, buffers and child modules through attribute assignment
(``self.fc = Linear(...)``), so that ``parameters()``, ``state_dict()`` and ``train()/eval()``
walk the whole tree.  Behaviour, keys and messages follow ``torch.nn.Module``.
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from .._device import check_device, cuda_error
from .._engine import active_hooks, no_grad, scope
from .._hooks import add_hook
from .._tensor_attrs import parse_to
from ..tensor import Tensor
from ._module_hooks import (_global_forward_hooks, _global_forward_pre_hooks,  # noqa: F401
                            call_with_hooks, has_hooks, register_module_forward_hook,
                            register_module_forward_pre_hook,
                            register_module_full_backward_hook,
                            register_module_full_backward_pre_hook)
from .parameter import Parameter

__all__ = ["Module", "register_module_forward_pre_hook", "register_module_forward_hook",
           "register_module_full_backward_pre_hook", "register_module_full_backward_hook"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it did not find and the keys it did not use."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _indent(text, spaces):
    """Indent every line of ``text`` but the first by ``spaces`` spaces."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line for line in lines[1:])


def _is_torch_tensor(v):
    """Whether ``v`` is a torch.Tensor (or Parameter), told without importing torch."""
    return any(c.__module__.split(".")[0] == "torch" and c.__name__ == "Tensor"
               for c in type(v).__mro__)


def _torch_tensor_array(v):
    """The values of the torch tensor ``v`` as an ndarray (a copy; bfloat16 widened to
    float32, which NumPy lacks), so a torch state dict loads directly."""
    v = v.detach().cpu()
    if str(v.dtype) == "torch.bfloat16":
        v = v.float()
    return v.numpy().copy()


def _check_name(name, kind, module):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain "."')
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')


class Module:
    """Base class of every layer and model.

    Subclasses call ``super().__init__()`` first, assign parameters, buffers and submodules as
    attributes, and implement ``forward``.  ``module(x)`` runs the forward pre-hooks, ``forward``
    and the forward hooks.
    """

    training: bool
    _version = 1

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected arguments: "
                f"{args!r} {kwargs!r}")
        sa = object.__setattr__
        sa(self, "training", True)
        sa(self, "_parameters", {})
        sa(self, "_buffers", {})
        sa(self, "_non_persistent_buffers_set", set())
        sa(self, "_modules", {})
        sa(self, "_forward_pre_hooks", OrderedDict())
        sa(self, "_forward_pre_hooks_with_kwargs", OrderedDict())
        sa(self, "_forward_hooks", OrderedDict())
        sa(self, "_forward_hooks_with_kwargs", OrderedDict())
        sa(self, "_forward_hooks_always_called", OrderedDict())
        sa(self, "_backward_pre_hooks", OrderedDict())
        sa(self, "_backward_hooks", OrderedDict())

    # ------------------------------------------------------------------------------ forward
    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        if active_hooks():  # engine hooks (profiler, anomaly mode) see which module ran an op
            with scope(self):
                if has_hooks(self):
                    return call_with_hooks(self, args, kwargs)
                return self.forward(*args, **kwargs)
        if has_hooks(self):
            return call_with_hooks(self, args, kwargs)
        return self.forward(*args, **kwargs)

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call ``hook(module, args)`` before ``forward``; a non-None result replaces args.

        Args:
            hook: the callable.
            prepend: run it before the hooks already registered.
            with_kwargs: call ``hook(module, args, kwargs)``, which may return
                ``(new_args, new_kwargs)``.

        Returns:
            a RemovableHandle whose ``remove()`` unregisters the hook.
        """
        return add_hook(self._forward_pre_hooks, hook, prepend=prepend,
                        marks=[(self._forward_pre_hooks_with_kwargs, with_kwargs)])

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """Call ``hook(module, args, output)`` after ``forward``; a non-None result replaces
        output.

        Args:
            hook: the callable.
            prepend: run it before the hooks already registered (global ones still first).
            with_kwargs: call ``hook(module, args, kwargs, output)``.
            always_call: also call it when the call raises.

        Returns:
            a RemovableHandle whose ``remove()`` unregisters the hook.
        """
        return add_hook(self._forward_hooks, hook, prepend=prepend,
                        marks=[(self._forward_hooks_with_kwargs, with_kwargs),
                               (self._forward_hooks_always_called, always_call)])

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """Call ``hook(module, grad_output)`` when the gradients w.r.t. this module's outputs
        are computed; a non-None result (a tuple like ``grad_output``) replaces them.

        ``grad_output`` has one entry per output (None for non-Tensors).  As in torch,
        ``forward`` then receives aliases of its Tensor inputs and the caller gets aliases of
        the outputs, which must not be modified in place.

        Args:
            hook: the callable.
            prepend: run it before the hooks already registered (global ones still first).

        Returns:
            a RemovableHandle whose ``remove()`` unregisters the hook.
        """
        return add_hook(self._backward_pre_hooks, hook, prepend=prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """Call ``hook(module, grad_input, grad_output)`` when the gradients w.r.t. this
        module's inputs are computed; a non-None result (a tuple like ``grad_input``)
        replaces them.

        ``grad_input`` has one entry per positional argument of the call (None for
        non-Tensors and inputs that need no gradient; keyword arguments are ignored).  When
        no input requires grad, the hook fires with the output gradients instead (with a
        warning, as torch).

        Args:
            hook: the callable.
            prepend: run it before the hooks already registered (global ones still first).

        Returns:
            a RemovableHandle whose ``remove()`` unregisters the hook.
        """
        return add_hook(self._backward_hooks, hook, prepend=prepend)

    # ------------------------------------------------------------------------- registration
    def register_parameter(self, name, param):
        """Add a parameter (or None) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name(name, "parameter", self)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__module__}.{type(param).__name__}' object to "
                f"parameter '{name}' (tinyconv.nn.Parameter or None required)")
        if param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, "
                f"compute the value in the forward() method.")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a buffer (state that is not a parameter, e.g. BatchNorm's running_mean).

        Args:
            name: attribute name.
            tensor: a Tensor or None (None buffers are skipped by state_dict).
            persistent: whether the buffer is part of ``state_dict``.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name(name, "buffer", self)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__module__}.{type(tensor).__name__}' object to "
                f"buffer '{name}' (tinyconv Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Add a child module (or None) under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__module__}.{type(module).__name__} is not a "
                            f"Module subclass")
        _check_name(name, "module", self)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._remove_from(name, d, self._buffers, self._modules,
                              self._non_persistent_buffers_set)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__module__}.{type(value).__name__}' as "
                    f"parameter '{name}' (tinyconv.nn.Parameter or None expected)")
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._remove_from(name, d, self._parameters, self._buffers,
                              self._non_persistent_buffers_set)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__module__}.{type(value).__name__}' as "
                    f"child module '{name}' (tinyconv.nn.Module or None expected)")
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__module__}.{type(value).__name__}' as "
                    f"buffer '{name}' (tinyconv.Tensor or None expected)")
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name, *containers):
        for c in containers:
            if name in c:
                if isinstance(c, set):
                    c.discard(name)
                else:
                    del c[name]

    def __getattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            c = d.get(key)
            if c is not None and name in c:
                return c[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = list(object.__dir__(self))
        keys += list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(set(k for k in keys if not k[0].isdigit()))

    def get_submodule(self, target):
        """The submodule at dotted path ``target`` ('' is self)."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            mod = mod._typed_attribute(item, Module, "nn.Module")
        return mod

    def _typed_attribute(self, name, kind, label):
        """``getattr(self, name)``, with torch's AttributeError when it is missing or is not
        a ``kind`` (called ``label`` in the message)."""
        if not hasattr(self, name):
            raise AttributeError(f"{self._get_name()} has no attribute `{name}`")
        value = getattr(self, name)
        if not isinstance(value, kind):
            raise AttributeError(f"`{name}` is not an {label}")
        return value

    def get_parameter(self, target):
        """The parameter at dotted path ``target``."""
        mod_path, _, name = target.rpartition(".")
        return self.get_submodule(mod_path)._typed_attribute(name, Parameter, "nn.Parameter")

    def get_buffer(self, target):
        """The buffer at dotted path ``target``."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return mod._buffers[name]

    # ---------------------------------------------------------------------------- iteration
    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for k, v in get_members(mod):
                if v is None:
                    continue
                if remove_duplicate:
                    if id(v) in memo:
                        continue
                    memo.add(id(v))
                yield (mod_prefix + "." + k if mod_prefix else k), v

    def parameters(self, recurse=True):
        """Iterator over the parameters (each shared parameter once)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Iterator over ``(dotted name, parameter)`` pairs."""
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                   remove_duplicate)

    def buffers(self, recurse=True):
        """Iterator over the buffers."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """Iterator over ``(dotted name, buffer)`` pairs."""
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                   remove_duplicate)

    def children(self):
        """Iterator over the immediate child modules."""
        for _, m in self.named_children():
            yield m

    def named_children(self):
        """Iterator over ``(name, child)`` pairs (each child module once)."""
        memo = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in memo:
                memo.add(id(m))
                yield name, m

    def modules(self):
        """Iterator over every module in the tree, self first."""
        for _, m in self.named_modules():
            yield m

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Iterator over ``(dotted prefix, module)`` for the whole tree, self first (prefix '')."""
        if memo is None:
            memo = set()
        # iterative pre-order walk (deep Sequentials must not hit the recursion limit)
        stack = [(prefix, self)]
        while stack:
            pre, mod = stack.pop()
            if remove_duplicate:
                if id(mod) in memo:
                    continue
                memo.add(id(mod))
            yield pre, mod
            kids = [(pre + ("." if pre else "") + name, m)
                    for name, m in mod._modules.items() if m is not None]
            stack.extend(reversed(kids))

    # ------------------------------------------------------------------------------- modes
    def train(self, mode=True):
        """Set training mode on this module and all submodules; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        """Set evaluation mode (``train(False)``); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on every parameter; returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of every parameter (to None by default, else to zeros)."""
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.grad_fn = None
                    p.grad.requires_grad = False
                    p.grad._data[...] = 0

    def apply(self, fn):
        """Call ``fn(module)`` on every submodule (children first) and then on self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------------ dtype moves
    def _apply_arrays(self, fn):
        for m in self.modules():
            for store in (m._parameters, m._buffers):
                for t in store.values():
                    if t is None:
                        continue
                    t._data = fn(t._data)
                    if t.grad is not None:
                        t.grad._data = fn(t.grad._data)
        return self

    def to(self, *args, **kwargs):
        """Cast floating parameters and buffers in place: ``to(dtype)``, ``to(device)``,
        ``to(device, dtype)``, ``to(tensor)``, as torch's (the CPU is the only device)."""
        device, dt, _, _ = parse_to("to", args, kwargs)
        if device is not None:
            check_device(device, "to", creating=False)
        if dt is None:
            return self
        if dt.kind != "f":
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got "
                            f"desired dtype={dt}")
        return self._apply_arrays(lambda a: a.astype(dt) if a.dtype.kind == "f" and
                                  a.dtype != dt else a)

    def double(self):
        """Cast floating parameters and buffers to float64; returns self."""
        return self.to(np.float64)

    def float(self):
        """Cast floating parameters and buffers to float32; returns self."""
        return self.to(np.float32)

    def half(self):
        return self.to(np.float16)

    def cpu(self):
        return self

    def cuda(self, device=None):
        """Move to a CUDA device: raises torch's error for a build without CUDA."""
        raise cuda_error(device)

    def type(self, dst_type):
        return self.to(dst_type)

    # ------------------------------------------------------------------------- state dicts
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """An ordered dict of every parameter and persistent buffer by dotted name.

        Values are detached tensors sharing memory with the module's (like torch).
        """
        if args:
            # torch's deprecated positional form: state_dict(destination, prefix, keep_vars)
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + ".",
                             keep_vars=keep_vars)
        return destination

    def _optional_state_keys(self):
        """Local state keys a loaded state_dict may omit (BatchNorm's num_batches_tracked)."""
        return ()

    def _expected_state(self):
        """Every ``(key, module, kind, name, tensor)`` that ``load_state_dict`` fills."""
        out = []
        for pre, m in self.named_modules(remove_duplicate=False):
            p = pre + "." if pre else ""
            for name, t in m._parameters.items():
                if t is not None:
                    out.append((p + name, m, "_parameters", name, t))
            for name, t in m._buffers.items():
                if t is not None and name not in m._non_persistent_buffers_set:
                    out.append((p + name, m, "_buffers", name, t))
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy parameters and buffers from ``state_dict`` into this module and its children.

        Everything is validated first: with ``strict`` missing and unexpected keys are errors;
        a shape mismatch, a value that is not a tensor and a dtype that is not real or bool
        (strings, structured, void, complex) are always errors.  On error, one RuntimeError
        lists every problem and no parameter or buffer has been touched.

        Args:
            state_dict: a mapping from dotted names to Tensors (or ndarrays).
            strict: whether the keys must match exactly.
            assign: replace the module's tensors by the loaded ones instead of copying into them.

        Returns:
            a namedtuple ``(missing_keys, unexpected_keys)``.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        expected = self._expected_state()
        optional = set()
        for pre, m in self.named_modules(remove_duplicate=False):
            p = pre + "." if pre else ""
            optional.update(p + k for k in m._optional_state_keys())
        expected_keys = {e[0] for e in expected}
        missing = [e[0] for e in expected if e[0] not in state_dict and e[0] not in optional]
        unexpected = [k for k in state_dict if k not in expected_keys]
        problems = []
        plan = []
        for key, m, kind, name, t in expected:
            if key not in state_dict:
                continue
            v = state_dict[key]
            if isinstance(v, Tensor):
                arr = v._data
            elif isinstance(v, np.ndarray):
                arr = v
            elif _is_torch_tensor(v):
                arr = _torch_tensor_array(v)
            else:
                problems.append(
                    f'While copying the parameter named "{key}", expected a Tensor from '
                    f"checkpoint but received {type(v).__name__}")
                continue
            if arr.dtype.kind not in "biuf":
                # checked here, not left to the copy below: that copy would fail half-way
                problems.append(
                    f'While copying the parameter named "{key}", expected a real or bool '
                    f"tensor from checkpoint but received dtype {arr.dtype} "
                    f"(shape {tuple(arr.shape)})")
                continue
            if arr.shape != t._data.shape:
                problems.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(arr.shape)} "
                    f"from checkpoint, the shape in current model is {tuple(t._data.shape)}.")
                continue
            plan.append((m, kind, name, t, arr))
        errors = []
        if strict:
            if missing:
                errors.append("Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ". ")
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        errors += problems
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {self._get_name()}:\n\t"
                + "\n\t".join(errors))
        with no_grad():
            for m, kind, name, t, arr in plan:
                if assign:
                    # torch's assign=True takes the loaded tensor itself (its dtype, its memory)
                    data = arr
                    if kind == "_parameters":
                        m._parameters[name] = Parameter(Tensor._make(data, False, None),
                                                        t.requires_grad)
                    else:
                        m._buffers[name] = Tensor._make(data, False, None)
                elif arr is not t._data:
                    np.copyto(t._data, arr, casting="unsafe")
        return _IncompatibleKeys(missing, unexpected)

    # -------------------------------------------------------------------------------- repr
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """Extra text shown inside this module's repr (override in layers)."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _indent(repr(m), 2) for name, m in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return self._get_name() + "(" + body + ")"

