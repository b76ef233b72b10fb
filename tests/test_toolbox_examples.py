"""Short seeded runs of examples/finetune.py, examples/encoder_decoder.py and
examples/train_mobilenet_fmnist.py on real Fashion-MNIST subsets (the Debian dataset package),
asserting what each example claims; the MobileNetV2 of the last against its torch twin."""
import ast
import importlib.util
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import tinyconv as tc
from tinyconv.testing import assert_close

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
HAVE_DATA = os.path.isdir("/usr/share/datasets/fashion-mnist")


def _load(name):
    spec = importlib.util.spec_from_file_location(f"tinyconv_example_{name}",
                                                  os.path.join(ROOT, "examples", f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_DATA, reason="Fashion-MNIST not installed")
def test_finetune_short_run(tmp_path, capsys):
    """The example's finding, on the same labels and epochs for both networks: features learnt
    on clothes (classes 0-4) do not transfer to shoes and bags (5-9), and training from
    scratch beats the fine-tuned network (frozen first conv, body at lr / 10).  Seed 0 gives
    0.62 vs 0.31; seeds 0-5 give margins of 0.15 to 0.46 (chance is 0.2)."""
    ft = _load("finetune")
    ck = str(tmp_path / "pre.tc")
    res = ft.main(["--checkpoint", ck, "--pretrain-images", "300", "--pretrain-epochs", "1",
                   "--labels", "100", "--epochs", "3", "--test-images", "200", "--seed", "0"])
    out = capsys.readouterr().out
    assert "pretrained on classes 0-4" in out and "from scratch" in out
    assert res["scratch"] > 0.4, res  # the baseline learnt the task
    assert res["scratch"] > res["finetuned"] + 0.1, res
    state = tc.load(ck)
    model = res["model"]
    # the frozen first conv is exactly the checkpoint's; the unfrozen body moved (lower lr)
    np.testing.assert_array_equal(model.features[0].weight._data,
                                  state["features.0.weight"].numpy())
    assert not model.features[0].weight.requires_grad
    assert not np.array_equal(model.features[3].weight._data,
                              state["features.3.weight"].numpy())
    assert model.classifier[4].out_features == 5


@pytest.mark.skipif(not HAVE_DATA, reason="Fashion-MNIST not installed")
def test_encoder_decoder_short_run(capsys):
    """The denoiser helps: its output is closer to the clean test images than the noisy input
    it was given.  512 images, one epoch: seed 0 gives 0.048 vs 0.090; seeds 0-3 give ratios
    of 0.41 to 0.58."""
    ed = _load("encoder_decoder")
    res = ed.main(["--train-images", "512", "--test-images", "64", "--epochs", "1",
                   "--batch-size", "32", "--seed", "0"])
    assert res["mse_model"] < 0.75 * res["mse_noisy"], res
    assert "test MSE" in capsys.readouterr().out
    y = res["model"](tc.randn(2, 1, 12, 16))
    assert y.shape == (2, 1, 12, 16)


# ------------------------------------------------------------- examples/train_mobilenet_fmnist.py

def _torch_twin():
    """The example's model code run with torch's ``nn`` (the same source, torch's modules)."""
    torch = pytest.importorskip("torch")
    path = os.path.join(ROOT, "examples", "train_mobilenet_fmnist.py")
    with open(path) as f:
        source = f.read()
    ns = {"nn": torch.nn, "tc": torch}
    for node in ast.parse(source).body:
        if getattr(node, "name", None) in ("_make_divisible", "Conv2dNormActivation",
                                           "InvertedResidual", "MobileNetV2"):
            exec(ast.get_source_segment(source, node), ns)
    return torch, ns["MobileNetV2"]


def test_mobilenet_v2_is_torchvisions_and_matches_its_torch_twin():
    """torchvision's mobilenet_v2 has 3,504,872 parameters (3 channels, 1000 classes; strides
    do not change the count); at width 0.25 on 1x28x28 the outputs, every gradient and the
    running statistics agree with the same code run under torch (float64 reference)."""
    mb = _load("train_mobilenet_fmnist")
    big = mb.MobileNetV2(num_classes=1000, width_mult=1.0, in_channels=3)
    assert sum(p.numel() for p in big.parameters()) == 3_504_872
    torch, TorchMobileNetV2 = _torch_twin()
    tc.manual_seed(0)
    m = mb.MobileNetV2(width_mult=0.25, dropout=0.0)
    t = TorchMobileNetV2(width_mult=0.25, dropout=0.0)
    assert list(m.state_dict()) == list(t.state_dict())
    t.load_state_dict({k: torch.from_numpy(np.array(v.numpy(), copy=True))
                       for k, v in m.state_dict().items()})
    t.double()
    x = np.random.default_rng(1).standard_normal((6, 1, 28, 28)).astype(np.float32)
    y = np.array([0, 1, 2, 3, 4, 9])
    out = m(tc.tensor(x))
    tout = t(torch.tensor(x, dtype=torch.float64))
    assert out.shape == (6, 10) and out.dtype == tc.float32
    assert_close(out, tout, dtype=np.float32, tol=1e-4, what="output")
    tc.nn.CrossEntropyLoss(label_smoothing=0.1)(out, tc.tensor(y)).backward()
    torch.nn.CrossEntropyLoss(label_smoothing=0.1)(tout, torch.tensor(y)).backward()
    tparams = dict(t.named_parameters())
    for k, p in m.named_parameters():
        assert_close(p.grad, tparams[k].grad, dtype=np.float32, tol=1e-4, what=f"grad {k}")
    tbufs = dict(t.named_buffers())
    for k, b in m.named_buffers():
        if b.dtype == tc.float32:
            assert_close(b, tbufs[k].float(), dtype=np.float32, tol=1e-5, what=k)


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_DATA, reason="Fashion-MNIST not installed")
def test_train_mobilenet_fmnist_short_run(tmp_path):
    """The command line end to end, as a user runs it: two worker processes, 1024 images for
    two epochs at width 0.25 (64 steps), 500 test images; 25-40 s on a loaded 2-core machine.
    Seeds 0-2 gave train losses 2.14-2.16 then 1.79-1.83 and test top-1 0.33-0.42 (chance:
    0.1; after the first epoch's 32 steps the eval-mode network is still at chance, in torch
    too, while its BatchNorm running statistics catch up)."""
    out_dir = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, os.path.join(ROOT, "examples", "train_mobilenet_fmnist.py"),
           "--limit-train", "1024", "--epochs", "2", "--batch-size", "32", "--limit-test", "500",
           "--width-mult", "0.25", "--lr", "0.02", "--workers", "2", "--num-threads", "1",
           "--seed", "0", "--no-progress", "--out", str(out_dir)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 workers, 1 threads" in proc.stdout
    last = proc.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"final: test top-1 (\d\.\d{4}) top-5 (\d\.\d{4}) \(500 images\), "
                     r"wall time [\d.]+s", last)
    assert m, proc.stdout
    top1, top5 = float(m.group(1)), float(m.group(2))
    ck = tc.load(str(out_dir / "checkpoint.tc"))
    assert ck["epoch"] == 2
    history = json.loads(ck["metrics"])
    assert [r["epoch"] for r in history] == [1, 2]
    assert history[1]["train_loss"] < history[0]["train_loss"], history
    assert history[-1]["test_top1"] == pytest.approx(top1, abs=1e-4)
    assert top1 > 0.2 and top5 >= top1, last
    assert not [p.name for p in out_dir.iterdir() if p.name != "checkpoint.tc"]  # no temp file
    model = ck["model"]
    assert "features.18.0.weight" in model and "classifier.1.weight" in model
    for k, v in model.items():   # float32 throughout (the counters are int64, as torch's)
        assert v.dtype == (tc.int64 if k.endswith("num_batches_tracked") else tc.float32), k
    for state in ck["optimizer"]["state"].values():
        assert state["momentum_buffer"].dtype == tc.float32
