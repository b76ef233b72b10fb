"""A small denoising encoder-decoder on Fashion-MNIST, built from tinyconv's upsampling ops.

    python examples/encoder_decoder.py --train-images 2000 --epochs 3

The encoder is two conv-ReLU-maxpool stages that keep their argmax indices
(``max_pool2d(..., return_indices=True)``).  The decoder goes back up in three ways at once
and sums them: ``max_unpool2d`` puts values back where the encoder's maxima were,
``pixel_shuffle`` turns channels into a 2x larger map (sub-pixel convolution), and at the last
level bilinear ``interpolate`` (``nn.Upsample``) and a stride-2 ``conv_transpose2d`` add
their own upsampled maps.  Trained to map noisy images (Gaussian noise, std ``--noise``) to
clean ones with MSE; reports the test MSE against the MSE of the noisy input itself.
"""
import argparse
import time

import tinyconv  # noqa: F401,I001  before NumPy: sets OpenBLAS's thread spin (tinyconv/__init__.py)
import numpy as np

import tinyconv as tc
import tinyconv.nn.functional as F
from tinyconv import datasets, nn, optim


class DenoisingAutoencoder(nn.Module):
    """(N, 1, 28, 28) -> (N, 1, 28, 28); any H, W divisible by 4."""

    def __init__(self, width=16):
        super().__init__()
        w = width
        self.enc1 = nn.Conv2d(1, w, 3, padding=1)
        self.enc2 = nn.Conv2d(w, 2 * w, 3, padding=1)
        self.to_sub = nn.Conv2d(2 * w, 4 * w, 1)       # 4 = 2x2 sub-pixels for pixel_shuffle
        self.unpooled = nn.Conv2d(2 * w, w, 1)
        self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.deconv = nn.ConvTranspose2d(w, w, 2, stride=2)
        self.out = nn.Conv2d(w, 1, 3, padding=1)

    def forward(self, x):
        H, W = x.shape[-2:]
        e1 = F.relu(self.enc1(x))
        p1, i1 = F.max_pool2d(e1, 2, return_indices=True)            # (N, w, H/2, W/2)
        e2 = F.relu(self.enc2(p1))
        z, i2 = F.max_pool2d(e2, 2, return_indices=True)             # (N, 2w, H/4, W/4)
        d = F.pixel_shuffle(self.to_sub(z), 2)                       # (N, w, H/2, W/2)
        d = d + self.unpooled(F.max_unpool2d(z, i2, 2, output_size=(H // 2, W // 2)))
        d = F.relu(d)
        u = F.max_unpool2d(d, i1, 2, output_size=(H, W)) + self.up(d) + self.deconv(d)
        return self.out(F.relu(u))                                   # (N, 1, H, W)


def load(train, n, rng):
    ds = datasets.FashionMNIST(train=train)
    idx = rng.choice(len(ds.targets), min(n, len(ds.targets)), replace=False)
    return (ds.data[idx].astype(np.float32) / 255.0)[:, None]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train-images", type=int, default=2000)
    p.add_argument("--test-images", type=int, default=500)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--noise", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    tc.manual_seed(args.seed)
    xtr, xte = load(True, args.train_images, rng), load(False, args.test_images, rng)
    noisy_te = xte + args.noise * rng.standard_normal(xte.shape).astype(np.float32)

    model = DenoisingAutoencoder()
    opt = optim.Adam(model.parameters(), lr=args.lr)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        order, total = rng.permutation(len(xtr)), 0.0
        for i in range(0, len(xtr), args.batch_size):
            clean = xtr[order[i:i + args.batch_size]]
            noisy = clean + args.noise * rng.standard_normal(clean.shape).astype(np.float32)
            opt.zero_grad()
            loss = F.mse_loss(model(tc.tensor(noisy)), tc.tensor(clean))
            loss.backward()
            opt.step()
            total += loss.item() * len(clean)
        print(f"epoch {epoch + 1}/{args.epochs}: train MSE {total / len(xtr):.4f} "
              f"({time.time() - t0:.0f}s)")
    model.eval()
    with tc.no_grad():
        out = np.concatenate([model(tc.tensor(noisy_te[i:i + 250])).numpy()
                              for i in range(0, len(xte), 250)])
    mse_model = float(np.mean((out - xte) ** 2))
    mse_noisy = float(np.mean((noisy_te - xte) ** 2))
    print(f"test MSE: denoised {mse_model:.4f} vs noisy input {mse_noisy:.4f} "
          f"({len(xte)} images)")
    return {"mse_model": mse_model, "mse_noisy": mse_noisy, "model": model}


if __name__ == "__main__":
    main()
