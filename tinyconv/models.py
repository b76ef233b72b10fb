"""Small convolutional networks: LeNet-5, MiniVGG and the CS231n three-layer ConvNet.

Each is built from ``tc.nn`` layers only, with attribute names chosen so that the same structure
written with ``torch.nn`` has identical ``state_dict`` keys and shapes (the tests build such twins
and move weights across).
"""
from . import nn

__all__ = ["LeNet5", "MiniVGG", "ThreeLayerConvNet", "BasicBlock", "ResNetCIFAR", "ResNet20",
           "resnet_cifar"]


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


# ----------------------------------------------------------------------- CIFAR ResNets
class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN plus the shortcut, then ReLU (He et al. 2015).

    The shortcut is the identity when the shape is kept, otherwise a projection
    ``downsample = Sequential(conv1x1(stride), BatchNorm2d)`` (the paper's option B).

    Args:
        in_planes (int): input channels.
        planes (int): output channels.
        stride (int): stride of the first convolution (2 halves H and W).
    Shape:
        ``(N, in_planes, H, W)`` -> ``(N, planes, H / stride, W / stride)``.
    """

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return (out + identity).relu()


class ResNetCIFAR(nn.Module):
    """The CIFAR-10 ResNet of He et al. 2015 (section 4.2): depth 6n+2.

    conv3x3(16)-BN-ReLU, then three stages of n BasicBlocks with 16, 32 and 64 channels (the
    first block of stages 2 and 3 has stride 2 and a 1x1-conv projection shortcut), global
    average pooling and a Linear classifier.  Convolutions have no bias; they are initialised
    with kaiming_normal_(mode='fan_out', nonlinearity='relu'), BatchNorm with weight 1 and
    bias 0, the classifier with torch's default.

    Args:
        depth (int): 6n+2 (20, 32, 44, 56, 110, ...).
        in_channels (int): image channels.
        num_classes (int): outputs.
    Shape:
        input ``(N, in_channels, H, W)`` (32x32 for CIFAR; any H, W >= 1 work thanks to the
        global pooling), output ``(N, num_classes)``.
    """

    def __init__(self, depth=20, in_channels=3, num_classes=10):
        super().__init__()
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 8 \
                or (depth - 2) % 6:
            raise ValueError(f"resnet_cifar: depth must be 6n+2 with n >= 1 (8, 14, 20, 32, "
                             f"44, 56, 110, ...), got {depth!r}")
        n = (depth - 2) // 6
        self.depth = depth
        self.conv1 = nn.Conv2d(in_channels, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        planes = 16
        stages = []
        for i, width in enumerate((16, 32, 64)):
            blocks = []
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(BasicBlock(planes, width, stride))
                planes = width
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.bn1(self.conv1(x)).relu()
        x = self.layer3(self.layer2(self.layer1(x)))
        x = x.mean(dim=(2, 3))                      # global average pool: (N, 64)
        return self.fc(x)


def resnet_cifar(depth, in_channels=3, num_classes=10):
    """A CIFAR ResNet of the given depth (6n+2); see ``ResNetCIFAR``.

    Args:
        depth: 20, 32, 44, 56, 110, ... (6n + 2; other depths raise).
        in_channels: channels of the input images.
        num_classes: outputs of the classifier.

    Returns:
        ResNetCIFAR: the model.
    """
    return ResNetCIFAR(depth, in_channels=in_channels, num_classes=num_classes)


class ResNet20(ResNetCIFAR):
    """ResNet-20 (n = 3), the smallest network of He et al.'s CIFAR-10 table.

    Args:
        in_channels: channels of the input images.
        num_classes: outputs of the classifier.

    Shape:
        input (N, in_channels, H, W), any H, W (32x32 in the paper); output (N, num_classes).
    """

    def __init__(self, in_channels=3, num_classes=10):
        super().__init__(20, in_channels=in_channels, num_classes=num_classes)
