"""A zoo of CIFAR-sized architectures, each written once and built in tinyconv and in torch.

    python benchmarks/zoo.py                          # every model: time, RSS, accuracy
    python benchmarks/zoo.py --models resnet18,vgg11 --batches 32 --quick
    python benchmarks/zoo.py --no-rss --no-accuracy   # step times only

Every architecture is one function of a library namespace ``L`` (``L.nn``, ``L.F`` and a few
tensor functions), so the tinyconv model and its torch twin have the same structure and
state_dict keys by construction; the twin gets the tinyconv model's initial weights.  Written
here from the papers' descriptions (CIFAR variants: 32x32 input, 10 classes), not copied.

Per model, float32, input (N, 3, 32, 32):
- train step (forward, cross-entropy, backward, SGD with momentum) at each batch size: medians
  of tinyconv and torch steps alternated in one process, and the ratio tinyconv / torch;
- peak RSS of a few steps, each framework in a fresh child process (ratio tinyconv / torch);
- float32 deviation ratio: rms deviation of the logits and of all gradients from the same
  framework's float64 run, tinyconv's over torch's (``accuracy.py``; batch 8, median of seeds).
The header names the CPU, its vector ISA and the load.  numpy and torch are imported before
tinyconv, as users do (harness.py).  Targets (issue 21): step <= 1.0x torch at batch 32 and
128, geomean <= 0.85; RSS <= 1.0x; deviation ratio <= 1.5.
"""
import argparse
import math
import os
import statistics
import subprocess
import sys
import time
import types

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))  # this checkout's tinyconv

import tinyconv as tc  # noqa: E402
from accuracy import VARIANTS, deviations, summarize  # noqa: E402
from harness import format_table, load_average, machine_line  # noqa: E402


def library(name):
    """The namespace an architecture is written against: torch's or tinyconv's."""
    if name == "torch":
        return types.SimpleNamespace(name="torch", nn=torch.nn, F=torch.nn.functional,
                                     cat=torch.cat, clamp=torch.clamp)
    return types.SimpleNamespace(name="tinyconv", nn=tc.nn, F=tc.nn.functional, cat=tc.cat,
                                 clamp=tc.clamp)


# ----------------------------------------------------------------------------- architectures
def conv_bn(L, cin, cout, k=3, stride=1, groups=1, relu=True):
    """conv (no bias) - BN (- ReLU), padding k // 2."""
    layers = [L.nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
              L.nn.BatchNorm2d(cout)]
    return L.nn.Sequential(*(layers + [L.nn.ReLU()] if relu else layers))


def lenet5(L):
    """LeCun et al. 1998 with ReLU and max pooling (3x32x32 input)."""
    nn = L.nn
    return nn.Sequential(
        nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
        nn.ReLU(), nn.Linear(84, 10))


def vgg(L, cfg):
    """Simonyan and Zisserman 2014, CIFAR form: conv3x3-BN-ReLU stacks, max pools, one linear."""
    nn = L.nn
    layers, c = [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers.append(conv_bn(L, c, v))
            c = v
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(c, 10))


VGG11 = (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M")


def resnet(L, blocks, bottleneck=False, widths=(64, 128, 256, 512)):
    """He et al. 2015, CIFAR form (3x3 stem, no stem pooling): BasicBlock or Bottleneck."""
    nn, F = L.nn, L.F

    class Block(nn.Module):
        def __init__(self, cin, width, stride):
            super().__init__()
            cout = width * (4 if bottleneck else 1)
            if bottleneck:
                self.body = nn.Sequential(conv_bn(L, cin, width, 1),
                                          conv_bn(L, width, width, 3, stride),
                                          conv_bn(L, width, cout, 1, relu=False))
            else:
                self.body = nn.Sequential(conv_bn(L, cin, width, 3, stride),
                                          conv_bn(L, width, cout, 3, relu=False))
            self.shortcut = (conv_bn(L, cin, cout, 1, stride, relu=False)
                             if stride != 1 or cin != cout else nn.Identity())
            self.cout = cout

        def forward(self, x):
            return F.relu(self.body(x) + self.shortcut(x))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = conv_bn(L, 3, widths[0])
            layers, c = [], widths[0]
            for i, (n, w) in enumerate(zip(blocks, widths)):
                for j in range(n):
                    b = Block(c, w, 2 if i > 0 and j == 0 else 1)
                    layers.append(b)
                    c = b.cout
            self.layers = nn.Sequential(*layers)
            self.fc = nn.Linear(c, 10)

        def forward(self, x):
            x = self.layers(self.stem(x))
            return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))

    return ResNet()


def mobilenet_v1(L):
    """Howard et al. 2017, CIFAR form: depthwise 3x3 + pointwise 1x1 pairs."""
    nn, F = L.nn, L.F
    cfg = (64, (128, 2), 128, (256, 2), 256, (512, 2), 512, 512, 512, 512, 512, (1024, 2),
           1024)

    class MobileNet(nn.Module):
        def __init__(self):
            super().__init__()
            layers, c = [conv_bn(L, 3, 32)], 32
            for v in cfg:
                out, stride = v if isinstance(v, tuple) else (v, 1)
                layers += [conv_bn(L, c, c, 3, stride, groups=c), conv_bn(L, c, out, 1)]
                c = out
            self.features = nn.Sequential(*layers)
            self.fc = nn.Linear(c, 10)

        def forward(self, x):
            return self.fc(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))

    return MobileNet()


def resnet20(L):
    """He et al. 2015's CIFAR ResNet-20: 3 stages of 3 basic blocks, 16/32/64 channels."""
    return resnet(L, (3, 3, 3), widths=(16, 32, 64))


MODELS = {
    "lenet5": lenet5,
    "vgg11": lambda L: vgg(L, VGG11),
    "resnet18": lambda L: resnet(L, (2, 2, 2, 2)),
    "resnet20": resnet20,
    "mobilenetv1": mobilenet_v1,
}


def build(name):
    """(tinyconv model, torch twin with the same initial weights)."""
    tc.manual_seed(0)
    m = MODELS[name](library("tinyconv"))
    t = MODELS[name](library("torch"))
    copy_state(m, t)
    return m, t


def copy_state(m, t):
    """Load the tinyconv model's parameters and buffers into its torch twin (same keys)."""
    sd = {k: torch.from_numpy(np.array(v.detach().numpy())) for k, v in m.state_dict().items()}
    t.load_state_dict(sd)


# ----------------------------------------------------------------------------- measurements
def make_steps(name, n, seed=0):
    """(tinyconv step, torch step) closures: forward, cross-entropy, backward, SGD step."""
    m, t = build(name)
    m.train()
    t.train()
    opt = tc.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    topt = torch.optim.SGD(t.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(seed)
    xn = rng.standard_normal((n, 3, 32, 32), dtype=np.float32)
    yn = rng.integers(0, 10, n)
    x, y, tx, ty = tc.from_numpy(xn), tc.from_numpy(yn), torch.from_numpy(xn), torch.from_numpy(yn)

    def tc_step():
        opt.zero_grad()
        tc.nn.functional.cross_entropy(m(x), y).backward()
        opt.step()

    def torch_step():
        topt.zero_grad()
        torch.nn.functional.cross_entropy(t(tx), ty).backward()
        topt.step()

    return tc_step, torch_step


def step_times(name, n, rounds, repeat):
    """(tinyconv median s, torch median s, median of per-round ratios), alternating steps."""
    tc_step, torch_step = make_steps(name, n)
    tc_step()
    torch_step()
    a, b, ratios = [], [], []
    for _ in range(rounds):
        ra, rb = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            tc_step()
            ra.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            torch_step()
            rb.append(time.perf_counter() - t0)
        a.append(statistics.median(ra))
        b.append(statistics.median(rb))
        ratios.append(a[-1] / b[-1])
    return statistics.median(a), statistics.median(b), statistics.median(ratios)


def _child(framework, name, n, steps):
    tc_step, torch_step = make_steps(name, n)
    step = tc_step if framework == "tinyconv" else torch_step
    try:  # the high-water mark from here on (both models were built in both children)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    for _ in range(steps):
        step()
    with open("/proc/self/status") as f:
        print(next((int(ln.split()[1]) * 1024 for ln in f if ln.startswith("VmHWM")), 0))


def peak_rss(framework, name, n, steps=3):
    """Peak RSS in bytes of ``steps`` training steps in a fresh child process."""
    out = subprocess.run([sys.executable, __file__, "--child", framework, name, str(n),
                          str(steps)], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def accuracy_ratio(name, seeds=2, batch=8):
    """(logits ratio, gradients ratio): float32 deviation tinyconv / torch (medians)."""
    res = [deviations(lambda: MODELS[name](library("tinyconv")),
                      lambda: MODELS[name](library("torch")), copy_state, (3, 32, 32), batch,
                      s) for s in range(seeds)]
    s = summarize(res)
    return s["logits"][2], s["all_grads"][2]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--batches", default="32,128")
    ap.add_argument("--quick", action="store_true", help="fewer rounds and repeats")
    ap.add_argument("--no-rss", action="store_true")
    ap.add_argument("--no-accuracy", action="store_true")
    ap.add_argument("--no-time", action="store_true", help="no step times (accuracy, RSS only)")
    ap.add_argument("--variant", default="default", choices=sorted(VARIANTS),
                    help="tinyconv.backends.conv settings for the accuracy columns")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        fw, name, n, steps = args.child
        _child(fw, name, int(n), int(steps))
        return None
    batches = [] if args.no_time else [int(b) for b in args.batches.split(",")]
    rounds, repeat = (2, 2) if args.quick else (3, 3)
    print(machine_line(), f"| torch {torch.__version__}, {torch.get_num_threads()} threads")
    rows, all_ratios = [], []
    for name in args.models.split(","):
        row = [name]
        for n in batches:
            a, b, r = step_times(name, n, rounds, repeat)
            row += [a * 1e3, b * 1e3, r]
            all_ratios.append(r)
        if not args.no_rss:
            rss = [peak_rss(fw, name, 128) for fw in ("tinyconv", "torch")]
            row.append(rss[0] / rss[1])
        if not args.no_accuracy:
            with tc.backends.conv.flags(**VARIANTS[args.variant]):
                row += list(accuracy_ratio(name))
        rows.append(tuple(row))
        print(f"  {name}: " + ", ".join(f"{c:.3g}" if isinstance(c, float) else str(c)
                                       for c in row[1:]) + f" (load {load_average():.1f})",
              flush=True)
    headers = ["model"]
    for n in batches:
        headers += [f"tc ms N={n}", f"torch ms N={n}", f"ratio N={n}"]
    headers += ([] if args.no_rss else ["peak RSS ratio N=128"])
    headers += ([] if args.no_accuracy else [f"dev ratio logits ({args.variant})",
                                             f"dev ratio grads ({args.variant})"])
    print("\n## Zoo: train step tinyconv / torch (float32, 3x32x32, SGD momentum)")
    print(format_table(rows, headers))
    if all_ratios:
        geo = math.exp(statistics.fmean(math.log(r) for r in all_ratios))
        print(f"\ngeomean step ratio over models and batch sizes: {geo:.3f}")
    return rows


if __name__ == "__main__":
    main()
