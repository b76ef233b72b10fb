"""torch.nn.utils: gradient clipping, the flat view of parameters, weight and spectral
normalisation (old-style hooks, and as parametrizations), ``parametrize``, and
``rnn.pad_sequence``."""
from . import parametrizations, parametrize, rnn
from .clip_grad import (clip_grad_norm_, clip_grad_value_, parameters_to_vector,
                        vector_to_parameters)
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters", "weight_norm", "remove_weight_norm", "spectral_norm",
           "remove_spectral_norm", "parametrize", "parametrizations", "rnn"]
