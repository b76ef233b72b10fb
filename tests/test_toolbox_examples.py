"""Short runs of examples/finetune.py and examples/encoder_decoder.py on real Fashion-MNIST
subsets (the Debian dataset package)."""
import importlib.util
import os

import numpy as np
import pytest

import tinyconv as tc

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
    ft = _load("finetune")
    ck = str(tmp_path / "pre.tc")
    res = ft.main(["--checkpoint", ck, "--pretrain-images", "300", "--pretrain-epochs", "1",
                   "--labels", "40", "--epochs", "2", "--test-images", "100"])
    out = capsys.readouterr().out
    assert "pretrained on classes 0-4" in out and "from scratch" in out
    assert 0.0 <= res["finetuned"] <= 1.0 and 0.0 <= res["scratch"] <= 1.0
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
    ed = _load("encoder_decoder")
    res = ed.main(["--train-images", "64", "--test-images", "32", "--epochs", "1",
                   "--batch-size", "32"])
    assert np.isfinite(res["mse_model"]) and res["mse_noisy"] > 0
    assert "test MSE" in capsys.readouterr().out
    y = res["model"](tc.randn(2, 1, 12, 16))
    assert y.shape == (2, 1, 12, 16)
