"""float32 accuracy against float64, tinyconv vs torch: per layer and for the whole model.

    python benchmarks/accuracy.py                          # default models, default settings
    python benchmarks/accuracy.py --models minivgg-32 --seeds 5 --batch 8
    python benchmarks/accuracy.py --variants default,wino-f32,no-wino --summary

For each model and seed: a tinyconv model and its torch twin with the same float32 weights take
one training step's forward and backward (train mode, dropout off, cross-entropy) in float32,
and each framework repeats it in float64 from the same weights and input.  A tensor's deviation
is ``rms(t32 - t64) / rms(t64)`` against the same framework's float64 run; it is reported for
every conv / linear / batch-norm output, every parameter gradient, the logits and all gradients
together, with the ratio tinyconv / torch (the issue's "float32 deviation ratio", <= 1.5 is the
target).  ``flips`` counts ReLU inputs whose sign differs between the float32 and float64 runs.
The numbers are medians over seeds.  Variants are ``tinyconv.backends.conv`` settings:
``default``, ``wino-f32`` (winograd_precision="float32"), ``no-wino`` (winograd=False).

``deviations()`` is the library function ``benchmarks/zoo.py`` uses.
"""
import argparse
import copy
import os
import statistics
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))  # this checkout's tinyconv

import tinyconv as tc  # noqa: E402
from harness import format_table, machine_line  # noqa: E402

VARIANTS = {"default": {}, "wino-f32": {"winograd_precision": "float32"},
            "no-wino": {"winograd": False}}
_RECORDED = ("Conv2d", "Linear", "BatchNorm2d", "BatchNorm1d")


def rel_rms(a, ref):
    """rms(a - ref) / rms(ref) in float64 (0 where ref is all zero and a equals it)."""
    a = np.asarray(a, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    den = float(np.sqrt(np.mean(ref * ref))) if ref.size else 0.0
    num = float(np.sqrt(np.mean((a - ref) ** 2))) if ref.size else 0.0
    return num / den if den > 0 else num


def _to_numpy(t):
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    return t.detach().numpy()


def _run(model, x, y, lib):
    """(logits, {layer: output}, {relu: input}, {param: grad}) of one forward/backward."""
    outs, relu_in, hooks = {}, {}, []
    for name, mod in model.named_modules():
        kind = type(mod).__name__
        if kind in _RECORDED:
            hooks.append(mod.register_forward_hook(
                lambda m, a, o, name=name: outs.__setitem__(name, _to_numpy(o))))
        elif kind == "ReLU":
            hooks.append(mod.register_forward_hook(
                lambda m, a, o, name=name: relu_in.__setitem__(name, _to_numpy(a[0]))))
    try:
        out = model(x)
        if lib is torch:
            torch.nn.functional.cross_entropy(out, y).backward()
        else:
            tc.nn.functional.cross_entropy(out, y).backward()
    finally:
        for h in hooks:
            h.remove()
    grads = {k: _to_numpy(p.grad) for k, p in model.named_parameters() if p.grad is not None}
    return _to_numpy(out), outs, relu_in, grads


def _no_dropout(*models):
    for m in models:
        for mod in m.modules():
            if type(mod).__name__ == "Dropout":
                mod.p = 0.0


def deviations(make_tc, make_torch, copy_state, input_shape, batch=8, seed=0, train=True):
    """One seed: {"layers": [(name, tc dev, torch dev)], "grads": [...], "logits": (tc, torch),
    "all_grads": (tc, torch), "flips": (tc, torch)} of float32 against float64."""
    tc.manual_seed(seed)
    torch.manual_seed(seed)
    m32, t32 = make_tc(), make_torch()
    copy_state(m32, t32)
    m64 = make_tc()
    m64.load_state_dict(m32.state_dict())
    m64.double()
    t64 = copy.deepcopy(t32).double()
    models = (m32, m64, t32, t64)
    _no_dropout(*models)
    for m in models:
        m.train(train)
    rng = np.random.default_rng(1000 + seed)
    xn = rng.standard_normal((batch,) + tuple(input_shape)).astype(np.float32)
    yn = rng.integers(0, 10, batch)
    runs = {
        "tc32": _run(m32, tc.tensor(xn), tc.tensor(yn), tc),
        "tc64": _run(m64, tc.tensor(xn.astype(np.float64)), tc.tensor(yn), tc),
        "t32": _run(t32, torch.tensor(xn), torch.tensor(yn), torch),
        "t64": _run(t64, torch.tensor(xn, dtype=torch.float64), torch.tensor(yn), torch),
    }

    def pair(index, key=None):
        a = (runs["tc32"][index], runs["tc64"][index], runs["t32"][index], runs["t64"][index])
        if key is not None:
            a = tuple(r[key] for r in a)
        return rel_rms(a[0], a[1]), rel_rms(a[2], a[3])

    layers = [(k,) + pair(1, k) for k in runs["tc32"][1] if k in runs["t32"][1]]
    grads = [(k,) + pair(3, k) for k in runs["tc32"][3] if k in runs["t32"][3]]
    cat = [np.concatenate([runs[r][3][k].ravel().astype(np.float64) for k, *_ in grads])
           for r in ("tc32", "tc64", "t32", "t64")]
    flips = []
    for r32, r64 in (("tc32", "tc64"), ("t32", "t64")):
        flips.append(sum(int(np.count_nonzero((runs[r32][2][k] > 0) != (runs[r64][2][k] > 0)))
                         for k in runs[r32][2]))
    return {"layers": layers, "grads": grads, "logits": pair(0),
            "all_grads": (rel_rms(cat[0], cat[1]), rel_rms(cat[2], cat[3])),
            "flips": tuple(flips)}


def summarize(results):
    """Medians over seeds: {"logits", "all_grads", "flips"} -> (tc, torch, ratio)."""
    out = {}
    for key in ("logits", "all_grads", "flips"):
        a = statistics.median(r[key][0] for r in results)
        b = statistics.median(r[key][1] for r in results)
        ratios = [r[key][0] / r[key][1] for r in results if r[key][1] > 0]
        out[key] = (a, b, statistics.median(ratios) if ratios else float("nan"))
    return out


def per_layer_table(results, part):
    """Rows (name, tc dev, torch dev, ratio) with medians over seeds for "layers"/"grads"."""
    names = [row[0] for row in results[0][part]]
    rows = []
    for i, name in enumerate(names):
        a = statistics.median(r[part][i][1] for r in results)
        b = statistics.median(r[part][i][2] for r in results)
        rows.append((name, f"{a:.2e}", f"{b:.2e}", a / b if b > 0 else float("nan")))
    return rows


def _twins():
    import train_fashion_torch as T

    from tinyconv import models
    return {
        "lenet5-28": (lambda: models.LeNet5(1, 10, input_size=28),
                      lambda: T.TorchLeNet5(1, 10, 28), (1, 28, 28)),
        "minivgg-28": (lambda: models.MiniVGG(1, 10), lambda: T.TorchMiniVGG(1, 10), (1, 28, 28)),
        "minivgg-32": (lambda: models.MiniVGG(3, 10), lambda: T.TorchMiniVGG(3, 10), (3, 32, 32)),
        "threelayer": (lambda: models.ThreeLayerConvNet(), lambda: T.TorchThreeLayerConvNet(),
                       (3, 32, 32)),
    }, T.copy_state


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="lenet5-28,minivgg-28,minivgg-32,threelayer")
    ap.add_argument("--variants", default="default")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--summary", action="store_true", help="only the whole-model lines")
    args = ap.parse_args(argv)
    twins, copy_state = _twins()
    print(machine_line(), f"| torch {torch.__version__}")
    summary = []
    for name in args.models.split(","):
        make_tc, make_torch, shape = twins[name]
        for variant in args.variants.split(","):
            with tc.backends.conv.flags(**VARIANTS[variant]):
                res = [deviations(make_tc, make_torch, copy_state, shape, args.batch, s)
                       for s in range(args.seeds)]
            s = summarize(res)
            summary.append((name, variant, f"{s['logits'][0]:.2e}", f"{s['logits'][1]:.2e}",
                            s["logits"][2], f"{s['all_grads'][0]:.2e}",
                            f"{s['all_grads'][1]:.2e}", s["all_grads"][2],
                            f"{s['flips'][0]:.0f} / {s['flips'][1]:.0f}"))
            if not args.summary:
                print(f"\n### {name}, {variant}: layer outputs (median over {args.seeds} seeds)")
                print(format_table(per_layer_table(res, "layers"),
                                   ["layer", "tinyconv dev", "torch dev", "ratio"]))
                print(format_table(per_layer_table(res, "grads"),
                                   ["gradient", "tinyconv dev", "torch dev", "ratio"]))
    print(f"\n## float32 deviation from float64 (rms relative; batch {args.batch}, train mode, "
          f"median over {args.seeds} seeds)")
    print(format_table(summary, ["model", "settings", "logits tc", "logits torch", "ratio",
                                 "grads tc", "grads torch", "ratio", "ReLU flips tc / torch"]))
    return summary


if __name__ == "__main__":
    main()
