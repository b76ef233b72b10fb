"""The issue-20 names of the training layer (items 10-14: optimizers, schedulers, swa_utils,
data, transforms, non-op utilities, torch checkpoints), as data: each must exist in tinyconv
under the listed path, and each torch name must exist in torch (torchvision's names are
checked against torchvision's public list below, since torchvision cannot be installed beside
this torch).  Behaviour is tested against torch in the per-area files (test_optim_more.py,
test_lr_scheduler.py, test_data*.py, test_transforms_vision.py, test_serialization_torch.py,
test_init.py, test_nn_utils.py, test_utils_image.py)."""

import pytest
import torch

import tinyconv  # noqa: F401
from tests.utils import resolve

# (reference name, tinyconv name)
NAMES = [(f"torch.optim.{n}", f"tinyconv.optim.{n}") for n in (
    "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop", "LBFGS", "SGD", "Adam",
    "AdamW", "RMSprop")]
NAMES += [(f"torch.optim.lr_scheduler.{n}", f"tinyconv.optim.lr_scheduler.{n}") for n in (
    "CosineAnnealingWarmRestarts", "ConstantLR", "PolynomialLR", "CyclicLR", "ChainedScheduler",
    "MultiplicativeLR", "LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR",
    "CosineAnnealingLR", "OneCycleLR", "LambdaLR", "LinearLR", "SequentialLR",
    "ReduceLROnPlateau")]
NAMES += [(f"torch.optim.swa_utils.{n}", f"tinyconv.optim.swa_utils.{n}") for n in (
    "AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
    "get_ema_avg_fn", "get_swa_avg_fn")]
NAMES += [(f"torch.utils.data.{n}", f"tinyconv.utils.data.{n}") for n in (
    "WeightedRandomSampler", "BatchSampler", "SequentialSampler", "RandomSampler",
    "SubsetRandomSampler", "Sampler", "IterableDataset", "ChainDataset", "Dataset",
    "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader", "default_collate",
    "default_convert", "get_worker_info")]
NAMES += [(f"torch.utils.data.sampler.{n}", f"tinyconv.utils.data.sampler.{n}") for n in (
    "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "RandomSampler",
    "SequentialSampler")]
NAMES += [("torch.utils.data.dataset.IterableDataset",
           "tinyconv.utils.data.dataset.IterableDataset"),
          ("torch.utils.data.dataloader.DataLoader", "tinyconv.utils.data.dataloader.DataLoader")]
NAMES += [(f"torchvision.transforms.{n}", f"tinyconv.transforms.{n}") for n in (
    "Resize", "CenterCrop", "RandomResizedCrop", "RandomRotation", "RandomAffine",
    "RandomVerticalFlip", "ColorJitter", "Grayscale", "RandomGrayscale", "Pad", "Lambda",
    "RandomErasing", "RandomApply", "RandomChoice", "RandomOrder", "GaussianBlur",
    "AutoAugment", "AutoAugmentPolicy", "TrivialAugmentWide", "ToPILImage",
    "ConvertImageDtype", "PILToTensor", "ToTensor", "Compose", "Normalize", "RandomCrop",
    "RandomHorizontalFlip", "InterpolationMode")]
NAMES += [(f"torchvision.transforms.functional.{n}", f"tinyconv.transforms.functional.{n}")
          for n in ("resize", "crop", "center_crop", "resized_crop", "pad", "hflip", "vflip",
                    "rotate", "affine", "rgb_to_grayscale", "adjust_brightness",
                    "adjust_contrast", "adjust_saturation", "adjust_hue", "adjust_sharpness",
                    "posterize", "solarize", "autocontrast", "equalize", "invert",
                    "gaussian_blur", "erase", "convert_image_dtype", "to_tensor",
                    "pil_to_tensor", "to_pil_image", "normalize", "get_dimensions")]
NAMES += [("torchvision.utils.make_grid", "tinyconv.utils.make_grid"),
          ("torchvision.utils.save_image", "tinyconv.utils.save_image")]
NAMES += [(f"torch.nn.utils.{n}", f"tinyconv.nn.utils.{n}") for n in (
    "parameters_to_vector", "vector_to_parameters")]
NAMES += [(f"torch.nn.init.{n}", f"tinyconv.nn.init.{n}") for n in (
    "dirac_", "orthogonal_", "sparse_", "eye_", "uniform", "normal", "constant", "eye", "dirac",
    "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal",
    "sparse")]
NAMES += [("torch.load", "tinyconv.load"), ("torch.save", "tinyconv.save")]

# torchvision's public names (torchvision 0.2x: transforms.__all__, the functional module's and
# utils'), written out since torchvision cannot be imported beside this torch
_TV_TRANSFORMS = (
    "Compose", "ToTensor", "PILToTensor", "ConvertImageDtype", "ToPILImage", "Normalize",
    "Resize", "CenterCrop", "Pad", "Lambda", "RandomApply", "RandomChoice", "RandomOrder",
    "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomResizedCrop",
    "FiveCrop", "TenCrop", "LinearTransformation", "ColorJitter", "RandomRotation",
    "RandomAffine", "Grayscale", "RandomGrayscale", "RandomPerspective", "RandomErasing",
    "GaussianBlur", "InterpolationMode", "RandomInvert", "RandomPosterize", "RandomSolarize",
    "RandomAdjustSharpness", "RandomAutocontrast", "RandomEqualize", "ElasticTransform",
    "AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix")
_TV_FUNCTIONAL = (
    "get_dimensions", "to_tensor", "pil_to_tensor", "convert_image_dtype", "to_pil_image",
    "normalize", "resize", "pad", "crop", "center_crop", "resized_crop", "hflip", "vflip",
    "perspective", "five_crop", "ten_crop", "adjust_brightness", "adjust_contrast",
    "adjust_saturation", "adjust_hue", "adjust_gamma", "rotate", "affine", "to_grayscale",
    "rgb_to_grayscale", "erase", "gaussian_blur", "invert", "posterize", "solarize",
    "adjust_sharpness", "autocontrast", "equalize", "elastic_transform")
TORCHVISION = ({f"torchvision.transforms.{n}" for n in _TV_TRANSFORMS}
               | {f"torchvision.transforms.functional.{n}" for n in _TV_FUNCTIONAL}
               | {"torchvision.utils.make_grid", "torchvision.utils.save_image"})



@pytest.mark.parametrize("ref,ours", NAMES, ids=[n for _, n in NAMES])
def test_name_exists(ref, ours):
    assert callable(resolve(ours)) or isinstance(resolve(ours), type)
    if ref.startswith("torch."):
        resolve(ref)
    else:
        assert ref in TORCHVISION


def test_the_list_has_no_duplicates():
    assert len({n for _, n in NAMES}) == len(NAMES)
    assert torch.__version__.startswith("2.")
