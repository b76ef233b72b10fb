"""tinyconv.nn.functional: every op's public function, with torch's signature.

Each function validates its arguments (naming the argument and the shapes, with the checks of
``tinyconv._checks``), then calls one op of ``tinyconv.ops``.  One module per family, as
torch's reference groups them; this package re-exports them all.
"""
from ..._functions.shape import flatten
from .activation import (dropout, gelu, gumbel_softmax, leaky_relu, log_softmax, relu, sigmoid,
                         softmax, tanh)
from .attention import scaled_dot_product_attention
from .conv import ConvArgumentError, ConvDtypeError, conv2d, conv_transpose2d
from .conv_nd import conv1d, conv3d, conv_transpose1d, conv_transpose3d
from .distance import cosine_similarity, normalize, pairwise_distance
from .embedding import embedding, embedding_bag, one_hot
from .dropout_nd import alpha_dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout
from .linear import bilinear, linear
from .normalization_more import channel_shuffle, local_response_norm, rms_norm
from .loss import (binary_cross_entropy_with_logits, cross_entropy, l1_loss, mse_loss, nll_loss,
                   smooth_l1_loss)
from .loss_margin import *  # noqa: F403
from .loss_margin import __all__ as _margin_all
from .loss_prob import *  # noqa: F403
from .loss_prob import __all__ as _prob_all
from .nonlinear import *  # noqa: F403
from .nonlinear import __all__ as _nonlinear_all
from .pooling_nd import *  # noqa: F403
from .pooling_nd import __all__ as _pooling_all
from .normalization import batch_norm, group_norm, instance_norm, layer_norm
from .padding import pad
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d, max_unpool2d
from .sampling import fold, interpolate, pixel_shuffle, pixel_unshuffle, unfold, upsample
from .vision import affine_grid, grid_sample

__all__ = [
    "ConvArgumentError", "ConvDtypeError", "adaptive_avg_pool2d", "avg_pool2d", "batch_norm",
    "binary_cross_entropy_with_logits", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
    "conv_transpose3d", "conv_transpose2d", "cross_entropy",
    "dropout", "flatten", "fold", "gelu", "group_norm", "gumbel_softmax", "instance_norm",
    "interpolate",
    "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax", "max_pool2d",
    "max_unpool2d", "mse_loss", "nll_loss", "pad", "pixel_shuffle", "pixel_unshuffle", "relu",
    "sigmoid", "smooth_l1_loss", "softmax", "tanh", "unfold", "upsample", *_nonlinear_all,
    "scaled_dot_product_attention", "cosine_similarity", "normalize", "pairwise_distance",
    "embedding", "embedding_bag", "one_hot", *_margin_all, *_prob_all,
    *_pooling_all, "alpha_dropout", "dropout1d", "dropout2d", "dropout3d",
    "feature_alpha_dropout", "bilinear", "channel_shuffle", "local_response_norm", "rms_norm",
    "affine_grid", "grid_sample",
]
