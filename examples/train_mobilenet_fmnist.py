"""Train MobileNetV2 on Fashion-MNIST, written the way a PyTorch training script is written.

    python examples/train_mobilenet_fmnist.py --epochs 3 --limit-train 5000 --out runs/mobilenet
    python examples/train_mobilenet_fmnist.py --epochs 2 --limit-train 1024 --batch-size 32 \\
        --width-mult 0.25 --limit-test 500 --out runs/mobilenet-quick   # ~30 s on 2 cores

The network is torchvision's ``mobilenet_v2`` (Sandler et al., 2018: the same module tree and
``state_dict`` keys) on one input channel: inverted residual blocks, each a 1x1 expansion, a
3x3 depthwise convolution (``groups`` = channels) and a linear 1x1 projection, with BatchNorm
and ReLU6, and a skip connection where the shapes allow.  The second stage keeps stride 1 so
that 28x28 images still have a 2x2 map at the end (14 after the stem, then 14, 7, 4, 2);
``--width-mult`` scales every layer's channels.

The recipe is a PyTorch one: ``DataLoader(num_workers=2)`` (worker processes apply the
random ``RandomResizedCrop``, ``RandomHorizontalFlip`` and ``ColorJitter`` -- brightness and
contrast only, the images are grey), SGD with Nesterov momentum, ``CosineAnnealingWarmRestarts``
stepped every batch with a fractional epoch (SGDR's schedule), ``CrossEntropyLoss(
label_smoothing=0.1)``, and top-1/top-5 accuracy from ``topk``.  Fashion-MNIST is read offline
from the Debian package ``dataset-fashion-mnist`` (/usr/share/datasets/fashion-mnist).

After every epoch ``--out``/checkpoint.tc is replaced (model, optimizer and scheduler state,
epoch, metrics); ``tc.save`` writes to a temporary file and renames it over the old one, so a
crash leaves the previous epoch's file whole.  The last line printed is the test top-1/top-5.
On a machine busy with other work ``--num-threads 1`` is much faster.
"""
import argparse
import json
import math
import os
import sys
import time

import tinyconv  # noqa: F401,I001  before NumPy: sets OpenBLAS's thread spin (tinyconv/__init__.py)
from tqdm import tqdm

import tinyconv as tc
from tinyconv import datasets, nn, optim
from tinyconv import transforms as T
from tinyconv.utils.data import DataLoader, Subset

MEAN, STD = (0.2860,), (0.3530,)   # Fashion-MNIST's training-set pixel mean and std
CHECKPOINT = "checkpoint.tc"


# ----------------------------------------------------------------------------- the model

def _make_divisible(v, divisor=8):
    """torchvision's channel rounding: a multiple of ``divisor``, never 10% below ``v``."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class Conv2dNormActivation(nn.Sequential):
    """Conv2d (no bias) -> BatchNorm2d [-> ReLU6], torchvision's building block."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, groups=1,
                 activation=True):
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride,
                            padding=(kernel_size - 1) // 2, groups=groups, bias=False),
                  nn.BatchNorm2d(out_channels)]
        if activation:
            layers.append(nn.ReLU6(inplace=True))
        super().__init__(*layers)


class InvertedResidual(nn.Module):
    """1x1 expansion by ``expand_ratio`` -> 3x3 depthwise -> linear 1x1 projection (+ input)."""

    def __init__(self, inp, oup, stride, expand_ratio):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden, kernel_size=1))
        layers += [Conv2dNormActivation(hidden, hidden, stride=stride, groups=hidden),
                   nn.Conv2d(hidden, oup, 1, bias=False),
                   nn.BatchNorm2d(oup)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2(nn.Module):
    """torchvision's MobileNetV2 with ``in_channels`` inputs and a stride-1 second stage."""

    # t: expansion, c: output channels, n: blocks, s: stride of the first block
    # (torchvision has s=2 for the second row; 28x28 inputs keep their resolution there)
    SETTINGS = [[1, 16, 1, 1], [6, 24, 2, 1], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                [6, 160, 3, 2], [6, 320, 1, 1]]

    def __init__(self, num_classes=10, width_mult=1.0, in_channels=1, dropout=0.2):
        super().__init__()
        inp = _make_divisible(32 * width_mult)
        self.last_channel = _make_divisible(1280 * max(1.0, width_mult))
        features = [Conv2dNormActivation(in_channels, inp, stride=2)]
        for t, c, n, s in self.SETTINGS:
            oup = _make_divisible(c * width_mult)
            for i in range(n):
                features.append(InvertedResidual(inp, oup, s if i == 0 else 1, t))
                inp = oup
        features.append(Conv2dNormActivation(inp, self.last_channel, kernel_size=1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout),
                                        nn.Linear(self.last_channel, num_classes))
        for m in self.modules():   # torchvision's initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.features(x)
        x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
        x = tc.flatten(x, 1)
        return self.classifier(x)


# ----------------------------------------------------------------------------- arguments

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--eval-batch-size", type=int, default=500)
    p.add_argument("--limit-train", type=int, default=None, metavar="N",
                   help="train on the first N training images (all 60,000 if unset)")
    p.add_argument("--limit-test", type=int, default=None, metavar="N",
                   help="evaluate on the first N test images (all 10,000 if unset)")
    p.add_argument("--width-mult", type=float, default=0.5,
                   help="MobileNetV2's width multiplier (channels of every layer)")
    p.add_argument("--lr", type=float, default=0.02, help="peak learning rate of each cycle")
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=4e-5)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--t0", type=int, default=1,
                   help="CosineAnnealingWarmRestarts: epochs of the first cycle")
    p.add_argument("--t-mult", type=int, default=2,
                   help="CosineAnnealingWarmRestarts: growth of each following cycle")
    p.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    p.add_argument("--num-threads", type=int, default=None,
                   help="tc.set_num_threads (kernels and BLAS); 1 is much faster on a machine "
                        "busy with other work")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-root", default=None)
    p.add_argument("--out", default="runs/mobilenet")
    p.add_argument("--no-progress", action="store_true", help="no tqdm bars")
    args = p.parse_args(argv)
    for name in ("epochs", "batch_size", "eval_batch_size", "limit_train", "limit_test", "t0",
                 "t_mult", "num_threads"):
        v = getattr(args, name)
        if v is not None and v < 1:
            p.error(f"--{name.replace('_', '-')} must be a positive integer, got {v}")
    if args.workers < 0:
        p.error(f"--workers must be >= 0, got {args.workers}")
    if not (math.isfinite(args.width_mult) and args.width_mult > 0):
        p.error(f"--width-mult must be a positive number, got {args.width_mult}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        p.error(f"--lr must be a positive number, got {args.lr}")
    if not 0.0 <= args.label_smoothing <= 1.0:
        p.error(f"--label-smoothing must be in [0, 1], got {args.label_smoothing}")
    return args


# ----------------------------------------------------------------------------- data

def build_data(args):
    """(train_set, test_set): Fashion-MNIST with the training augmentation, maybe subsets."""
    train_tf = T.Compose([
        T.RandomResizedCrop(28, scale=(0.6, 1.0), ratio=(0.8, 1.25)),
        T.RandomHorizontalFlip(),
        T.ColorJitter(brightness=0.3, contrast=0.3),
        T.ToTensor(),
        T.Normalize(MEAN, STD),
    ])
    test_tf = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])
    train = datasets.FashionMNIST(args.data_root, train=True, transform=train_tf)
    test = datasets.FashionMNIST(args.data_root, train=False, transform=test_tf)
    if args.limit_train is not None:
        train = Subset(train, range(min(args.limit_train, len(train))))
    if args.limit_test is not None:
        test = Subset(test, range(min(args.limit_test, len(test))))
    return train, test


# ----------------------------------------------------------------------------- loops

def accuracy(output, target, topk=(1,)):
    """How many of the targets are among the k highest scores, for each k in ``topk``."""
    with tc.no_grad():
        _, pred = output.topk(max(topk), dim=1, largest=True, sorted=True)   # (N, maxk)
        correct = pred.eq(target.view(-1, 1))                                 # (N, maxk)
        return [int(correct[:, :k].sum()) for k in topk]


def train_one_epoch(model, loader, criterion, opt, sched, epoch, show_progress=True):
    """One pass over ``loader``; the scheduler steps every batch with a fractional epoch."""
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    iters = len(loader)
    t0 = time.perf_counter()
    bar = tqdm(loader, desc=f"epoch {epoch + 1} train", leave=False, dynamic_ncols=True,
               mininterval=0.5, disable=not show_progress)   # as examples/train.py's bars
    for i, (images, target) in enumerate(bar):
        output = model(images)
        loss = criterion(output, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step(epoch + i / iters)    # SGDR: a fractional epoch every batch
        n = target.shape[0]
        total_loss += loss.item() * n
        correct += accuracy(output, target)[0]
        seen += n
        if i % 10 == 0 or i == iters - 1:
            bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.4f}",
                            lr=f"{sched.get_last_lr()[0]:.4f}",
                            img_s=f"{seen / (time.perf_counter() - t0):.0f}")
    return total_loss / max(seen, 1), correct / max(seen, 1), time.perf_counter() - t0


def evaluate(model, loader, criterion):
    """(mean loss, top-1, top-5) over ``loader``."""
    model.eval()
    total_loss, top1, top5, seen = 0.0, 0, 0, 0
    with tc.no_grad():
        for images, target in loader:
            output = model(images)
            n = target.shape[0]
            total_loss += criterion(output, target).item() * n
            c1, c5 = accuracy(output, target, topk=(1, 5))
            top1, top5, seen = top1 + c1, top5 + c5, seen + n
    return total_loss / max(seen, 1), top1 / max(seen, 1), top5 / max(seen, 1)


# ----------------------------------------------------------------------------- main

def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    if args.num_threads is not None:
        tc.set_num_threads(args.num_threads)
    tc.manual_seed(args.seed)
    t_start = time.perf_counter()
    try:
        train_set, test_set = build_data(args)
    except RuntimeError as e:   # the data is missing: the message says where it looked
        raise SystemExit(f"fashion-mnist: {e}") from None
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.workers, persistent_workers=args.workers > 0,
                              generator=tc.Generator().manual_seed(args.seed))
    test_loader = DataLoader(test_set, batch_size=args.eval_batch_size,
                             num_workers=args.workers, persistent_workers=args.workers > 0)

    model = MobileNetV2(num_classes=10, width_mult=args.width_mult, in_channels=1)
    criterion = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    opt = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, nesterov=True,
                    weight_decay=args.weight_decay)
    sched = optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=args.t0, T_mult=args.t_mult,
                                                           eta_min=args.lr * 1e-3)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"MobileNetV2 (width {args.width_mult}) on fashion-mnist: {len(train_set)} train / "
          f"{len(test_set)} test images, {n_params:,} parameters, SGD lr={args.lr} "
          f"CosineAnnealingWarmRestarts(T_0={args.t0}, T_mult={args.t_mult}), "
          f"{args.workers} workers, {tc.get_num_threads()} threads", flush=True)

    history = []
    path = os.path.join(args.out, CHECKPOINT)
    for epoch in range(args.epochs):
        tr_loss, tr_acc, t_train = train_one_epoch(model, train_loader, criterion, opt, sched,
                                                   epoch, show_progress=not args.no_progress)
        te_loss, top1, top5 = evaluate(model, test_loader, criterion)
        history.append({"epoch": epoch + 1, "train_loss": tr_loss, "train_acc": tr_acc,
                        "test_loss": te_loss, "test_top1": top1, "test_top5": top5,
                        "lr": sched.get_last_lr()[0], "epoch_time": t_train,
                        "images_per_s": len(train_set) / t_train})
        tc.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                 "scheduler": sched.state_dict(), "epoch": epoch + 1,
                 "args": json.dumps(vars(args)), "metrics": json.dumps(history)}, path)
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {tr_loss:.4f} acc {tr_acc:.4f} | "
              f"test loss {te_loss:.4f} top-1 {top1:.4f} top-5 {top5:.4f} | {t_train:.1f}s "
              f"({len(train_set) / t_train:.0f} img/s)", flush=True)
    print(f"wrote {path}")
    wall = time.perf_counter() - t_start
    top1, top5 = history[-1]["test_top1"], history[-1]["test_top5"]
    print(f"final: test top-1 {top1:.4f} top-5 {top5:.4f} ({len(test_set)} images), "
          f"wall time {wall:.1f}s", flush=True)
    return {"top1": top1, "top5": top5, "history": history, "wall_time": wall, "model": model}


if __name__ == "__main__":
    main(sys.argv[1:])
