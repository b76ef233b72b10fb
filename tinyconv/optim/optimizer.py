"""Optimizer base class: param groups, per-parameter state, the step template and step hooks.

State is keyed by the parameter object (never its list position), so adding groups or
reordering does not mix up moment buffers; ``state_dict()`` numbers the parameters by their
order across groups, exactly as torch does, so checkpoints move between the two libraries.

``Optimizer.step`` is the one step loop: for every group it reads the hyper-parameters once
(``_hyperparams``), then for every parameter with a gradient it creates the state on first use
(``_init_state``), applies ``maximize`` and the group's ``weight_decay`` (L2, or decoupled when
the group has ``decoupled_weight_decay``) and calls ``_update``, the optimizer's own rule.
Updates are in-place ndarray arithmetic under no_grad, in each parameter's dtype; each one
bumps the parameter's version counter (``p._bump()``), as torch's in-place updates do, so a
graph that saved the old values refuses to backward.  A ``step`` written by hand (LBFGS's)
bumps what it writes the same way.

Step hooks run around every ``step()`` call, of every class: the per-instance ones
(``register_step_pre_hook`` / ``register_step_post_hook``) and the global ones
(``register_optimizer_step_pre_hook`` / ``register_optimizer_step_post_hook``), with torch's
signature ``hook(optimizer, args, kwargs)`` where ``args`` starts with the optimizer.
"""
from __future__ import annotations

import copy
import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Mapping

import numpy as np

from ..autograd import enable_grad, no_grad
from ..nn.module import _is_torch_tensor, _torch_tensor_array
from ..tensor import Tensor
from .._hooks import add_hook

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()

# group options that torch keeps for its CUDA/compiled variants; tinyconv accepts only the
# value that means "plain single-tensor update"
_IMPLEMENTATION_FLAGS = {"differentiable": False, "capturable": False, "fused": None}


def _check_flags(name, defaults):
    for flag, ok in _IMPLEMENTATION_FLAGS.items():
        if flag in defaults and defaults[flag] not in (ok, False, None):
            raise NotImplementedError(
                f"{name}: {flag}={defaults[flag]!r} is not supported by tinyconv (CPU, "
                f"single-tensor updates only)")


def _typename(x):
    if isinstance(x, Tensor):
        return "tinyconv.Tensor"
    return type(x).__module__ + "." + type(x).__name__


_global_optimizer_pre_hooks = OrderedDict()
_global_optimizer_post_hooks = OrderedDict()


def register_optimizer_step_pre_hook(hook):
    """Register a hook run before the ``step()`` of every optimizer.

    Args:
        hook: ``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)``; ``args``
            are step's positional arguments, the optimizer first, and a returned pair replaces
            what step receives.

    Returns:
        A RemovableHandle whose ``remove()`` unregisters the hook.
    """
    return add_hook(_global_optimizer_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """Register a hook run after the ``step()`` of every optimizer.

    Args:
        hook: ``hook(optimizer, args, kwargs) -> None``, with the arguments step received.

    Returns:
        A RemovableHandle whose ``remove()`` unregisters the hook.
    """
    return add_hook(_global_optimizer_post_hooks, hook)


def _run_pre_hooks(opt, args, kwargs):
    # a snapshot, so that a hook may remove itself
    for hook in (*_global_optimizer_pre_hooks.values(), *opt._optimizer_step_pre_hooks.values()):
        result = hook(opt, args, kwargs)
        if result is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(
                    f"{type(opt).__name__}.step: pre-hook {hook!r} must return None or a "
                    f"tuple (new_args, new_kwargs), but got {result!r}")
            args, kwargs = result
    return args, kwargs


def _with_step_hooks(body):
    """The step method ``body`` wrapped so that the step hooks run around it.

    Only the outermost call runs them: an override that calls ``super().step()`` is one step,
    for the hooks and for the lr schedulers' "optimizer has stepped" check.

    Args:
        body: a function ``body(optimizer, *args, **kwargs)``.

    Returns:
        The wrapped function (``_step_body`` gives ``body`` back).
    """

    @functools.wraps(body)
    def step(self, *args, **kwargs):
        if self._step_depth:
            return body(self, *args, **kwargs)
        # lr schedulers warn when they step before the optimizer has
        self._opt_called = True
        args = (self,) + args
        if _global_optimizer_pre_hooks or self._optimizer_step_pre_hooks:
            args, kwargs = _run_pre_hooks(self, args, kwargs)
        self._step_depth += 1
        try:
            out = body(*args, **kwargs)
        finally:
            self._step_depth -= 1
        if self._optimizer_step_post_hooks or _global_optimizer_post_hooks:
            for hook in (*self._optimizer_step_post_hooks.values(),
                         *_global_optimizer_post_hooks.values()):
                hook(self, args, kwargs)
        return out

    step._step_body = body
    return step


class Optimizer:
    """Base class of every optimizer.

    A subclass passes its defaults to ``__init__`` and writes its update rule: ``_update``,
    plus ``_hyperparams`` and ``_init_state`` when it has options or state (see ``step``).
    A subclass may instead override ``step`` itself; the step hooks run around it all the same.

    Args:
        params: an iterable of Tensors, or of dicts defining parameter groups (each with a
            'params' entry and optional per-group options).
        defaults: default options for groups that do not set them.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        body = cls.__dict__.get("step", cls.step)
        body = getattr(body, "_step_body", body)
        # every subclass gets its own hooked entry: the hooks then run around steps written
        # by users too, and a wrapper installed on one class's ``step`` (the profiler's) sees
        # every optimizer class, whether or not it overrides step
        cls.step = _with_step_hooks(body)

    def __init__(self, params, defaults):
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._step_depth = 0
        self.defaults = defaults
        _check_flags(type(self).__name__, defaults)
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {_typename(params)}")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        # hooks are not part of the state (as torch): a copy starts without them
        self.__dict__.setdefault("_optimizer_step_pre_hooks", OrderedDict())
        self.__dict__.setdefault("_optimizer_step_post_hooks", OrderedDict())
        self.__dict__.setdefault("_step_depth", 0)

    def __repr__(self):
        out = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += "\n" + f"Parameter Group {i}"
            for key in sorted(group):
                if key != "params":
                    out += "\n" + f"    {key}: {group[key]}"
        return out + "\n)"

    # ---------------------------------------------------------------------------- groups
    def add_param_group(self, param_group):
        """Add a parameter group (a dict with 'params' and optional options).

        Raises:
            TypeError: not a dict, a set of params, or a non-Tensor param.
            ValueError: a non-leaf param, a param already in another group, or a required
                option missing.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list "
                "instead.")
        else:
            param_group["params"] = list(params)
        # torch also accepts (name, tensor) pairs, e.g. model.named_parameters()
        names = [p[0] for p in param_group["params"] if isinstance(p, tuple)]
        if names:
            if len(names) != len(param_group["params"]):
                raise ValueError("all optimizer params should be with/without names. Some "
                                 "param names are missing")
            param_group["params"] = [p[1] for p in param_group["params"]]
            param_group["param_names"] = names
        if self.param_groups and (("param_names" in param_group)
                                  != ("param_names" in self.param_groups[0])):
            raise ValueError("all optimizer param groups should be with/without names.")
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params "
                                "is " + _typename(p))
            if p.grad_fn is not None:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization "
                    f"parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in param_group["params"]]
        if len(ids) != len(set(ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for "
                "more information", UserWarning, stacklevel=3)
        existing = set()
        for group in self.param_groups:
            existing.update(id(p) for p in group["params"])
        if existing & set(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self._validate_group(param_group)
        self.param_groups.append(param_group)

    def _validate_group(self, group):
        """Per-optimizer option checks for groups added later (constructor checks defaults)."""

    # ------------------------------------------------------------------------------ steps
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of every parameter (to None by default, else to zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad._data[...] = 0

    @_with_step_hooks
    def step(self, closure=None):
        """One update of every parameter that has a gradient (the template every optimizer
        shares).

        Per group: ``hp = self._hyperparams(group)``.  Per parameter with a gradient, under
        no_grad: its state (``self._init_state(d, hp)`` when it has none yet), then
        ``g = -g`` if ``maximize``, the group's ``weight_decay`` (``g + wd * d``, or
        ``d *= 1 - lr * wd`` with ``decoupled_weight_decay``), then
        ``self._update(d, g, state, hp)``.

        Args:
            closure: optional callable that re-evaluates the model and returns the loss; it
                runs with gradients enabled, before the update.

        Returns:
            The closure's loss, or None without a closure.
        """
        loss = self._closure(closure)
        with no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return loss

    def _step_group(self, group):
        hp = self._hyperparams(group)
        maximize = bool(group.get("maximize", False))
        wd = float(group.get("weight_decay", 0.0))
        decoupled = wd != 0 and bool(group.get("decoupled_weight_decay", False))
        keep = 1.0 - float(group["lr"]) * wd if decoupled else 1.0
        state = self.state
        for p in group["params"]:
            if p.grad is None:
                continue
            d = p._data
            g = p.grad._data
            st = state.get(p)
            fresh = not st
            if fresh:
                st = self._init_state(d, hp)
            if maximize:
                g = -g
            if decoupled:
                d *= keep
            elif wd != 0:
                g = g + d * wd
            self._update(d, g, st, hp)
            p._bump()  # an in-place write, as torch's: graphs that saved p now refuse backward
            # an optimizer without state for this parameter (SGD without momentum) keeps none
            if fresh and st:
                state[p] = st

    def _hyperparams(self, group):
        """The group's options as ``_update`` reads them, converted once per step.

        Args:
            group: a parameter group (dict).

        Returns:
            Any object; passed unchanged to ``_init_state`` and ``_update``.
        """
        return group

    def _init_state(self, d, hp):
        """The state of a parameter at its first update.

        Args:
            d: the parameter's values (ndarray).
            hp: what ``_hyperparams`` returned for its group.

        Returns:
            A dict of state entries (Tensors in the parameter's dtype; 'step' a float32 0-d
            Tensor, as torch); an empty dict keeps no state unless ``_update`` adds some.
        """
        return {}

    def _update(self, d, g, state, hp):
        """The optimizer's rule: update one parameter in place.

        Args:
            d: the parameter's values (ndarray), to update in place in their dtype.
            g: its gradient (ndarray), ``maximize`` and L2 decay applied; it may be the
                gradient's own array, so never write into it.
            state: the parameter's state dict, updated in place.
            hp: what ``_hyperparams`` returned for its group.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement _update (or override step)")

    def _closure(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def register_step_pre_hook(self, hook):
        """Register a hook run before each ``step()`` of this optimizer.

        Args:
            hook: ``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)``; ``args``
                are step's positional arguments, the optimizer first, and a returned pair
                replaces what step receives.

        Returns:
            A RemovableHandle whose ``remove()`` unregisters the hook.
        """
        return add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """Register a hook run after each ``step()`` of this optimizer.

        Args:
            hook: ``hook(optimizer, args, kwargs) -> None``, with the arguments step received.

        Returns:
            A RemovableHandle whose ``remove()`` unregisters the hook.
        """
        return add_hook(self._optimizer_step_post_hooks, hook)

    # ------------------------------------------------------------------------- state dict
    def state_dict(self):
        """The optimizer state in torch's format.

        Returns:
            ``{'state': {index: {name: value}}, 'param_groups': [{..., 'params': [index]}]}``
            with parameters numbered by their order across groups.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if id(p) not in index:
                    index[id(p)] = len(index)
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state and index[id(p)] not in state:
                    state[index[id(p)]] = self.state[p]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state from ``state_dict()`` (of this library or torch's, converted).

        Validates group count and sizes before changing anything; floating state tensors are
        copied and cast to their parameter's dtype ('step' stays as saved).
        """
        if not isinstance(state_dict, Mapping) or "param_groups" not in state_dict \
                or "state" not in state_dict:
            raise ValueError("optimizer state_dict must be a dict with 'state' and "
                             "'param_groups' entries")
        groups = self.param_groups
        saved_groups = copy.deepcopy(list(state_dict["param_groups"]))
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for g, sg in zip(groups, saved_groups):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group ({len(sg['params'])} saved vs "
                    f"{len(g['params'])} parameters)")
        id_map = {}
        for g, sg in zip(groups, saved_groups):
            for old, p in zip(sg["params"], g["params"]):
                id_map[old] = p
        new_state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                p = id_map[key]
                new_state[p] = {k: self._cast(p, k, v) for k, v in value.items()}
            else:
                new_state[key] = copy.deepcopy(value)
        new_groups = []
        for g, sg in zip(groups, saved_groups):
            sg = dict(sg)
            sg["params"] = g["params"]
            new_groups.append(sg)
        self.state = new_state
        self.param_groups = new_groups

    @staticmethod
    def _cast(param, key, value):
        if _is_torch_tensor(value):      # a torch optimizer's state_dict, passed in directly
            value = _torch_tensor_array(value)
        if isinstance(value, Tensor):
            arr = value._data
            if key != "step" and arr.dtype.kind == "f":
                arr = arr.astype(param._data.dtype)
            else:
                arr = arr.copy()
            return Tensor._make(arr, False, None)
        if isinstance(value, np.ndarray):
            if key != "step" and value.dtype.kind == "f":
                return Tensor._make(value.astype(param._data.dtype), False, None)
            return Tensor._make(value.copy(), False, None)
        if isinstance(value, dict):
            return {k: Optimizer._cast(param, key, v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):   # LBFGS keeps lists of tensors
            return type(value)(Optimizer._cast(param, key, v) for v in value)
        return copy.deepcopy(value)


def _step_tensor():
    # torch keeps 'step' as a float32 0-d tensor; so does tinyconv (state_dicts interchange)
    return Tensor._make(np.zeros((), dtype=np.float32), False, None)


def _zeros_state(d):
    """A state buffer of zeros shaped and typed like the parameter values ``d``."""
    return Tensor._make(np.zeros_like(d), False, None)
