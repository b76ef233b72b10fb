"""Debugging helpers for porting models between PyTorch and tinyconv.

``compare_with_torch(model, torch_model, x, target)`` copies the torch weights into the
tinyconv model through ``state_dict``, runs both on the same batch with forward hooks on every
module (matched by their dotted names), backpropagates a loss on both sides and reports the
first module whose activation, running statistics or gradient diverges, with the numbers and a
hint for the usual convention traps.

    report = tc.debug.compare_with_torch(model, torch_model, x, y)
    print(report)           # readable summary
    assert report.ok

torch is imported only when the function is called.
"""
from __future__ import annotations

import math

import numpy as np

from .factory import tensor as make_tensor
from .nn import functional as tc_functional
from .tensor import Tensor

__all__ = ["compare_with_torch", "ComparisonReport", "Divergence"]

# hyper-parameters worth comparing between a tinyconv module and its torch counterpart
_ATTRS = ("in_features", "out_features", "in_channels", "out_channels", "kernel_size", "stride",
          "padding", "dilation", "groups", "output_padding", "padding_mode", "ceil_mode",
          "count_include_pad", "divisor_override", "return_indices", "output_size", "momentum",
          "eps", "affine", "track_running_stats", "num_groups", "normalized_shape", "p",
          "negative_slope", "approximate", "dim", "ignore_index", "label_smoothing", "reduction",
          "start_dim", "end_dim", "beta")


class Divergence:
    """One mismatch: where (module name), what (output, grad, buffer...), and the numbers.

    Args:
        module: the module's dotted name ('' for the model).
        kind: 'activation', 'buffer', 'gradient', 'output' or 'loss'.
        what: which quantity (``output``, ``running_mean``, ``weight``...).
        max_abs: the largest absolute error.
        max_rel: the largest relative error.
        shape: the tinyconv array's shape.
        torch_shape: torch's.
        module_type: the module's class name.
        hints: explanations of likely causes.
    """

    def __init__(self, module, kind, what, max_abs, max_rel, shape, torch_shape, module_type,
                 hints=()):
        self.module, self.kind, self.what = module, kind, what
        self.max_abs, self.max_rel = max_abs, max_rel
        self.shape, self.torch_shape = shape, torch_shape
        self.module_type = module_type
        self.hints = list(hints)

    def __str__(self):
        name = self.module or "<model>"
        if self.shape != self.torch_shape:
            nums = f"shape {self.shape} vs torch {self.torch_shape}"
        else:
            nums = f"max abs error {self.max_abs:.3e}, max rel error {self.max_rel:.3e}"
        return f"{self.kind} of {name} ({self.module_type}) {self.what}: {nums}"

    def __repr__(self):
        return f"Divergence({self})"


class ComparisonReport:
    """What ``compare_with_torch`` found (``print(report)`` explains it).

    Args:
        loss: (tinyconv loss, torch loss) as floats.
        divergences: every Divergence found, in execution order.
        hints: hints about known convention traps.
        checked: number of (module, quantity) pairs compared.
        atol: the absolute tolerance used.
        rtol: the relative tolerance used.
        notes: remarks about the comparison (train/eval modes, modules that ran on one side
            only, a forward that raised).

    Attributes:
        ok: True when nothing diverged.
        loss: (tinyconv loss, torch loss) as floats.
        first: the first Divergence in execution order (forward outputs and running statistics
            first, then gradients in backward order), or None.
        divergences: every Divergence found, in that order.
        hints: hints about known convention traps for ``first`` (and global ones).
        checked: number of (module, quantity) pairs compared.
    """

    def __init__(self, loss, divergences, hints, checked, atol, rtol, notes):
        self.loss = loss
        self.divergences = divergences
        self.first = divergences[0] if divergences else None
        self.hints = hints
        self.checked = checked
        self.atol, self.rtol = atol, rtol
        self.notes = notes

    @property
    def ok(self):
        return self.first is None

    def __bool__(self):
        return self.ok

    def __str__(self):
        lines = [f"compare_with_torch: loss tinyconv {self.loss[0]:.8g} vs torch "
                 f"{self.loss[1]:.8g}; "
                 f"{self.checked} quantities compared (atol={self.atol:g}, rtol={self.rtol:g})"]
        if self.ok:
            lines.append("no divergence: every activation, running statistic and gradient matches")
        else:
            lines.append(f"first divergence: {self.first}")
            more = self.divergences[1:6]
            if more:
                lines.append("then:")
                lines += [f"  {d}" for d in more]
                if len(self.divergences) > 6:
                    lines.append(f"  ... {len(self.divergences) - 6} more")
        for n in self.notes:
            lines.append(f"note: {n}")
        for h in self.hints:
            lines.append(f"hint: {h}")
        return "\n".join(lines)

    __repr__ = __str__


def _np(t):
    import torch

    if isinstance(t, Tensor):
        return t._data
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    return np.asarray(t)


def _first_tensor(out, kind):
    import torch

    if isinstance(out, (tuple, list)):
        for o in out:
            r = _first_tensor(o, kind)
            if r is not None:
                return r
        return None
    if kind == "tc" and isinstance(out, Tensor):
        return out
    if kind == "torch" and isinstance(out, torch.Tensor):
        return out
    return None


def _errors(a, e):
    a = np.asarray(a, dtype=np.float64)
    e = np.asarray(e, dtype=np.float64)
    if a.shape != e.shape:
        return math.inf, math.inf
    if a.size == 0:
        return 0.0, 0.0
    d = np.abs(a - e)
    d = np.where(np.isnan(a) & np.isnan(e), 0.0, d)
    if np.isnan(d).any():
        return math.inf, math.inf
    mx = float(d.max())
    scale = float(np.abs(e).max())
    return mx, (mx / scale if scale > 0 else mx)


def _close(a, e, atol, rtol):
    a = np.asarray(a, dtype=np.float64)
    e = np.asarray(e, dtype=np.float64)
    return a.shape == e.shape and bool(np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True))


def _attr_diffs(m, tm):
    diffs = []
    for a in _ATTRS:
        if hasattr(tm, a) and hasattr(m, a):
            va, vb = getattr(m, a), getattr(tm, a)
            if isinstance(va, list):
                va = tuple(va)
            if isinstance(vb, list):
                vb = tuple(vb)
            if isinstance(va, tuple) and isinstance(vb, int):
                vb = (vb,) * len(va)
            if isinstance(vb, tuple) and isinstance(va, int):
                va = (va,) * len(vb)
            if va != vb and not (isinstance(va, float) and isinstance(vb, float)
                                 and math.isclose(va, vb)):
                diffs.append((a, va, vb))
        elif hasattr(tm, a) != hasattr(m, a) and a in ("ceil_mode", "momentum", "p"):
            diffs.append((a, getattr(m, a, "<missing>"), getattr(tm, a, "<missing>")))
    return diffs


def _hints(div, m, tm, training):
    """Hints for the known convention traps, given the module pair that diverged."""
    hints = []
    tname = type(tm).__name__ if tm is not None else ""
    for a, va, vb in (_attr_diffs(m, tm) if (m is not None and tm is not None) else []):
        hints.append(f"{div.module}: {a} is {va!r} in tinyconv but {vb!r} in torch")
    if "BatchNorm" in tname or "InstanceNorm" in tname:
        hints.append(
            "BatchNorm momentum: both use running = (1 - momentum) * running + momentum * batch "
            "with momentum=0.1 by default (Keras/TF call 0.9 'momentum' for the same thing); "
            "running_var is updated with the UNBIASED batch variance (n / (n - 1)) while the "
            "forward normalises with the biased one; eps=1e-5 (Keras 1e-3); "
            "momentum=None means a cumulative average")
    if "Dropout" in tname:
        hints.append(
            "dropout: p is the probability of ZEROING an element (torch), not of keeping it "
            "(the old TF keep_prob); survivors are scaled by 1/(1-p); masks are random, so compare "
            "in eval() mode or with p=0")
    if "Pool" in tname:
        hints.append(
            "pooling: ceil_mode=True adds a last window when it starts inside the (left-padded) "
            "input, so output sizes differ by one; avg_pool2d count_include_pad=True (default) "
            "divides by the padded window size; stride defaults to kernel_size")
    if "Linear" in tname or "Conv" in tname:
        hints.append(
            "weight layout: Linear.weight is (out_features, in_features) and y = x @ W.T + b; "
            "Conv2d.weight is (out_channels, in_channels/groups, kH, kW) and ConvTranspose2d's is "
            "(in_channels, out_channels/groups, kH, kW); weights stored (in, out) (Keras/JAX "
            "style) must be transposed, and a square weight will not fail a shape check")
    if "Loss" in tname or div.kind == "loss":
        hints.append(
            "loss conventions: cross_entropy takes raw logits (not softmax output) and class "
            "indices; ignore_index defaults to -100 (targets equal to it are skipped and "
            "excluded from the mean); label_smoothing=0.0; reduction='mean' divides by the "
            "summed class weights of the non-ignored targets")
    if not hints:
        hints.append("no known convention trap for this module type; compare its forward code "
                     "with torch's documentation (and the inputs it receives)")
    return hints


def _to_loss(loss_fn, side):
    """(output, target) -> scalar, for side 'tc' or 'torch'."""
    if side == "tc":
        F = tc_functional
    else:
        import torch.nn.functional as F
    if loss_fn is None:
        loss_fn = "cross_entropy"
    if isinstance(loss_fn, str):
        fn = getattr(F, loss_fn)
        return lambda out, target: fn(out, target)
    if isinstance(loss_fn, (tuple, list)):
        return loss_fn[0] if side == "tc" else loss_fn[1]
    if callable(loss_fn):
        return loss_fn
    raise TypeError(f"compare_with_torch: loss_fn must be None, a name of a functional loss, a "
                    f"callable or a (tinyconv_fn, torch_fn) pair, got {type(loss_fn).__name__}")


def compare_with_torch(model, torch_model, x, target, loss_fn=None, atol=None, rtol=None,
                       copy_weights=True):
    """Run a tinyconv model and its torch twin on one batch and report where they diverge.

    Args:
        model: the tinyconv ``nn.Module``.
        torch_model: the ``torch.nn.Module`` it should reproduce (same submodule names).
        x: the input batch (NumPy array, tinyconv Tensor or torch Tensor); cast to the torch
            model's parameter dtype.
        target: the target (class indices for cross-entropy), any of the same types.
        loss_fn: None (cross-entropy), the name of a loss in ``nn.functional`` (``"mse_loss"``),
            a callable ``(output, target) -> scalar`` valid on both sides (e.g. tensor
            arithmetic), or a pair ``(tinyconv_fn, torch_fn)``.
        atol: ``allclose``'s absolute tolerance; default 1e-5 for float32, 1e-9 for float64.
        rtol: ``allclose``'s relative tolerance; default 1e-4 for float32, 1e-7 for float64.
        copy_weights: copy ``torch_model.state_dict()`` into ``model`` first (default True).

    Returns:
        a ComparisonReport; ``report.ok`` is False when something diverged, ``report.first``
        names the first module (forward order, then backward order), and ``str(report)``
        explains it with hints.

    Both models run in the mode they are in (train/eval); the tinyconv model's parameter
    gradients are overwritten.
    """
    import torch

    if not hasattr(model, "named_modules") or not hasattr(model, "state_dict"):
        raise TypeError(f"compare_with_torch: model must be a tinyconv nn.Module, got "
                        f"{type(model).__name__}")
    if not isinstance(torch_model, torch.nn.Module):
        raise TypeError(f"compare_with_torch: torch_model must be a torch.nn.Module, got "
                        f"{type(torch_model).__name__}")
    tparams = list(torch_model.parameters())
    tdtype = tparams[0].dtype if tparams else torch.get_default_dtype()
    npdtype = np.dtype(str(tdtype).replace("torch.", ""))
    if atol is None:
        atol = 1e-9 if npdtype == np.float64 else 1e-5
    if rtol is None:
        rtol = 1e-7 if npdtype == np.float64 else 1e-4
    notes = []

    if copy_weights:
        sd = {k: v.detach().cpu().numpy().copy() for k, v in torch_model.state_dict().items()}
        try:
            model.load_state_dict(sd)
        except RuntimeError as e:
            raise RuntimeError(
                f"compare_with_torch: torch's state_dict does not load into the tinyconv model "
                f"(names and shapes must match; weight layout: Linear is (out, in), Conv2d is "
                f"(out, in/groups, kH, kW)):\n{e}") from e
    if model.training != torch_model.training:
        notes.append(f"the tinyconv model is in {'train' if model.training else 'eval'} mode and "
                     f"the torch model in {'train' if torch_model.training else 'eval'} mode")

    xa = _np(x).astype(npdtype) if np.asarray(_np(x)).dtype.kind == "f" else _np(x)
    ta = _np(target)
    if ta.dtype.kind == "f":
        ta = ta.astype(npdtype)

    tc_mods = dict(model.named_modules())
    th_mods = dict(torch_model.named_modules())
    order, tc_out, th_out = [], {}, {}
    handles = []
    failed = None

    def recorder(store, lib, order=None):
        """A forward-hook factory keeping each module's first output (its gradient retained)
        in ``store``, and the call order in ``order``."""
        def make(name):
            def hook(mod, args, out):
                t = _first_tensor(out, lib)
                if t is None:
                    return
                if t.requires_grad:
                    t.retain_grad()
                if name not in store:
                    if order is not None:
                        order.append(name)
                    store[name] = t
            return hook
        return make

    tc_hook, th_hook = recorder(tc_out, "tc"), recorder(th_out, "torch", order)

    for name, m in tc_mods.items():
        if name:
            handles.append(m.register_forward_hook(tc_hook(name)))
    th_handles = [m.register_forward_hook(th_hook(name))
                  for name, m in th_mods.items() if name]
    try:
        tx = make_tensor(xa.copy())
        thx = torch.tensor(xa.copy())
        model.zero_grad()
        torch_model.zero_grad()
        tout = torch_model(thx)
        tloss = _to_loss(loss_fn, "torch")(tout, torch.tensor(ta.copy()))
        tloss.backward()
        try:
            out = model(tx)
        except Exception as e:  # report what ran before it; re-raised below if nothing diverged
            failed = e
        else:
            loss = _to_loss(loss_fn, "tc")(out, make_tensor(ta.copy()))
            loss.backward()
    finally:
        for h in handles + th_handles:
            h.remove()

    divs, checked = [], 0

    def check(name, kind, what, a, e):
        nonlocal checked
        checked += 1
        a, e = np.asarray(a), np.asarray(e)
        if _close(a, e, atol, rtol):
            return
        mx, rel = _errors(a, e)
        m, tm = tc_mods.get(name), th_mods.get(name)
        d = Divergence(name, kind, what, mx, rel, a.shape, e.shape,
                       type(tm).__name__ if tm is not None else type(model).__name__)
        d.hints = _hints(d, m, tm, model.training)
        divs.append(d)

    # forward, in torch's execution order (hooks fire innermost first), then the buffers
    for name in order:
        if name not in tc_out:
            notes.append(f"module {name!r} ran in torch but not in tinyconv")
            continue
        check(name, "activation", "output", tc_out[name]._data, _np(th_out[name]))
        m, tm = tc_mods.get(name), th_mods.get(name)
        if m is not None:
            tbufs = dict(tm.named_buffers(recurse=False))
            for bname, b in m.named_buffers(recurse=False):
                if bname in tbufs:
                    check(name, "buffer", bname, b._data, _np(tbufs[bname]))
    if failed is not None:
        if not divs:
            raise failed
        notes.append(f"the tinyconv forward raised {type(failed).__name__}: {failed}")
        return ComparisonReport((math.nan, float(_np(tloss))), divs, list(divs[0].hints),
                                checked, atol, rtol, notes)
    check("", "output", "model output", out._data, _np(tout))
    check("", "loss", "loss", loss._data, _np(tloss))
    # backward: output gradients in reverse execution order, with each module's own parameters
    for name in reversed(order):
        if name in tc_out and th_out[name].grad is not None:
            g = tc_out[name].grad
            check(name, "gradient", "d loss / d output",
                  _np(g) if g is not None else np.zeros(tc_out[name].shape),
                  _np(th_out[name].grad))
        m, tm = tc_mods.get(name), th_mods.get(name)
        if m is not None and tm is not None:
            tps = dict(tm.named_parameters(recurse=False))
            for pname, p in m.named_parameters(recurse=False):
                tp = tps.get(pname)
                if tp is not None and tp.grad is not None:
                    g = _np(p.grad) if p.grad is not None else np.zeros(p.shape, p.dtype)
                    check(name, "gradient", f"d loss / d {pname}", g, _np(tp.grad))

    hints = []
    if divs:
        first = divs[0]
        hints = list(first.hints)
        if first.kind == "loss":
            hints = _hints(first, None, None, model.training)
    return ComparisonReport((float(loss._data), float(_np(tloss))), divs, hints, checked,
                            atol, rtol, notes)
