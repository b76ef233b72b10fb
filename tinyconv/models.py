"""Small convolutional networks: LeNet-5, MiniVGG and the CS231n three-layer ConvNet.

Each is built from ``tc.nn`` layers only, with attribute names chosen so that the same structure
written with ``torch.nn`` has identical ``state_dict`` keys and shapes (the tests build such twins
and move weights across).
"""
from . import nn

__all__ = ["LeNet5", "MiniVGG", "ThreeLayerConvNet"]


def _size_after(size, kernel, padding=0, stride=1):
    out = (size + 2 * padding - kernel) // stride + 1
    if out <= 0:
        raise ValueError(f"input size {size} is too small for a kernel of {kernel}")
    return out


class LeNet5(nn.Module):
    """LeNet-5 with ReLU and max pooling: conv6 k5 - pool - conv16 k5 - pool - fc120 - fc84 - fc.

    Input size handling: the classic network takes 32x32 inputs; for 28x28 images (MNIST,
    Fashion-MNIST) ``conv1`` gets ``padding=2``, as in the usual MNIST LeNet, so both sizes reach
    the same 16x5x5 feature map and the same 400-120-84 classifier. Other sizes are accepted too:
    the flatten size is computed from ``input_size`` at construction.

    Args:
        in_channels (int): image channels (1 for MNIST-like, 3 for CIFAR-10).
        num_classes (int): outputs.
        input_size (int): height = width of the images the model will see (28 or 32 typically).
    Shape:
        input ``(N, in_channels, input_size, input_size)``, output ``(N, num_classes)``.
    """

    def __init__(self, in_channels=3, num_classes=10, input_size=32):
        super().__init__()
        pad = 2 if input_size == 28 else 0
        self.input_size = input_size
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=pad),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        s = _size_after(input_size, 5, pad) // 2
        s = _size_after(s, 5) // 2
        if s <= 0:
            raise ValueError(f"LeNet5: input_size {input_size} is too small")
        self.flat_features = 16 * s * s
        self.classifier = nn.Sequential(
            nn.Linear(self.flat_features, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.flatten(1))


def _conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(cout), nn.ReLU()]


class MiniVGG(nn.Module):
    """A small VGG: [conv3x3-BN-ReLU] x 64,64,M,128,128,M,256,256,M, global average pool,
    then Linear(256, 256) - ReLU - Dropout(dropout) - Linear(256, num_classes).

    Convolutions have no bias (BatchNorm's shift replaces it). The global average pool makes the
    classifier independent of the input size (28x28 and 32x32 alike).

    Args:
        in_channels (int): image channels.
        num_classes (int): outputs.
        dropout (float): dropout probability in the classifier.
    Shape:
        input ``(N, in_channels, H, W)`` with H, W >= 8, output ``(N, num_classes)``.
    """

    cfg = (64, 64, "M", 128, 128, "M", 256, 256, "M")

    def __init__(self, in_channels=3, num_classes=10, dropout=0.3):
        super().__init__()
        layers, c = [], in_channels
        for v in self.cfg:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += _conv_bn_relu(c, v)
                c = v
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Linear(c, 256),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(256, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = x.mean(dim=(2, 3))                      # global average pool: (N, 256)
        return self.classifier(x)


class ThreeLayerConvNet(nn.Module):
    """The CS231n three-layer ConvNet: conv - relu - 2x2 max pool - affine - relu - affine.

    The convolution keeps the spatial size (stride 1, padding ``(filter_size - 1) // 2``).

    Args:
        input_dim (tuple): (C, H, W) of the inputs.
        num_filters (int): convolution filters.
        filter_size (int): convolution kernel size (odd).
        hidden_dim (int): units of the hidden affine layer.
        num_classes (int): outputs.
        weight_scale (float, optional): if given, weights are drawn from N(0, weight_scale^2) and
            biases set to zero, as in the CS231n assignment; otherwise torch's default init.
    Shape:
        input ``(N, C, H, W)``, output ``(N, num_classes)``.
    """

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100,
                 num_classes=10, weight_scale=None):
        super().__init__()
        c, h, w = input_dim
        self.input_dim = tuple(input_dim)
        pad = (filter_size - 1) // 2
        self.conv = nn.Conv2d(c, num_filters, kernel_size=filter_size, padding=pad)
        self.pool = nn.MaxPool2d(2)
        oh = _size_after(h, filter_size, pad) // 2
        ow = _size_after(w, filter_size, pad) // 2
        self.fc1 = nn.Linear(num_filters * oh * ow, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, num_classes)
        if weight_scale is not None:
            for layer in (self.conv, self.fc1, self.fc2):
                nn.init.normal_(layer.weight, 0.0, float(weight_scale))
                nn.init.zeros_(layer.bias)

    def forward(self, x):
        x = self.pool(self.conv(x).relu())
        x = self.fc1(x.flatten(1)).relu()
        return self.fc2(x)

