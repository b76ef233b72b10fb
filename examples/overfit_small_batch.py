"""Sanity check: a model must be able to memorise 50 training images (100% training accuracy).

    python examples/overfit_small_batch.py --model lenet5 --dataset fashion-mnist

If this fails, something in the forward/backward/optimizer chain is broken, whatever the full
training run says. Uses the first 50 training images (no augmentation) as one batch and Adam.
"""
import argparse
import sys
import time

import tinyconv  # noqa: F401,I001  before NumPy: sets OpenBLAS's thread spin (tinyconv/__init__.py)

import tinyconv as tc
import tinyconv.nn.functional as F
from tinyconv import datasets, models, optim
from tinyconv import transforms as T

DATASETS = {"fashion-mnist": (datasets.FashionMNIST, 1, 28), "mnist": (datasets.MNIST, 1, 28),
            "cifar10": (datasets.CIFAR10, 3, 32)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=["lenet5", "minivgg", "threelayer"], default="lenet5")
    p.add_argument("--dataset", choices=sorted(DATASETS), default="fashion-mnist")
    p.add_argument("--data-root", default=None)
    p.add_argument("--samples", type=int, default=50)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--max-steps", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    tc.manual_seed(args.seed)
    cls, c, size = DATASETS[args.dataset]
    ds = cls(args.data_root, train=True)
    n = min(args.samples, len(ds))
    x = tc.tensor(T.ToTensor().apply_batch(ds.data[:n]))          # (n, C, H, W) in [0, 1]
    y = tc.tensor(ds.targets[:n])
    if args.model == "lenet5":
        model = models.LeNet5(c, 10, input_size=size)
    elif args.model == "minivgg":
        model = models.MiniVGG(c, 10, dropout=0.0)
    else:
        model = models.ThreeLayerConvNet((c, size, size))
    opt = optim.Adam(model.parameters(), lr=args.lr)
    model.train()
    t0 = time.perf_counter()
    acc, loss = 0.0, float("nan")
    for step in range(1, args.max_steps + 1):
        out = model(x)
        loss_t = F.cross_entropy(out, y)
        opt.zero_grad()
        loss_t.backward()
        opt.step()
        loss = loss_t.item()
        acc = (out.argmax(1) == y).float().mean().item()
        if step % 25 == 0 or acc == 1.0:
            print(f"step {step}: loss {loss:.4f} train acc {acc:.3f}")
        if acc == 1.0:
            break
    print(f"{'OK' if acc == 1.0 else 'FAILED'}: {args.model} reached {acc:.1%} training accuracy "
          f"on {n} samples after {step} steps (loss {loss:.4f}, {time.perf_counter() - t0:.1f}s)")
    return acc, step


if __name__ == "__main__":
    final_acc, _ = main(sys.argv[1:])
    sys.exit(0 if final_acc == 1.0 else 1)

