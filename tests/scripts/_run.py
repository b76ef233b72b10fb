"""Run one example program with the same initial weights under torch and tinyconv.

    python _run.py PROGRAM [ARGS...]

Called by ``tests/test_torch_scripts.py``; the program itself is not edited (its tinyconv copy
has only its import lines rewritten). Before running it as ``__main__`` this installs a global
module forward pre-hook (torch's ``register_module_forward_pre_hook``, tinyconv's twin): on
the first forward of each of the first ``SCRIPT_MODELS`` models (outermost modules with
parameters, in the order they first run) it either saves the model's state dict
(``SCRIPT_WEIGHTS_MODE=record``, the torch run) or loads the one the torch run saved
(``load``, the tinyconv run). Random initialisation differs between the libraries; this makes
both runs start from torch's weights. What it did is written to ``hooked.json``.

Environment: ``SCRIPT_LIB`` (torch | tinyconv), ``SCRIPT_WEIGHTS`` (directory of
``weights_<i>.pt``), ``SCRIPT_WEIGHTS_MODE``, ``SCRIPT_MODELS``.
"""
import json
import os
import runpy
import sys


def _library():
    if os.environ["SCRIPT_LIB"] == "torch":
        import torch
        from torch.nn.modules.module import register_module_forward_pre_hook
        return torch, register_module_forward_pre_hook
    import tinyconv
    from tinyconv.nn.module import register_module_forward_pre_hook
    return tinyconv, register_module_forward_pre_hook


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


def main():
    program, *argv = sys.argv[1:]
    lib, register = _library()
    log = []
    count = int(os.environ.get("SCRIPT_MODELS", "0"))
    if count:
        install_weight_hook(lib, register, os.environ["SCRIPT_WEIGHTS_MODE"],
                            os.environ["SCRIPT_WEIGHTS"], count, log)
    sys.argv = [program, *argv]
    try:
        runpy.run_path(program, run_name="__main__")
    finally:
        with open("hooked.json", "w") as f:
            json.dump(log, f)


if __name__ == "__main__":
    main()
