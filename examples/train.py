"""Train a small ConvNet with tinyconv and evaluate it on the test set every epoch.

    python examples/train.py --model lenet5 --dataset fashion-mnist --epochs 10 --out runs/lenet5

Fashion-MNIST is found offline in /usr/share/datasets/fashion-mnist (Debian package
``dataset-fashion-mnist``); MNIST and CIFAR-10 need ``--download`` once (or the files in
``--data-root``/``$TINYCONV_DATA``/``~/.cache/tinyconv``).

Writes into ``--out``: ``checkpoint_last.tc`` after every epoch (model, optimizer, scheduler,
epoch, RNG state, metrics history), ``checkpoint_best.tc`` (best test accuracy), ``metrics.jsonl``
(one line per epoch), and at the end ``curves.png`` and ``filters.png`` (if matplotlib is
installed). ``--resume`` continues from ``checkpoint_last.tc`` exactly: the data order of epoch
``e`` depends only on ``(seed, e)`` and the package RNG state is restored, so 2 epochs straight
and 1 + resume 1 give identical parameters.

Each epoch is committed as one transaction: ``checkpoint_last.tc`` (which carries the metrics
of every epoch so far) is replaced atomically first, and that is the commit; then
``checkpoint_best.tc`` and ``metrics.jsonl`` are brought in line with it, each replaced
atomically. A crash before the commit leaves every file at the previous epoch; a crash after it
is completed by ``--resume`` before training goes on (a run resumed after a crash at any point
ends with the same checkpoints and metrics as one never interrupted). Every argument is checked
and ``--out`` must be writable before any data is loaded; a full disk stops the run with a message
saying which epoch is safe.

``mpiexec -n P python examples/train.py --distributed ...`` trains data-parallel on P MPI ranks
(``pip install -e '.[distributed]'``): each rank takes its DistributedSampler shard of every
epoch, DistributedDataParallel averages the gradients, and rank 0 alone prints and writes.
``--dist-timeout S`` aborts the job, naming the silent rank, when a collective waits more than
``S`` seconds (default: tinyconv.distributed's, 30 minutes).
"""
import argparse
import json
import math
import os
import secrets
import sys
import time


def _early_num_threads(argv):
    """Apply --num-threads before NumPy/OpenMP start their thread pools (env vars act only then).

    Only a positive integer is applied; anything else is left for ``parse_args`` to reject.
    """
    for i, a in enumerate(argv):
        if a == "--num-threads" and i + 1 < len(argv):
            n = argv[i + 1]
        elif a.startswith("--num-threads="):
            n = a.split("=", 1)[1]
        else:
            continue
        if not (n.isdigit() and int(n) > 0):
            continue
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = n


if __name__ == "__main__":
    _early_num_threads(sys.argv[1:])

import tinyconv  # noqa: E402,F401,I001  before NumPy: sets OpenBLAS's thread spin
import numpy as np  # noqa: E402

import tinyconv as tc  # noqa: E402
import tinyconv.nn.functional as F  # noqa: E402
from tinyconv import distributed as dist  # noqa: E402
from tinyconv import datasets, models, nn, optim  # noqa: E402
from tinyconv import transforms as T  # noqa: E402
from tinyconv.utils.data import DataLoader, Subset  # noqa: E402
from tinyconv.utils.serialization import atomic_write  # noqa: E402

DATASETS = {
    # name: (class, channels, size, mean, std)
    "fashion-mnist": (datasets.FashionMNIST, 1, 28, (0.2860,), (0.3530,)),
    "mnist": (datasets.MNIST, 1, 28, (0.1307,), (0.3081,)),
    "cifar10": (datasets.CIFAR10, 3, 32, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
}
LAST, BEST, METRICS = "checkpoint_last.tc", "checkpoint_best.tc", "metrics.jsonl"
# what a checkpoint must share with the command that resumes it (the rest may change)
RESUME_MUST_MATCH = ("model", "dataset", "optimizer", "scheduler")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", choices=["lenet5", "minivgg", "threelayer", "resnet20"],
                   default="lenet5")
    p.add_argument("--dataset", choices=sorted(DATASETS), default="fashion-mnist")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--eval-batch-size", type=int, default=1000)
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate (default: 0.05 for sgd, 2e-3 for adam/adamw)")
    p.add_argument("--optimizer", choices=["sgd", "adam", "adamw"], default="adam")
    p.add_argument("--momentum", type=float, default=0.9, help="sgd momentum")
    p.add_argument("--weight-decay", type=float, default=None,
                   help="default: 5e-4 for sgd, 0 for adam, 1e-2 for adamw")
    p.add_argument("--scheduler", choices=["none", "step", "cosine", "onecycle"],
                   default="cosine")
    p.add_argument("--augment", action="store_true",
                   help="random crop (padding 2 for 28x28, 4 for 32x32) + horizontal flip")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/train")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint_last.tc")
    p.add_argument("--stop-after", type=int, default=None, metavar="N",
                   help="stop this run after N epochs (the schedule still spans --epochs; "
                        "continue later with --resume)")
    p.add_argument("--data-root", default=None)
    p.add_argument("--download", action="store_true", help="download the dataset if missing")
    p.add_argument("--limit-train", type=int, default=None, help="use the first N train images")
    p.add_argument("--limit-test", type=int, default=None, help="use the first N test images")
    p.add_argument("--no-progress", action="store_true", help="no tqdm bars")
    p.add_argument("--no-plots", action="store_true", help="skip the PNGs")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel over MPI ranks: mpiexec -n P python examples/train.py "
                        "--distributed ... (--batch-size is per rank; rank 0 prints and writes)")
    p.add_argument("--num-threads", type=int, default=None,
                   help="threads for the OpenMP kernels and BLAS (only effective from the command "
                        "line; 1 is much faster on a machine busy with other work)")
    p.add_argument("--dist-timeout", type=float, default=None, metavar="SECONDS",
                   help="with --distributed: abort the job, naming the silent rank, when a "
                        "collective waits longer than this (unset: 1800 s, as torch)")
    args = p.parse_args(argv)
    if args.lr is None:
        args.lr = 0.05 if args.optimizer == "sgd" else 2e-3
    if args.weight_decay is None:
        args.weight_decay = {"sgd": 5e-4, "adam": 0.0, "adamw": 1e-2}[args.optimizer]
    for problem in _invalid(args):
        p.error(problem)
    return args


def _invalid(args):
    """What is wrong with the parsed arguments (each message names the flag and the value)."""
    positive_ints = ["epochs", "batch_size", "eval_batch_size"]
    optional_positive_ints = ["stop_after", "limit_train", "limit_test", "num_threads"]
    for name in positive_ints + optional_positive_ints:
        v = getattr(args, name)
        if v is None and name in optional_positive_ints:
            continue
        if v < 1:
            yield f"--{name.replace('_', '-')} must be a positive integer, got {v}"
    if not (math.isfinite(args.lr) and args.lr > 0):
        yield f"--lr must be a positive finite number, got {args.lr}"
    for name in ("momentum", "weight_decay"):
        v = getattr(args, name)
        if not (math.isfinite(v) and v >= 0):
            yield f"--{name.replace('_', '-')} must be a finite number >= 0, got {v}"
    if args.seed < 0:
        yield f"--seed must be >= 0, got {args.seed}"
    if args.dist_timeout is not None and not (math.isfinite(args.dist_timeout)
                                              and args.dist_timeout > 0):
        yield f"--dist-timeout must be a positive number of seconds, got {args.dist_timeout}"


# ----------------------------------------------------------------------------- recipe pieces

def build_data(args):
    """(train_set, test_set, (channels, size)) with the recipe's transforms."""
    cls, c, size, mean, std = DATASETS[args.dataset]
    test_tf = T.Compose([T.ToTensor(), T.Normalize(mean, std)])
    train_steps = [T.ToTensor()]
    if args.augment:
        train_steps += [T.RandomCrop(size, padding=2 if size == 28 else 4),
                        T.RandomHorizontalFlip()]
    train_tf = T.Compose(train_steps + [T.Normalize(mean, std)])
    train = cls(args.data_root, train=True, transform=train_tf, download=args.download)
    test = cls(args.data_root, train=False, transform=test_tf, download=args.download)
    if args.limit_train is not None:
        train = Subset(train, np.arange(min(args.limit_train, len(train))))
    if args.limit_test is not None:
        test = Subset(test, np.arange(min(args.limit_test, len(test))))
    return train, test, (c, size)


def build_model(name, channels, size, num_classes=10):
    if name == "lenet5":
        return models.LeNet5(in_channels=channels, num_classes=num_classes, input_size=size)
    if name == "minivgg":
        return models.MiniVGG(in_channels=channels, num_classes=num_classes)
    if name == "resnet20":
        return models.ResNet20(in_channels=channels, num_classes=num_classes)
    return models.ThreeLayerConvNet(input_dim=(channels, size, size), num_classes=num_classes)


def build_optimizer(args, params, lib=None):
    lib = lib or optim
    if args.optimizer == "sgd":
        return lib.SGD(params, lr=args.lr, momentum=args.momentum,
                       weight_decay=args.weight_decay, nesterov=args.momentum > 0)
    cls = lib.Adam if args.optimizer == "adam" else lib.AdamW
    return cls(params, lr=args.lr, weight_decay=args.weight_decay)


def build_scheduler(args, opt, steps_per_epoch, lib=None):
    """(scheduler or None, per_batch: bool)."""
    sched = (lib or optim).lr_scheduler
    if args.scheduler == "step":
        return sched.StepLR(opt, step_size=max(1, args.epochs // 3), gamma=0.1), False
    if args.scheduler == "cosine":
        return sched.CosineAnnealingLR(opt, T_max=args.epochs), False
    if args.scheduler == "onecycle":
        total = args.epochs * steps_per_epoch
        return sched.OneCycleLR(opt, max_lr=args.lr, total_steps=total), True
    return None, False


# ----------------------------------------------------------------------------- loops

def _bar(iterable, total, desc, enabled):
    if not enabled:
        return iterable
    from tqdm import tqdm
    return tqdm(iterable, total=total, desc=desc, leave=False, dynamic_ncols=True,
                mininterval=0.5)


def train_one_epoch(model, loader, opt, sched, per_batch, epoch, progress=True):
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    t0 = time.perf_counter()
    bar = _bar(loader, len(loader), f"epoch {epoch} train", progress)
    for i, (x, y) in enumerate(bar):
        out = model(x)
        loss = F.cross_entropy(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if per_batch and sched is not None:
            sched.step()
        n = y.shape[0]
        total_loss += loss.item() * n
        correct += int((out.argmax(1) == y).sum())
        seen += n
        if progress and (i % 20 == 0 or i == len(loader) - 1):
            bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.4f}",
                            img_s=f"{seen / (time.perf_counter() - t0):.0f}")
    if not per_batch and sched is not None:
        sched.step()
    return total_loss / max(seen, 1), correct / max(seen, 1), time.perf_counter() - t0


def evaluate(model, loader, progress=False):
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with tc.no_grad():
        for x, y in _bar(loader, len(loader), "eval", progress):
            out = model(x)
            total_loss += F.cross_entropy(out, y, reduction="sum").item()
            correct += int((out.argmax(1) == y).sum())
            seen += y.shape[0]
    return total_loss / max(seen, 1), correct / max(seen, 1)


# ----------------------------------------------------------------------------- checkpoints

def checkpoint_state(model, opt, sched, epoch, best_acc, best_epoch, args, history):
    """Everything needed to continue exactly, and the metrics of every epoch so far."""
    return {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict() if sched is not None else {},
        "epoch": epoch,
        "best_acc": best_acc,
        "best_epoch": best_epoch,
        "rng_state": json.dumps(tc.get_rng_state()),
        "args": json.dumps(vars(args)),
        "metrics": json.dumps(history),
    }


def _copy_file(src, dst):
    """Replace ``dst`` by a copy of ``src``, atomically, one block in memory at a time."""
    with open(src, "rb") as f:
        atomic_write(dst, iter(lambda: f.read(1 << 20), b""))


def _same_file_contents(a, b):
    """Whether two tc.save files are the same (their SHA-256 trailers are equal)."""
    if not (os.path.exists(a) and os.path.exists(b)):
        return False
    tails = []
    for path in (a, b):
        with open(path, "rb") as f:
            f.seek(max(0, os.path.getsize(path) - 64))
            tails.append(f.read())
    return os.path.getsize(a) == os.path.getsize(b) and tails[0] == tails[1]


def complete_commit(out_dir, epoch, best_epoch, history):
    """Bring ``checkpoint_best.tc`` and ``metrics.jsonl`` in line with the committed
    ``checkpoint_last.tc`` of ``epoch`` (idempotent; also how ``--resume`` repairs a commit a
    crash interrupted)."""
    last, best = os.path.join(out_dir, LAST), os.path.join(out_dir, BEST)
    if best_epoch == epoch and not _same_file_contents(last, best):
        _copy_file(last, best)           # the same content: copy rather than serialise again
    text = "".join(json.dumps(r) + "\n" for r in history).encode("utf-8")
    metrics = os.path.join(out_dir, METRICS)
    if os.path.exists(metrics):
        with open(metrics, "rb") as f:
            if f.read() == text:
                return
    atomic_write(metrics, text)


def commit_epoch(out_dir, state, history):
    """Make one epoch durable: first ``checkpoint_last.tc`` (the commit point, holding the
    history), then the best checkpoint and the metrics file derived from it."""
    tc.save(state, os.path.join(out_dir, LAST))
    complete_commit(out_dir, state["epoch"], state["best_epoch"], history)


def _read_metrics(path, upto=None):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    row = json.loads(line)
                    if upto is None or row["epoch"] <= upto:
                        rows.append(row)
    return rows


def _check_writable(out_dir):
    """Fail now, not after an epoch of training, if ``out_dir`` cannot take files."""
    probe = os.path.join(out_dir, f".write-test.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        os.makedirs(out_dir, exist_ok=True)
        with open(probe, "wb") as f:
            f.write(b"tinyconv")
            f.flush()
            os.fsync(f.fileno())
        os.unlink(probe)
    except OSError as e:
        raise SystemExit(f"--out {out_dir}: cannot write there ({e})") from None


def _load_resume_checkpoint(args):
    """The checkpoint ``--resume`` continues from, checked against this command's arguments."""
    last_path = os.path.join(args.out, LAST)
    if not os.path.exists(last_path):
        raise SystemExit(f"--resume: no checkpoint at {last_path}")
    ck = tc.load(last_path)
    saved = json.loads(ck["args"])
    clash = [f"--{k} {saved.get(k)} (now {getattr(args, k)})" for k in RESUME_MUST_MATCH
             if saved.get(k) != getattr(args, k)]
    if clash:
        raise SystemExit(f"--resume: {last_path} was trained with " + ", ".join(clash)
                         + "; resume with the same settings, or start a new run in another "
                         "--out")
    return ck


# ----------------------------------------------------------------------------- plots

def save_plots(out_dir, history, model):
    """curves.png and filters.png; returns the paths written (none without matplotlib)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the plots (pip install 'tinyconv[examples]')")
        return []
    paths = []
    if history:
        ep = [r["epoch"] for r in history]
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
        a1.plot(ep, [r["train_loss"] for r in history], "o-", label="train")
        a1.plot(ep, [r["test_loss"] for r in history], "o-", label="test")
        a1.set_xlabel("epoch")
        a1.set_ylabel("cross-entropy")
        a1.legend()
        a2.plot(ep, [r["train_acc"] for r in history], "o-", label="train")
        a2.plot(ep, [r["test_acc"] for r in history], "o-", label="test")
        a2.set_xlabel("epoch")
        a2.set_ylabel("accuracy")
        a2.legend()
        fig.tight_layout()
        paths.append(os.path.join(out_dir, "curves.png"))
        fig.savefig(paths[-1], dpi=100)
        plt.close(fig)
    conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    if conv is not None:
        w = conv.weight.detach().numpy().astype(np.float64)                 # (F, C, KH, KW)
        nf = w.shape[0]
        cols = int(math.ceil(math.sqrt(nf)))
        rows = int(math.ceil(nf / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.2), squeeze=False)
        for k, ax in enumerate(axes.ravel()):
            ax.axis("off")
            if k >= nf:
                continue
            f = w[k]
            f = (f - f.min()) / (f.max() - f.min() + 1e-12)
            if f.shape[0] == 3:
                ax.imshow(f.transpose(1, 2, 0), interpolation="nearest")
            else:
                ax.imshow(f[0], cmap="gray", interpolation="nearest")
        fig.suptitle(f"first conv layer filters {tuple(w.shape)}")
        paths.append(os.path.join(out_dir, "filters.png"))
        fig.savefig(paths[-1], dpi=100)
        plt.close(fig)
    return paths


# ----------------------------------------------------------------------------- main

def _mean_over_ranks(n, *means):
    """Combine per-rank means over ``n`` samples each into means over every rank."""
    t = tc.tensor(np.array([n] + [m * n for m in means], dtype=np.float64))
    dist.all_reduce(t)
    s = t.tolist()
    return tuple(v / s[0] for v in s[1:])


def _stop(message, distributed):
    """End the run with ``message``: every rank of an MPI job, or this process."""
    if distributed and dist.is_initialized() and dist.get_world_size() > 1:
        print(message, file=sys.stderr, flush=True)
        dist.abort(1)
    raise SystemExit(message)


def main(argv=None):
    args = parse_args(argv)
    rank, world = 0, 1
    if args.distributed:  # rank 0 alone prints, shows progress bars and writes files
        dist.init(**({} if args.dist_timeout is None else {"timeout": args.dist_timeout}))
        rank, world = dist.get_rank(), dist.get_world_size()
        if rank != 0:
            args.no_progress = args.no_plots = True
            sys.stdout = open(os.devnull, "w")
    ck = _load_resume_checkpoint(args) if args.resume else None
    _check_writable(args.out)
    t_start = time.perf_counter()
    tc.manual_seed(args.seed)
    try:
        train_set, test_set, (c, size) = build_data(args)
    except RuntimeError as e:   # missing, damaged or undownloadable data: the message says all
        _stop(f"{args.dataset}: {e}", args.distributed)
    model = build_model(args.model, c, size)
    # distributed: each rank trains on its DistributedSampler shard and evaluates every
    # world-th test image; DDP averages the gradients (the model is wrapped for training only)
    sampler = dist.DistributedSampler(train_set, seed=args.seed) if args.distributed else None
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=sampler is None,
                              sampler=sampler, seed=args.seed)
    test_loader = DataLoader(Subset(test_set, np.arange(rank, len(test_set), world))
                             if args.distributed else test_set, batch_size=args.eval_batch_size)
    net = dist.DistributedDataParallel(model) if args.distributed else model
    opt = build_optimizer(args, model.parameters())
    sched, per_batch = build_scheduler(args, opt, len(train_loader))
    metrics_path = os.path.join(args.out, METRICS)
    last_path = os.path.join(args.out, LAST)

    start_epoch, best_acc, best_epoch, history = 0, -1.0, 0, []
    if ck is not None:
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        if sched is not None and ck["scheduler"]:
            sched.load_state_dict(ck["scheduler"])
        start_epoch = int(ck["epoch"])
        best_acc, best_epoch = float(ck["best_acc"]), int(ck["best_epoch"])
        tc.set_rng_state(json.loads(ck["rng_state"]))
        planned = json.loads(ck["args"]).get("epochs")
        if planned != args.epochs:
            print(f"note: the checkpoint was planned for {planned} epochs; its scheduler state "
                  f"keeps that plan (use --stop-after to interrupt a run and resume it exactly)")
        # checkpoints written before the history moved into them: keep the file's rows
        history = (json.loads(ck["metrics"]) if "metrics" in ck
                   else _read_metrics(metrics_path, upto=start_epoch))
        if rank == 0:   # finish the commit a crash may have interrupted
            complete_commit(args.out, start_epoch, best_epoch, history)
        print(f"resumed from {last_path} at epoch {start_epoch} (best test acc {best_acc:.4f})")
        if start_epoch >= args.epochs:
            print(f"the run is complete: {last_path} is at epoch {start_epoch} of "
                  f"{args.epochs}; nothing left to train")
    elif rank == 0 and os.path.exists(metrics_path):
        os.remove(metrics_path)

    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.model} on {args.dataset}: {len(train_set)} train / {len(test_set)} test images, "
          f"{n_params:,} parameters, {args.optimizer} lr={args.lr} scheduler={args.scheduler}")
    test_acc = None
    end = args.epochs
    if args.stop_after is not None:
        end = min(args.epochs, start_epoch + args.stop_after)
    for epoch in range(start_epoch, end):
        train_loader.set_epoch(epoch)
        if sampler is not None:
            sampler.set_epoch(epoch)
        tr_loss, tr_acc, t_train = train_one_epoch(net, train_loader, opt, sched, per_batch,
                                                   epoch + 1, progress=not args.no_progress)
        te_loss, test_acc = evaluate(model, test_loader)
        if args.distributed:
            tr_loss, tr_acc = _mean_over_ranks(len(sampler), tr_loss, tr_acc)
            te_loss, test_acc = _mean_over_ranks(len(test_loader.dataset), te_loss, test_acc)
        if test_acc > best_acc:
            best_acc, best_epoch = test_acc, epoch + 1
        history.append({"epoch": epoch + 1, "train_loss": tr_loss, "train_acc": tr_acc,
                        "test_loss": te_loss, "test_acc": test_acc,
                        "lr": opt.param_groups[0]["lr"], "epoch_time": t_train,
                        "images_per_s": len(train_set) / t_train})
        if rank == 0:
            state = checkpoint_state(model, opt, sched, epoch + 1, best_acc, best_epoch, args,
                                     history)
            try:
                commit_epoch(args.out, state, history)
            except OSError as e:   # e.g. the disk is full: say what is safe, then stop
                _stop(f"could not save epoch {epoch + 1} into {args.out}: {e}. The files of "
                      f"the last complete epoch are intact; make room and run again with "
                      f"--resume", args.distributed)
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {tr_loss:.4f} acc {tr_acc:.4f} | "
              f"test loss {te_loss:.4f} acc {test_acc:.4f} | {t_train:.1f}s "
              f"({len(train_set) / t_train:.0f} img/s)", flush=True)
    if test_acc is None:          # nothing left to train: report the checkpoint's model
        te_loss, test_acc = evaluate(model, test_loader)
        if args.distributed:
            te_loss, test_acc = _mean_over_ranks(len(test_loader.dataset), te_loss, test_acc)
    if not args.no_plots:
        for path in save_plots(args.out, history, model):
            print(f"wrote {path}")
    wall = time.perf_counter() - t_start
    print(f"final: test accuracy {test_acc:.4f} (best {best_acc:.4f} at epoch {best_epoch}), "
          f"wall time {wall:.1f}s")
    return {"test_acc": test_acc, "best_acc": best_acc, "wall_time": wall, "model": model}


if __name__ == "__main__":
    main(sys.argv[1:])
