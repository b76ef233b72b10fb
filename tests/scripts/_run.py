"""Run one example program with the same initial weights (and, on request, the same random
draws) under torch and tinyconv.

    python _run.py PROGRAM [ARGS...]

Called by ``tests/test_torch_scripts.py``; the program itself is not edited (its tinyconv copy
has only its import lines rewritten). Before running it as ``__main__`` this installs a global
module forward pre-hook (torch's ``register_module_forward_pre_hook``, tinyconv's twin): on
the first forward of each of the first ``SCRIPT_MODELS`` models (outermost modules with
parameters, in the order they first run) it either saves the model's state dict
(``SCRIPT_WEIGHTS_MODE=record``, the torch run) or loads the one the torch run saved
(``load``, the tinyconv run). Random initialisation differs between the libraries; this makes
both runs start from torch's weights. What it did is written to ``hooked.json``.

Random draws the weight hook cannot reach can be shared the same way, from outside the
program, when ``SCRIPT_REPLAY`` names them (comma-separated; the record run saves them, the
load run replays them in order, checking each shape, and fails if it runs out):

- ``randn``: the values of ``torch.randn(...)`` calls made by the program's own code (not by
  the library). The load run calls the library's ``randn`` as the program asked (shape, dtype,
  device, requires_grad) and then copies torch's values into the result. For programs that
  build weights with ``torch.randn`` rather than with modules (the CS231n barebones network).
- ``dropout``: the masks of ``nn.Dropout`` modules run in training mode. The record run reads
  torch's mask from the output (``output != 0``; where the input is 0 the mask cannot be read
  and counts as dropped, which changes nothing when that input comes out of a ReLU or a max
  of ReLUs, as in the MNIST network: the gradient there is 0 either way). The load run lets
  tinyconv's own dropout (threshold, 1/(1-p) scaling, backward) run on that mask: during the
  module's forward the package generator is swapped for one whose ``random(shape)`` returns
  the mask (1 kept, 0 dropped), and swapped back after.

How many draws of each kind were recorded or replayed is written to ``replayed.json``.

Environment: ``SCRIPT_LIB`` (torch | tinyconv), ``SCRIPT_WEIGHTS`` (directory of
``weights_<i>.pt`` and the recorded draws ``<kind>_<run>.npz``), ``SCRIPT_WEIGHTS_MODE``,
``SCRIPT_MODELS``, ``SCRIPT_REPLAY`` (default none), ``SCRIPT_RUN`` (the run's index, default 0).
"""
import json
import os
import runpy
import sys

import numpy as np


def _library():
    if os.environ["SCRIPT_LIB"] == "torch":
        import torch
        from torch.nn.modules.module import (register_module_forward_hook,
                                             register_module_forward_pre_hook)
        return torch, register_module_forward_pre_hook, register_module_forward_hook
    import tinyconv
    from tinyconv.nn.module import register_module_forward_hook, register_module_forward_pre_hook
    return tinyconv, register_module_forward_pre_hook, register_module_forward_hook


def install_weight_hook(lib, register, mode, directory, count, log):
    """Register the hook described in the module docstring; ``log`` collects what it did."""
    seen = []   # models met so far (kept alive, so their ids stay unique)
    inside = set()

    def hook(module, args):
        if id(module) in inside:
            return None
        seen.append(module)
        inside.update(id(m) for m in module.modules())
        if len(log) >= count or next(module.parameters(), None) is None:
            return None
        path = os.path.join(directory, f"weights_{len(log)}.pt")
        if mode == "record":
            lib.save(module.state_dict(), path)
        else:
            module.load_state_dict(lib.load(path))
        log.append(type(module).__name__)
        return None

    return register(hook)


class Draws:
    """The recorded draws of one kind: ``add`` (record) or ``next`` (replay), in order."""

    def __init__(self, kind, path, mode):
        self.kind, self.path, self.mode = kind, path, mode
        self.arrays, self.used = [], 0
        if mode == "load":
            with np.load(path) as f:
                self.arrays = [f[f"a{i}"] for i in range(len(f.files))]

    def add(self, array):
        self.arrays.append(np.array(array))
        self.used += 1

    def next(self, shape):
        if self.used >= len(self.arrays):
            raise AssertionError(f"replay: the program draws more {self.kind} values than the "
                                 f"torch run did ({len(self.arrays)})")
        array = self.arrays[self.used]
        if array.shape != tuple(shape):
            raise AssertionError(f"replay: {self.kind} draw {self.used} has shape "
                                 f"{tuple(shape)}, the torch run's {array.shape}")
        self.used += 1
        return array

    def save(self):
        if self.mode == "record":
            np.savez_compressed(self.path, **{f"a{i}": a for i, a in enumerate(self.arrays)})


def install_randn(lib, program, draws):
    """Record or replay ``lib.randn`` calls whose caller is ``program``'s code."""
    real = lib.randn
    program = os.path.realpath(program)

    def randn(*args, **kwargs):
        out = real(*args, **kwargs)
        if os.path.realpath(sys._getframe(1).f_code.co_filename) != program:
            return out
        if draws.mode == "record":
            draws.add(out.detach().numpy())
        else:
            values = draws.next(tuple(out.shape))
            with lib.no_grad():
                out.copy_(lib.from_numpy(values))
        return out

    lib.randn = randn


class _MaskGenerator:
    """Stands in for tinyconv's package generator during one dropout: ``random`` gives the
    recorded mask as 1.0 (kept) / 0.0 (dropped); any other draw is an error."""

    def __init__(self, mask):
        self.mask, self.drawn = mask, False

    def random(self, size=None, dtype=np.float64, out=None):
        if self.drawn or out is not None or tuple(size) != self.mask.shape:
            raise AssertionError(f"replay: dropout drew random({size}) once more or with "
                                 f"another shape than the mask {self.mask.shape}")
        self.drawn = True
        return self.mask.astype(dtype)

    def __getattr__(self, name):
        raise AssertionError(f"replay: dropout drew with Generator.{name}; the replay only "
                             f"knows random()")


def install_dropout(lib, register_pre, register_post, draws):
    """Record torch's dropout masks or replay them through tinyconv's dropout."""

    def active(module):
        return type(module) is lib.nn.Dropout and module.training and 0.0 < module.p < 1.0

    if draws.mode == "record":
        def post(module, args, output):
            if active(module):
                draws.add((output.detach() != 0).numpy())
        return register_post(post)

    from tinyconv import _random
    saved = []

    def pre(module, args):
        if active(module):
            generator = _MaskGenerator(draws.next(tuple(args[0].shape)))
            saved.append((_random._state["rng"], generator))
            _random._state["rng"] = generator

    def post(module, args, output):
        if active(module):
            rng, generator = saved.pop()
            _random._state["rng"] = rng
            if not generator.drawn:
                raise AssertionError("replay: tinyconv's dropout did not draw its mask")

    return register_pre(pre), register_post(post)


def main():
    program, *argv = sys.argv[1:]
    lib, register_pre, register_post = _library()
    log = []
    count = int(os.environ.get("SCRIPT_MODELS", "0"))
    mode = os.environ.get("SCRIPT_WEIGHTS_MODE", "record")
    if count:
        install_weight_hook(lib, register_pre, mode, os.environ["SCRIPT_WEIGHTS"], count, log)
    draws = {}
    for kind in filter(None, os.environ.get("SCRIPT_REPLAY", "").split(",")):
        path = os.path.join(os.environ["SCRIPT_WEIGHTS"],
                            f"{kind}_{os.environ.get('SCRIPT_RUN', '0')}.npz")
        draws[kind] = Draws(kind, path, mode)
        if kind == "randn":
            install_randn(lib, program, draws[kind])
        elif kind == "dropout":
            install_dropout(lib, register_pre, register_post, draws[kind])
        else:
            raise ValueError(f"SCRIPT_REPLAY: unknown kind {kind!r}")
    sys.argv = [program, *argv]
    try:
        runpy.run_path(program, run_name="__main__")
    finally:
        with open("hooked.json", "w") as f:
            json.dump(log, f)
        for d in draws.values():
            d.save()
        with open("replayed.json", "w") as f:
            json.dump({kind: d.used for kind, d in draws.items()}, f)


if __name__ == "__main__":
    main()
