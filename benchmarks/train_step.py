"""Whole training steps (forward, cross-entropy, backward, SGD-momentum step) against torch.

    python benchmarks/train_step.py            # everything (slow on a busy machine)
    python benchmarks/train_step.py --quick    # fewer repeats, no batch-size sweep
    python benchmarks/train_step.py --gp-only  # only the gradient-penalty steps

For LeNet-5 and MiniVGG on (128, 3, 32, 32) and Fashion-MNIST shapes (128, 1, 28, 28), float32:
- step time of tinyconv and of a torch twin holding the same weights (state_dict copy), measured
  in the same run, interleaved rounds, medians; the ratio tinyconv/torch and images/s;
- a gradient-penalty step of the same models (WGAN-GP's penalty on the input gradient, taken
  with ``create_graph=True`` so that backward runs through the backward), same measurements;
- peak RSS (VmHWM) of 20 MiniVGG / LeNet-5 steps, each framework in its own child process;
- time per image at batch sizes 32, 64, 128, 256 (linear within 15%?);
- a per-module / per-op-category profile of one tinyconv step (``tc.profiler.profile()``).
"""
import argparse
import os
import subprocess
import sys

# as users run: numpy and torch imported before tinyconv (see harness.py)
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))  # this checkout's tinyconv, not an installed one

from harness import compare, format_table, machine_line  # noqa: E402

MODELS = ("lenet5", "minivgg")


def _build(name, channels, size):
    import tinyconv as tc

    from train_fashion_torch import build_torch_model, copy_state

    tc.manual_seed(0)
    if name == "lenet5":
        m = tc.models.LeNet5(in_channels=channels, input_size=size)
    else:
        m = tc.models.MiniVGG(in_channels=channels)
    tm = build_torch_model(name, channels, size)
    copy_state(m, tm)
    m.train()
    tm.train()
    opt = tc.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    topt = torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)
    return m, opt, tm, topt


def _data(n, channels, size, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, channels, size, size), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return x, y


def make_steps(name, n, channels, size):
    """(tinyconv step, torch step) closures on the same weights and batch."""
    import tinyconv as tc
    import tinyconv.nn.functional as F
    import torch.nn.functional as TF

    m, opt, tm, topt = _build(name, channels, size)
    xn, yn = _data(n, channels, size)
    x, y = tc.from_numpy(xn), tc.from_numpy(yn)
    tx, ty = torch.from_numpy(xn), torch.from_numpy(yn)

    def tc_step():
        opt.zero_grad()
        loss = F.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
        return loss

    def torch_step():
        topt.zero_grad()
        loss = TF.cross_entropy(tm(tx), ty)
        loss.backward()
        topt.step()
        return loss

    return tc_step, torch_step


def make_gp_steps(name, n, channels, size, lam=10.0):
    """(tinyconv step, torch step) closures of one gradient-penalty step on the same weights
    and batch: x = interpolates of two batches, score = model(x), g = d sum(score) / dx with
    ``create_graph=True``, loss = cross_entropy(score, y) + lam * mean((|g_i| - 1)^2),
    backward (through the backward), SGD-momentum step.  The cross-entropy keeps repeated
    steps finite (a bare critic score, unbounded below, overflows within 40 steps and the
    timings would then be of inf/nan arithmetic).  The model stays in training mode
    (BatchNorm batch statistics, Dropout) as in the training step; the two Dropout masks
    differ, the work does not."""
    import tinyconv as tc
    import tinyconv.nn.functional as F
    import torch.nn.functional as TF

    m, opt, tm, topt = _build(name, channels, size)
    a, yn = _data(n, channels, size, seed=0)
    b, _ = _data(n, channels, size, seed=1)
    eps = np.random.default_rng(2).uniform(size=(n, 1, 1, 1)).astype(np.float32)
    xn = eps * a + (1 - eps) * b  # (N, C, H, W) interpolates, float32

    def step(lib, FF, model, optimizer, xs, y):
        optimizer.zero_grad()
        x = xs.detach().requires_grad_(True)
        score = model(x)
        (g,) = lib.autograd.grad(score.sum(), x, create_graph=True)
        gp = (((g * g).flatten(1).sum(1).sqrt() - 1.0) ** 2).mean()
        loss = FF.cross_entropy(score, y) + lam * gp
        loss.backward()
        optimizer.step()
        return loss

    x, y = tc.from_numpy(xn), tc.from_numpy(yn)
    tx, ty = torch.from_numpy(xn), torch.from_numpy(yn)
    return (lambda: step(tc, F, m, opt, x, y)), (lambda: step(torch, TF, tm, topt, tx, ty))


# ----------------------------------------------------------------------------- child: RSS
def _child(framework, name, n, channels, size, steps):
    tc_step, torch_step = make_steps(name, n, channels, size)
    step = tc_step if framework == "tinyconv" else torch_step
    # reset the high-water mark after building both models (the twin is built in both children)
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    for _ in range(steps):
        step()
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                print(int(line.split()[1]) * 1024)
                return
    print(0)


def peak_rss(framework, name, n, channels, size, steps=20):
    """Peak RSS in bytes of ``steps`` training steps in a fresh child process."""
    out = subprocess.run([sys.executable, __file__, "--child", framework, name, str(n),
                          str(channels), str(size), str(steps)],
                         capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, no batch sweep")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--gp-only", action="store_true", help="only the gradient-penalty steps")
    ap.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        fw, name, n, c, s, steps = args.child
        _child(fw, name, int(n), int(c), int(s), int(steps))
        return

    import tinyconv as tc

    print(machine_line(), f"| torch {torch.__version__}, {torch.get_num_threads()} threads")
    models = args.models.split(",")
    shapes = [(3, 32), (1, 28)]
    repeat, rounds = (3, 2) if args.quick else (5, 3)

    if args.gp_only:
        _gp_table(models, repeat, rounds)
        return

    rows = []
    for name in models:
        for c, s in shapes:
            tc_step, torch_step = make_steps(name, 128, c, s)
            a, b = compare(tc_step, torch_step, repeat=repeat, warmup=1, rounds=rounds)
            rows.append((name, f"(128,{c},{s},{s})", a * 1e3, b * 1e3, a / b, 128 / a, 128 / b))
            print(f"  {name} {c}x{s}x{s}: tinyconv {a * 1e3:.1f} ms, torch {b * 1e3:.1f} ms, "
                  f"ratio {a / b:.2f}", flush=True)
    print("\n## Training step (N=128, float32, forward + cross-entropy + backward + SGD momentum)")
    print(format_table(rows, ["model", "input", "tinyconv ms", "torch ms", "ratio",
                              "tinyconv img/s", "torch img/s"]))

    _gp_table(models, repeat, rounds)

    rss = []
    for name in models:
        r_tc = peak_rss("tinyconv", name, 128, 3, 32)
        r_t = peak_rss("torch", name, 128, 3, 32)
        rss.append((name, r_tc / 2**20, r_t / 2**20, r_tc / r_t))
    print("\n## Peak RSS of 20 training steps (N=128, 3x32x32; each in its own child process)")
    print(format_table(rss, ["model", "tinyconv MiB", "torch MiB", "ratio"]))

    if not args.quick:
        lin = []
        for name in models:
            per = {}
            for n in (32, 64, 128, 256):
                tc_step, torch_step = make_steps(name, n, 3, 32)
                a, b = compare(tc_step, torch_step, repeat=3, warmup=1, rounds=2)
                per[n] = (a / n, b / n)
            ref = per[128][0]
            for n, (a, b) in per.items():
                lin.append((name, n, a * 1e6, b * 1e6, a / ref))
        print("\n## Time per image vs batch size (3x32x32; 'vs N=128' = tinyconv per-image time "
              "relative to N=128)")
        print(format_table(lin, ["model", "batch", "tinyconv us/img", "torch us/img",
                                 "vs N=128"]))

    for name in models:
        tc_step, _ = make_steps(name, 128, 3, 32)
        tc_step()
        m = [c.cell_contents for c in tc_step.__closure__
             if isinstance(c.cell_contents, tc.nn.Module)][0]
        with tc.profiler.profile(m) as prof:
            tc_step()
        print(f"\n## Profile of one tinyconv {name} step (N=128, 3x32x32)")
        prof.table()


def _gp_table(models, repeat, rounds, n=128, c=3, s=32):
    rows = []
    for name in models:
        tc_step, torch_step = make_gp_steps(name, n, c, s)
        a, b = compare(tc_step, torch_step, repeat=repeat, warmup=1, rounds=rounds)
        rows.append((name, f"({n},{c},{s},{s})", a * 1e3, b * 1e3, a / b))
        print(f"  {name} gradient-penalty step: tinyconv {a * 1e3:.1f} ms, "
              f"torch {b * 1e3:.1f} ms, ratio {a / b:.2f}", flush=True)
    print(f"\n## Gradient-penalty step (N={n}, float32, forward + grad with create_graph + "
          "cross-entropy + 10 * (|grad| - 1)^2 + backward through it + SGD momentum)")
    print(format_table(rows, ["model", "input", "tinyconv ms", "torch ms", "ratio"]))


if __name__ == "__main__":
    main()
