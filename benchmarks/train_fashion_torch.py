"""The training recipe of examples/train.py, run in PyTorch, for the accuracy/time comparison.

    python benchmarks/train_fashion_torch.py --model lenet5 --dataset fashion-mnist --epochs 10

Same command-line options as ``examples/train.py`` (it reuses its parser, datasets, transforms and
seeded DataLoader, so both see the same batches in the same order with the same augmentation),
the same model structure (the ``torch.nn`` twins below have tinyconv's state_dict keys), the same
optimizer and schedule. ``--init copy`` (default) starts from the very weights tinyconv would
start from; ``--init torch`` uses torch's own default initialisation (same distribution).
Prints test accuracy and wall time per epoch, then a final summary line.
"""
import importlib.util
import os
import sys
import time

if __name__ == "__main__":        # --num-threads must reach OpenMP/BLAS before they start
    for _i, _a in enumerate(sys.argv):
        if _a == "--num-threads" and _i + 1 < len(sys.argv):
            for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ[_v] = sys.argv[_i + 1]

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as tnn  # noqa: E402
import torch.nn.functional as TF  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_train_module():
    path = os.path.join(HERE, "..", "examples", "train.py")
    spec = importlib.util.spec_from_file_location("tinyconv_examples_train", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ----------------------------------------------------------------------------- torch twins

class TorchLeNet5(tnn.Module):
    def __init__(self, in_channels=3, num_classes=10, input_size=32):
        super().__init__()
        pad = 2 if input_size == 28 else 0
        self.features = tnn.Sequential(
            tnn.Conv2d(in_channels, 6, 5, padding=pad), tnn.ReLU(), tnn.MaxPool2d(2),
            tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2))
        s = ((input_size + 2 * pad - 4) // 2 - 4) // 2
        self.classifier = tnn.Sequential(
            tnn.Linear(16 * s * s, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(),
            tnn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class TorchMiniVGG(tnn.Module):
    def __init__(self, in_channels=3, num_classes=10, dropout=0.3):
        super().__init__()
        layers, c = [], in_channels
        for v in (64, 64, "M", 128, 128, "M", 256, 256, "M"):
            if v == "M":
                layers.append(tnn.MaxPool2d(2))
            else:
                layers += [tnn.Conv2d(c, v, 3, padding=1, bias=False), tnn.BatchNorm2d(v),
                           tnn.ReLU()]
                c = v
        self.features = tnn.Sequential(*layers)
        self.classifier = tnn.Sequential(tnn.Linear(c, 256), tnn.ReLU(), tnn.Dropout(dropout),
                                         tnn.Linear(256, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x).mean(dim=(2, 3)))


class TorchThreeLayerConvNet(tnn.Module):
    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100,
                 num_classes=10):
        super().__init__()
        c, h, w = input_dim
        pad = (filter_size - 1) // 2
        self.conv = tnn.Conv2d(c, num_filters, filter_size, padding=pad)
        self.pool = tnn.MaxPool2d(2)
        oh, ow = (h + 2 * pad - filter_size + 1) // 2, (w + 2 * pad - filter_size + 1) // 2
        self.fc1 = tnn.Linear(num_filters * oh * ow, hidden_dim)
        self.fc2 = tnn.Linear(hidden_dim, num_classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        return self.fc2(torch.relu(self.fc1(x.flatten(1))))


def build_torch_model(name, channels, size, num_classes=10):
    if name == "lenet5":
        return TorchLeNet5(channels, num_classes, size)
    if name == "minivgg":
        return TorchMiniVGG(channels, num_classes)
    return TorchThreeLayerConvNet((channels, size, size), num_classes=num_classes)


def copy_state(tc_model, torch_model):
    """Load a tinyconv model's state_dict into its torch twin (keys and shapes must match)."""
    sd = {k: torch.from_numpy(np.array(v.numpy(), copy=True))
          for k, v in tc_model.state_dict().items()}
    torch_model.load_state_dict(sd, strict=True)


# ----------------------------------------------------------------------------- main

def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    init = "copy"
    if "--init" in argv:
        i = argv.index("--init")
        init = argv[i + 1]
        del argv[i:i + 2]
    tr = _load_train_module()
    args = tr.parse_args(argv)
    import tinyconv as tc
    from tinyconv.utils.data import DataLoader

    if args.num_threads:
        torch.set_num_threads(args.num_threads)
    t_start = time.perf_counter()
    tc.manual_seed(args.seed)
    torch.manual_seed(args.seed)
    train_set, test_set, (c, size) = tr.build_data(args)
    model = build_torch_model(args.model, c, size)
    if init == "copy":
        copy_state(tr.build_model(args.model, c, size), model)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              seed=args.seed)
    test_loader = DataLoader(test_set, batch_size=args.eval_batch_size)
    opt = tr.build_optimizer(args, model.parameters(), lib=torch.optim)
    sched, per_batch = tr.build_scheduler(args, opt, len(train_loader), lib=torch.optim)
    print(f"[torch {torch.__version__}, {torch.get_num_threads()} threads] {args.model} on "
          f"{args.dataset}: {len(train_set)} train / {len(test_set)} test, init={init}")
    acc = 0.0
    for epoch in range(args.epochs):
        train_loader.set_epoch(epoch)
        model.train()
        t0 = time.perf_counter()
        seen, correct, total = 0, 0, 0.0
        for x, y in train_loader:
            x, y = torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy())
            out = model(x)
            loss = TF.cross_entropy(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if per_batch and sched is not None:
                sched.step()
            total += loss.item() * len(y)
            correct += int((out.argmax(1) == y).sum())
            seen += len(y)
        if not per_batch and sched is not None:
            sched.step()
        t_train = time.perf_counter() - t0
        model.eval()
        hits, n = 0, 0
        with torch.no_grad():
            for x, y in test_loader:
                out = model(torch.from_numpy(x.numpy()))
                hits += int((out.argmax(1) == torch.from_numpy(y.numpy())).sum())
                n += len(y)
        acc = hits / n
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {total / seen:.4f} acc "
              f"{correct / seen:.4f} | test acc {acc:.4f} | {t_train:.1f}s "
              f"({seen / t_train:.0f} img/s)", flush=True)
    print(f"final (torch): test accuracy {acc:.4f}, wall time {time.perf_counter() - t_start:.1f}s")
    return acc


if __name__ == "__main__":
    main()
