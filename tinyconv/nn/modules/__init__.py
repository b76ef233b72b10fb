"""Layer modules (torch.nn's names, constructor arguments and state_dict keys)."""
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .container_params import ParameterDict, ParameterList
from .conv import Conv2d, ConvTranspose2d
from .conv_nd import Conv1d, Conv3d, ConvTranspose1d, ConvTranspose3d
from .dropout import (AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d,
                      FeatureAlphaDropout)
from .embedding import Embedding, EmbeddingBag
from .flatten import ChannelShuffle, Flatten, Unflatten
from .lazy import LazyConv2d, LazyLinear
from .fold import Fold, Unfold
from .linear import Bilinear, Identity, Linear
from .loss import CrossEntropyLoss, MSELoss, NLLLoss
from .loss_more import *  # noqa: F403
from .loss_more import __all__ as _loss_all
from .nonlinear import *  # noqa: F403
from .normalization_more import (BatchNorm3d, CrossMapLRN2d, InstanceNorm1d, InstanceNorm3d,
                                 LocalResponseNorm, RMSNorm)
from .padding import *  # noqa: F403
from .padding import __all__ as _padding_all
from .pooling_nd import *  # noqa: F403
from .pooling_nd import __all__ as _pooling_all
from .nonlinear import __all__ as _nonlinear_all
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm2d, LayerNorm
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .transformer import MultiheadAttention, TransformerEncoder, TransformerEncoderLayer
from .upsampling import *  # noqa: F403
from .upsampling import __all__ as _upsampling_all

__all__ = [
    "Sequential", "ModuleList", "ModuleDict", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d",
    "ConvTranspose2d", "ConvTranspose3d", "MaxPool2d",
    "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm1d", "BatchNorm2d", "InstanceNorm2d",
    "GroupNorm", "LayerNorm", "ReLU", "LeakyReLU", "GELU", "Sigmoid", "Tanh", "Softmax",
    "LogSoftmax", "Linear", "Identity", "Flatten", "Dropout", "CrossEntropyLoss", "NLLLoss",
    "MSELoss", "Fold", "Unfold", *_upsampling_all, *_nonlinear_all,
    "Embedding", "EmbeddingBag", "MultiheadAttention", "TransformerEncoderLayer",
    "TransformerEncoder", *_loss_all, *_pooling_all, *_padding_all,
    "ParameterList", "ParameterDict", "AlphaDropout", "Dropout1d", "Dropout2d", "Dropout3d",
    "FeatureAlphaDropout", "ChannelShuffle", "Unflatten", "LazyConv2d", "LazyLinear",
    "Bilinear", "BatchNorm3d", "CrossMapLRN2d", "InstanceNorm1d", "InstanceNorm3d",
    "LocalResponseNorm", "RMSNorm",
]
