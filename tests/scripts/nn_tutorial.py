"""Neural Networks: define a network, compute a loss, backpropagate, update the weights.

A test fixture for tests/test_torch_scripts.py, written in the style of the beginner tutorial.
Where the tutorial draws random inputs with torch.randn, this draws them from a seeded NumPy
generator, so that the run under torch and the run under tinyconv see the same numbers.
"""
import json

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

rng = np.random.default_rng(0)


def randn(*size):
    return torch.from_numpy(rng.standard_normal(size).astype(np.float32))


def report(**numbers):
    print(json.dumps(numbers))


######################################################################
# Define the network


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 from image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        # Convolution layer C1: 1 input image channel, 6 output channels,
        # 5x5 square convolution, it uses RELU activation function, and
        # outputs a Tensor with size (N, 6, 28, 28), where N is the size of the batch
        c1 = F.relu(self.conv1(input))
        # Subsampling layer S2: 2x2 grid, purely functional,
        # outputs a (N, 6, 14, 14) Tensor
        s2 = F.max_pool2d(c1, (2, 2))
        # Convolution layer C3: 6 input channels, 16 output channels,
        # 5x5 square convolution, outputs a (N, 16, 10, 10) Tensor
        c3 = F.relu(self.conv2(s2))
        # Subsampling layer S4: 2x2 grid, outputs a (N, 16, 5, 5) Tensor
        s4 = F.max_pool2d(c3, 2)
        # Flatten operation: outputs a (N, 400) Tensor
        s4 = torch.flatten(s4, 1)
        # Fully connected layer F5: (N, 400) -> (N, 120)
        f5 = F.relu(self.fc1(s4))
        # Fully connected layer F6: (N, 120) -> (N, 84)
        f6 = F.relu(self.fc2(f5))
        # Gaussian layer OUTPUT: (N, 84) -> (N, 10)
        output = self.fc3(f6)
        return output


net = Net()
print(net)
report(net=repr(net))

######################################################################
# The learnable parameters of a model are returned by net.parameters()

params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's .weight
report(n_params=len(params), sizes=[list(p.size()) for p in params])

######################################################################
# Try a random 32x32 input.

input = randn(1, 1, 32, 32)
out = net(input)
print(out)
report(out=out.tolist())

######################################################################
# Zero the gradient buffers of all parameters and backprop with a random gradient:

net.zero_grad()
out.backward(randn(1, 10))
report(grads_from_random_backward=[p.grad.sum().item() for p in net.parameters()],
       conv1_weight_grad=net.conv1.weight.grad.flatten()[:8].tolist())

######################################################################
# Loss Function

output = net(input)
target = randn(10)  # a dummy target, for example
target = target.view(1, -1)  # make it the same shape as output
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)
report(loss=loss.item())

######################################################################
# Follow the loss backward through its grad_fn

print(loss.grad_fn)  # MSELoss
print(loss.grad_fn.next_functions[0][0])  # fc3 (Linear)
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # fc3's bias
report(grad_fns=[str(loss.grad_fn),
                 str(loss.grad_fn.next_functions[0][0]),
                 str(loss.grad_fn.next_functions[0][0].next_functions[0][0])])

######################################################################
# Backprop

net.zero_grad()     # zeroes the gradient buffers of all parameters

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)
report(bias_grad_before=None if net.conv1.bias.grad is None else net.conv1.bias.grad.tolist())

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)
report(bias_grad_after=net.conv1.bias.grad.tolist())

######################################################################
# Update the weights: weight = weight - learning_rate * gradient

learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)

report(loss_after_manual_step=criterion(net(input), target).item(),
       fc3_bias=net.fc3.bias.tolist())

######################################################################
# Or with an optimizer from torch.optim

# create your optimizer
optimizer = optim.SGD(net.parameters(), lr=0.01)

# in your training loop:
for step in range(5):
    optimizer.zero_grad()   # zero the gradient buffers
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()    # Does the update
    report(step=step, loss=loss.item())

report(final_output=net(input).tolist(),
       final_weights={name: p.sum().item() for name, p in net.named_parameters()})
