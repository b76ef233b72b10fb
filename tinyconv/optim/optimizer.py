"""Optimizer base class: param groups, per-parameter state, state_dict in torch's format.

State is keyed by the parameter object (never its list position), so adding groups or
reordering does not mix up moment buffers; ``state_dict()`` numbers the parameters by their
order across groups, exactly as torch does, so checkpoints move between the two libraries.
Updates are in-place ndarray arithmetic under no_grad, in each parameter's dtype.
"""
from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from ..tensor import Tensor

__all__ = ["Optimizer", "required"]


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


class Optimizer:
    """Base class of every optimizer.

    Args:
        params: an iterable of Tensors, or of dicts defining parameter groups (each with a
            'params' entry and optional per-group options).
        defaults: default options for groups that do not set them.
    """

    def __init__(self, params, defaults):
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
                        p.grad.data[...] = 0

    def step(self, closure=None):  # pragma: no cover - abstract
        raise NotImplementedError

    def _closure(self, closure):
        if closure is None:
            return None
        from ..autograd import enable_grad

        with enable_grad():
            return closure()

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
        if isinstance(value, Tensor):
            arr = value.data
            if key != "step" and arr.dtype.kind == "f":
                arr = arr.astype(param.data.dtype)
            else:
                arr = arr.copy()
            return Tensor._make(arr, False, None)
        if isinstance(value, np.ndarray):
            if key != "step" and value.dtype.kind == "f":
                return Tensor._make(value.astype(param.data.dtype), False, None)
            return Tensor._make(value.copy(), False, None)
        if isinstance(value, dict):
            return {k: Optimizer._cast(param, key, v) for k, v in value.items()}
        return copy.deepcopy(value)


def _params_with_grad(group):
    """(param, grad array) pairs of a group, skipping parameters without a gradient."""
    out = []
    for p in group["params"]:
        if p.grad is not None:
            out.append((p, p.grad.data))
    return out


def _step_tensor():
    # torch keeps 'step' as a float32 0-d tensor; so does tinyconv (state_dicts interchange)
    return Tensor._make(np.zeros((), dtype=np.float32), False, None)
