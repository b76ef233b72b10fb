"""Where a training step spends its time: per module (forward and backward) and per category.

    import tinyconv as tc
    with tc.profiler.profile(model) as prof:
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    print(prof.table())

The profile is a user of the package's hook points, nothing more; while it is active:
- an engine ``FunctionHook`` times every op's forward and backward; each recorded graph node
  carries the scope (the modules being called) it was created in, which names the module its
  backward time belongs to;
- a kernel hook (``tinyconv._hooks.add_kernel_hook``) collects the time inside compiled kernels
  and GEMMs by category (im2col, GEMM, col2im, direct conv, winograd transform), which is
  taken out of the ops' own time;
- global module forward hooks (``nn.modules.module.register_module_forward_pre_hook`` /
  ``register_module_forward_hook``) time each module's forward, children included;
- global optimizer step hooks time ``optimizer.step()``.
When no profile is active none of these hooks exist, so the cost is nothing.  Engine hooks
are per thread: ops of other threads are not counted.
"""
from __future__ import annotations

import threading
import time

from ._engine import FunctionHook, add_function_hook, in_backward
from ._hooks import add_kernel_hook
from .nn.module import register_module_forward_hook, register_module_forward_pre_hook
from .optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

__all__ = ["profile", "CATEGORIES"]

_perf = time.perf_counter

CATEGORIES = ("im2col", "GEMM", "col2im", "direct conv", "winograd transform", "conv other",
              "normalization", "pooling", "loss", "elementwise", "layout", "optimizer",
              "python overhead")

# an op's ``category`` -> the table's category for the op's time outside kernels and GEMMs
_OP_TABLE = {"conv": "conv other", "linear": "GEMM", "activation": "elementwise",
             "reduction": "elementwise", "sampling": "layout"}


def op_category(fn):
    """The table category of an op class's own time."""
    cat = getattr(fn, "category", "elementwise")
    return _OP_TABLE.get(cat, cat)


class _Active(threading.local):
    profile = None


_active = _Active()


class _OpTimer(FunctionHook):
    """Times ops for one profile (forward and backward, minus the kernels inside them)."""

    def __init__(self, prof):
        self.prof = prof
        self.starts = []

    def forward_pre(self, fn):
        self.starts.append((_perf(), self.prof._kernel_time))

    def forward_post(self, fn, ctx, out, node):
        t0, k0 = self.starts.pop()
        if not in_backward():  # ops run by a backward count in that node's backward time
            self.prof._op(fn, 0, _perf() - t0, self.prof._kernel_time - k0)

    def backward_pre(self, node, gy):
        self.starts.append((_perf(), self.prof._kernel_time))

    def backward_post(self, node, gy, gxs):
        t0, k0 = self.starts.pop()
        dt = _perf() - t0
        prof = self.prof
        prof._op(node.fn, 1, dt, prof._kernel_time - k0)
        modules = [s for s in node.scope if not isinstance(s, str)]
        if modules:
            prof._row(prof._module_key(modules[-1]))["backward"] += dt


class profile:
    """Context manager recording forward/backward time per module and time per op category.

    Args:
        model: optional root Module; its ``named_modules()`` names the rows (otherwise a
            module is named by its class and the order it was first seen, e.g. ``Conv2d#0``).

    After the block: ``total`` (wall seconds inside the block), ``modules`` (name ->
    {"forward": s, "backward": s, "calls": n}), ``ops`` (op name -> [forward s, backward s,
    calls, kernel s]), ``categories`` (category -> s, with "python overhead" = total minus
    the sum of the others), ``table()``.
    """

    def __init__(self, model=None):
        self._names = {}
        if model is not None:
            for name, m in model.named_modules():
                self._names.setdefault(id(m), name or type(m).__name__)
        self._seen = {}
        self.modules = {}
        self.ops = {}
        self.categories = {}
        self.total = 0.0
        self._kernel_time = 0.0
        self._module_starts = []
        self._step_starts = []
        self._handles = []

    # ---------------------------------------------------------------- bookkeeping
    def _module_key(self, module):
        key = self._names.get(id(module))
        if key is None:
            key = self._seen.get(id(module))
            if key is None:
                cls = type(module).__name__
                n = sum(1 for k in self._seen.values() if k.startswith(cls + "#"))
                key = self._seen[id(module)] = f"{cls}#{n}"
        return key

    def _row(self, key):
        row = self.modules.get(key)
        if row is None:
            row = self.modules[key] = {"forward": 0.0, "backward": 0.0, "calls": 0}
        return row

    def _op(self, fn, which, dt, kernel_dt):
        rec = self.ops.get(fn.__name__)
        if rec is None:
            rec = self.ops[fn.__name__] = [0.0, 0.0, 0, 0.0, op_category(fn)]
        rec[which] += dt
        rec[3] += kernel_dt
        if which == 0:
            rec[2] += 1

    def _kernel(self, category, dt):
        self.categories[category] = self.categories.get(category, 0.0) + dt
        self._kernel_time += dt

    def _module_pre(self, module, args):
        self._module_starts.append(_perf())

    def _module_post(self, module, args, output):
        dt = _perf() - self._module_starts.pop()
        row = self._row(self._module_key(module))
        row["forward"] += dt
        row["calls"] += 1

    def _step_pre(self, optimizer, args, kwargs):
        self._step_starts.append(_perf())

    def _step_post(self, optimizer, args, kwargs):
        dt = _perf() - self._step_starts.pop()
        self.categories["optimizer"] = self.categories.get("optimizer", 0.0) + dt

    # ---------------------------------------------------------------- context manager
    def __enter__(self):
        if _active.profile is not None:
            raise RuntimeError("profiler.profile: a profile is already active in this thread")
        _active.profile = self
        self._handles = [
            add_function_hook(_OpTimer(self)),
            add_kernel_hook(self._kernel),
            register_module_forward_pre_hook(self._module_pre),
            register_module_forward_hook(self._module_post, always_call=True),
            register_optimizer_step_pre_hook(self._step_pre),
            register_optimizer_step_post_hook(self._step_post),
        ]
        self._t0 = _perf()
        return self

    def __exit__(self, *exc):
        self.total += _perf() - self._t0
        for h in self._handles:
            h.remove()
        self._handles = []
        _active.profile = None
        self._finish()
        return False

    def _finish(self):
        cats = self.categories
        for fwd, bwd, _calls, kern, cat in self.ops.values():
            cats[cat] = cats.get(cat, 0.0) + fwd + bwd - kern  # outside kernels and GEMMs
        accounted = sum(v for k, v in cats.items() if k != "python overhead")
        cats["python overhead"] = max(self.total - accounted, 0.0)
        for c in CATEGORIES:
            cats.setdefault(c, 0.0)

    # ---------------------------------------------------------------- report
    def table(self, print_=True):
        """The per-module and per-category tables, sorted by share of the step.

        Args:
            print_: also print the text.

        Returns:
            The table as a string.
        """
        total = self.total or 1e-12
        lines = [f"profile: {self.total * 1e3:.2f} ms in the block",
                 f"{'module':<28}{'calls':>6}{'forward ms':>12}{'backward ms':>13}"
                 f"{'share':>8}"]
        rows = sorted(self.modules.items(), key=lambda kv: -(kv[1]["forward"]
                                                              + kv[1]["backward"]))
        for name, r in rows:
            share = (r["forward"] + r["backward"]) / total
            lines.append(f"{name[:27]:<28}{r['calls']:>6}{r['forward'] * 1e3:>12.3f}"
                         f"{r['backward'] * 1e3:>13.3f}{share:>8.1%}")
        lines.append("(module forward times include their children; backward counts the ops"
                     " created directly inside each module)")
        lines.append(f"{'category':<28}{'ms':>10}{'share':>8}")
        for cat, v in sorted(self.categories.items(), key=lambda kv: -kv[1]):
            lines.append(f"{cat:<28}{v * 1e3:>10.3f}{v / total:>8.1%}")
        text = "\n".join(lines)
        if print_:
            print(text)
        return text
