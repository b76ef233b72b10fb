"""The issue-20 names of the matrix functions, creation and random functions, layers, losses and
nn utilities (items 6, 7, 8, 9 and 13), as data: each must exist in tinyconv under the listed
path and in torch under its own.  Behaviour against torch is tested through the op registry
(tinyconv.testing.opinfo: matrix, linalg, vision, activation, nonlinear, loss, loss_more ...;
run by test_ops.py) and in the per-area files (test_layers_more.py, test_loss.py,
test_random_creation.py, test_nn_utils.py, test_init.py, test_grid_sample.py)."""
import inspect

import pytest
import torch

import tinyconv
from tests.utils import resolve

# 6. matrix functions (top level; methods where torch has them) and tc.linalg's basics
MATRIX = ["bmm", "baddbmm", "addmm", "einsum", "dot", "vdot", "outer", "cdist", "tensordot",
          "kron", "trace", "mm", "mv", "addmv", "inverse", "det", "slogdet", "logdet"]
MATRIX_METHODS = ["bmm", "baddbmm", "addmm", "dot", "vdot", "outer", "kron", "trace", "mm",
                  "mv", "addmv", "inverse", "det", "slogdet", "logdet"]
LINALG = ["inv", "det", "slogdet", "solve", "svd", "svdvals", "qr", "eigh", "eigvalsh",
          "cholesky", "norm", "vector_norm", "matrix_norm", "LinAlgError"]
# 7. creation and random sampling, dtypes and their limits, RNG state, grad modes, threads
CREATION = ["rand_like", "randn_like", "randint_like", "randint", "randperm", "normal",
            "bernoulli", "multinomial", "linspace", "logspace", "eye", "full_like", "empty",
            "is_tensor", "numel", "inference_mode", "bfloat16", "float16", "finfo", "iinfo",
            "get_rng_state", "set_rng_state", "Generator", "manual_seed", "set_num_threads",
            "get_num_threads", "initial_seed", "use_deterministic_algorithms",
            "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
            "get_deterministic_debug_mode", "FloatTensor", "DoubleTensor", "HalfTensor",
            "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]
# 8. layers (tinyconv.nn) and their functional forms (tinyconv.nn.functional)
LAYERS = ["Conv1d", "Conv3d", "ConvTranspose1d", "ConvTranspose3d", "MaxPool1d", "MaxPool3d",
          "AvgPool1d", "AvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
          "AdaptiveAvgPool1d", "AdaptiveAvgPool3d", "LPPool2d", "Dropout1d", "Dropout2d",
          "Dropout3d", "AlphaDropout", "SiLU", "ReLU6", "ELU", "SELU", "CELU", "PReLU", "RReLU",
          "Softplus", "Softsign", "Mish", "Hardswish", "Hardsigmoid", "Hardtanh", "Tanhshrink",
          "Threshold", "GLU", "LogSigmoid", "Softmin", "Softmax2d", "Embedding", "EmbeddingBag",
          "Bilinear", "LazyLinear", "LazyConv2d", "Unflatten", "ZeroPad2d", "ConstantPad2d",
          "ReflectionPad2d", "ReplicationPad2d", "CircularPad2d", "ChannelShuffle",
          "LocalResponseNorm", "CrossMapLRN2d", "ParameterList", "ParameterDict", "BatchNorm3d",
          "InstanceNorm1d", "InstanceNorm3d", "LayerNorm", "RMSNorm", "MultiheadAttention",
          "TransformerEncoderLayer"]
FUNCTIONAL = ["one_hot", "normalize", "cosine_similarity", "pairwise_distance", "grid_sample",
              "affine_grid", "embedding", "scaled_dot_product_attention", "dropout2d",
              # the activations' functional forms
              "silu", "relu6", "elu", "selu", "celu", "prelu", "rrelu", "softplus", "softsign",
              "mish", "hardswish", "hardsigmoid", "hardtanh", "tanhshrink", "threshold", "glu",
              "logsigmoid", "softmin", "softmax",
              # the layers' functional forms
              "conv1d", "conv3d", "conv_transpose1d", "conv_transpose3d", "max_pool1d",
              "max_pool3d", "avg_pool1d", "avg_pool3d", "adaptive_max_pool1d",
              "adaptive_max_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool3d", "lp_pool2d",
              "dropout1d", "dropout3d", "alpha_dropout", "embedding_bag", "bilinear",
              "local_response_norm", "rms_norm", "layer_norm", "instance_norm",
              "channel_shuffle", "gumbel_softmax"]
# 9. losses, as modules and as functions
LOSSES = ["BCELoss", "BCEWithLogitsLoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss",
          "MarginRankingLoss", "HingeEmbeddingLoss", "MultiMarginLoss",
          "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss", "TripletMarginLoss",
          "PoissonNLLLoss", "GaussianNLLLoss"]
LOSS_FUNCTIONS = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "l1_loss",
                  "smooth_l1_loss", "huber_loss", "kl_div", "margin_ranking_loss",
                  "hinge_embedding_loss", "multi_margin_loss", "multilabel_soft_margin_loss",
                  "cosine_embedding_loss", "triplet_margin_loss", "poisson_nll_loss",
                  "gaussian_nll_loss"]
# 13. nn utilities
UTILS = ["nn.utils.parameters_to_vector", "nn.utils.vector_to_parameters",
         "nn.utils.weight_norm", "nn.utils.remove_weight_norm", "nn.utils.spectral_norm",
         "nn.utils.remove_spectral_norm", "nn.utils.parametrizations",
         "nn.utils.parametrizations.weight_norm", "nn.utils.parametrizations.spectral_norm",
         "nn.utils.parametrize.register_parametrization",
         "nn.utils.parametrize.remove_parametrizations", "nn.utils.parametrize.is_parametrized",
         "nn.init.dirac_", "nn.init.orthogonal_", "nn.init.sparse_", "nn.init.eye_",
         "autograd.gradcheck", "autograd.gradgradcheck", "nn.utils.rnn.pad_sequence",
         "random.fork_rng", "random.manual_seed", "random.initial_seed",
         "random.get_rng_state", "random.set_rng_state"]

# (reference name, tinyconv name)
NAMES = [(f"torch.{n}", f"tinyconv.{n}") for n in MATRIX + CREATION]
NAMES += [(f"torch.Tensor.{n}", f"tinyconv.Tensor.{n}") for n in MATRIX_METHODS]
NAMES += [(f"torch.linalg.{n}", f"tinyconv.linalg.{n}") for n in LINALG]
NAMES += [(f"torch.nn.{n}", f"tinyconv.nn.{n}") for n in LAYERS + LOSSES]
NAMES += [(f"torch.nn.functional.{n}", f"tinyconv.nn.functional.{n}")
          for n in FUNCTIONAL + LOSS_FUNCTIONS]
NAMES += [(f"torch.{n}", f"tinyconv.{n}") for n in UTILS]



@pytest.mark.parametrize("ref,ours", NAMES, ids=[n for _, n in NAMES])
def test_name_exists(ref, ours):
    mine, theirs = resolve(ours), resolve(ref)
    if inspect.ismodule(theirs):
        assert inspect.ismodule(mine)
    elif isinstance(theirs, torch.dtype):
        assert mine is not None
    else:
        assert callable(mine)


@pytest.mark.parametrize("name", ["gradcheck", "gradgradcheck"])
def test_gradcheck_takes_torchs_parameters(name):
    """autograd.gradcheck/gradgradcheck: torch's parameter names, kinds and defaults."""
    ours = inspect.signature(getattr(tinyconv.autograd, name)).parameters
    theirs = inspect.signature(getattr(torch.autograd, name)).parameters
    assert list(ours) == list(theirs)
    for n, p in theirs.items():
        assert ours[n].kind == p.kind, n
        assert ours[n].default == p.default, n


def test_the_list_has_no_duplicates():
    assert len({n for _, n in NAMES}) == len(NAMES)
    assert torch.__version__.startswith("2.")
