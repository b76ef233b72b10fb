"""Where a training step spends its time: per module (forward and backward) and per op category.

    import tinyconv as tc
    with tc.profiler.profile(model) as prof:
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    print(prof.table())

How it measures, at no cost when no profile is active:
- forward per module: ``Module.__call__`` checks one flag (``autograd._mode.profiler``) and, when
  a profile is active, times the call (inclusive of its children) and keeps a module stack;
- backward per module: every graph Node created while a profile is active is tagged with the
  innermost module that was running (``Node.prof``); the engine times ``fn.backward`` of tagged
  nodes (one attribute check per node when off);
- per op: ``Function.apply`` is swapped for a timing wrapper while the profile is active, and the
  convolution modules' kernel and GEMM entry points are wrapped the same way, so time inside a
  convolution splits into im2col, GEMM, col2im, direct kernels and Winograd transforms.
"""
from __future__ import annotations

import time
import types

import numpy as np

from . import autograd
from .autograd import Function

__all__ = ["profile", "CATEGORIES"]

_perf = time.perf_counter

# op (Function class) name -> category
_NORM = {"BatchNorm", "GroupNorm", "LayerNorm", "_SyncBatchNormFn"}
_POOL = {"MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "MaxUnpool2d"}
_GEMM = {"MatMul", "Linear"}
_LOSS = {"CrossEntropy", "CrossEntropyProbs", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss",
         "BCEWithLogits", "LogSoftmax", "Softmax"}
_CONV = {"Conv2d", "ConvTranspose2d"}
_LAYOUT = {"Reshape", "Permute", "Expand", "Contiguous", "Cat", "Stack", "GetItem", "Pad",
           "Unfold", "Fold", "Cast"}

CATEGORIES = ("im2col", "GEMM", "col2im", "direct conv", "winograd transform", "conv other",
              "normalization", "pooling", "loss", "elementwise", "layout", "optimizer",
              "python overhead")

# kernel entry points (module attribute name -> category) wrapped while profiling
_KERNEL_CATS = {
    "im2col": "im2col", "col2im": "col2im",
    "conv_direct": "direct conv", "conv_direct_grad_input": "direct conv",
    "conv_direct_grad_weight": "direct conv",
    "conv_small": "direct conv", "conv_small_grad_weight": "direct conv",
}


def op_category(name):
    """The category an op (Function class name) is counted in."""
    if name in _CONV:
        return "conv other"
    if name in _NORM:
        return "normalization"
    if name in _POOL:
        return "pooling"
    if name in _GEMM:
        return "GEMM"
    if name in _LOSS:
        return "loss"
    if name in _LAYOUT:
        return "layout"
    return "elementwise"


class _Timed:
    """Proxy of a module whose listed functions are timed into a profile's kernel counters."""

    def __init__(self, target, prof, cats):
        self._target = target
        for attr, cat in cats.items():
            fn = getattr(target, attr, None)
            if fn is not None:
                setattr(self, attr, prof._kernel_timer(fn, cat))

    def __getattr__(self, name):
        return getattr(self._target, name)


class profile:
    """Context manager recording forward/backward time per module and time per op category.

    Args:
        model: optional root Module; its ``named_modules()`` names the rows (otherwise a
            module is named by its class and the order it was first seen, e.g. ``Conv2d#0``).

    After the block: ``total`` (wall seconds inside the block), ``modules`` (name ->
    {"forward": s, "backward": s, "calls": n}), ``categories`` (category -> s, with
    "python overhead" = total minus the sum of the others), ``table()``.
    """

    def __init__(self, model=None):
        self._names = {}
        if model is not None:
            for name, m in model.named_modules():
                self._names.setdefault(id(m), name or type(m).__name__)
        self._seen = {}
        self.modules = {}
        self.ops = {}  # op name -> [forward s, backward s, calls]
        self.categories = {}
        self.total = 0.0
        self._stack = []
        self._kernel_time = 0.0
        self._active = False
        self._saved = []

    # ---------------------------------------------------------------- hooks (called when on)
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

    def call_module(self, module, args, kwargs):
        """Run ``module._call_impl`` timed (used by ``Module.__call__``)."""
        key = self._module_key(module)
        self._stack.append(key)
        t0 = _perf()
        try:
            return module._call_impl(*args, **kwargs)
        finally:
            dt = _perf() - t0
            self._stack.pop()
            row = self._row(key)
            row["forward"] += dt
            row["calls"] += 1

    def run_backward(self, node, ctx, gy):
        """Run ``node.fn.backward`` timed (used by the autograd engine for tagged nodes)."""
        k0 = self._kernel_time
        t0 = _perf()
        gxs = node.fn.backward(ctx, gy)
        dt = _perf() - t0
        self._op(node.fn.__name__, 1, dt, self._kernel_time - k0)
        if node.prof:
            self._row(node.prof)["backward"] += dt
        return gxs

    def _op(self, name, which, dt, kernel_dt):
        rec = self.ops.get(name)
        if rec is None:
            rec = self.ops[name] = [0.0, 0.0, 0, 0.0]
        rec[which] += dt
        rec[3] += kernel_dt
        if which == 0:
            rec[2] += 1

    def _kernel_timer(self, fn, cat):
        cats = self.categories

        def timed(*args, **kwargs):
            t0 = _perf()
            try:
                return fn(*args, **kwargs)
            finally:
                dt = _perf() - t0
                cats[cat] = cats.get(cat, 0.0) + dt
                self._kernel_time += dt

        return timed

    def _apply(self, orig):
        prof = self

        def apply(cls, *inputs, **params):
            k0 = prof._kernel_time
            t0 = _perf()
            out = orig.__func__(cls, *inputs, **params)
            dt = _perf() - t0
            prof._op(cls.__name__, 0, dt, prof._kernel_time - k0)
            y = out[0] if type(out) is tuple else out
            node = getattr(y, "grad_fn", None)
            if node is not None and node.fn is cls:
                node.prof = prof._stack[-1] if prof._stack else ""
            return out

        return classmethod(apply)

    # ---------------------------------------------------------------- context manager
    def __enter__(self):
        if autograd._mode.profiler is not None:
            raise RuntimeError("profiler.profile: a profile is already active in this thread")
        from .ops import conv, winograd
        from .optim import optimizer

        self._saved = [(Function, "apply", Function.__dict__["apply"])]
        Function.apply = self._apply(Function.__dict__["apply"])
        # GEMMs inside the convolution paths, and its kernels
        np_proxy = types.SimpleNamespace()
        np_proxy.__dict__.update({k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
        np_proxy.matmul = self._kernel_timer(np.matmul, "GEMM")
        for mod in (conv, winograd):
            self._saved.append((mod, "np", mod.np))
            mod.np = np_proxy
        self._saved.append((conv, "_kernels", conv._kernels))
        conv._kernels = _Timed(conv._kernels, self, _KERNEL_CATS)
        wk = winograd._ext
        wcats = {a: "winograd transform" for a in dir(wk) if a.startswith("winograd_")}
        self._saved.append((winograd, "_ext", wk))
        winograd._ext = _Timed(wk, self, wcats)
        # the optimizer step (every optimizer's step goes through Optimizer.__init_subclass__
        # or a plain method; time it by wrapping each subclass's step while active)
        self._wrap_optimizers(optimizer)
        self._active = True
        autograd._mode.profiler = self
        self._t0 = _perf()
        return self

    def _wrap_optimizers(self, optimizer):
        base = optimizer.Optimizer
        todo = list(base.__subclasses__())
        seen = set()
        while todo:
            cls = todo.pop()
            if cls in seen:
                continue
            seen.add(cls)
            todo.extend(cls.__subclasses__())
            step = cls.__dict__.get("step")
            if step is None:
                continue
            self._saved.append((cls, "step", step))
            setattr(cls, "step", self._timed_step(step))

    def _timed_step(self, step):
        cats = self.categories

        def timed(opt, *args, **kwargs):
            t0 = _perf()
            try:
                return step(opt, *args, **kwargs)
            finally:
                cats["optimizer"] = cats.get("optimizer", 0.0) + (_perf() - t0)

        timed.__wrapped__ = step
        return timed

    def __exit__(self, *exc):
        self.total += _perf() - self._t0
        autograd._mode.profiler = None
        self._active = False
        for obj, attr, val in reversed(self._saved):
            setattr(obj, attr, val)
        self._saved = []
        self._finish()
        return False

    def _finish(self):
        cats = self.categories
        for name, (fwd, bwd, _calls, kern) in self.ops.items():
            cat = op_category(name)
            rest = fwd + bwd - kern  # the op's time outside wrapped kernels/GEMMs
            cats[cat] = cats.get(cat, 0.0) + rest
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
        leaf = {k: v for k, v in self.modules.items()}
        rows = sorted(leaf.items(), key=lambda kv: -(kv[1]["forward"] + kv[1]["backward"]))
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
