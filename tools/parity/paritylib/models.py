"""The parity models: PyTorch modules with salient's semantics, exported to our model files with
tools/export_torch.py, plus the views Captum runs on.

Each model is a ParityModel: the torch module we export, the module Captum explains (`captum`:
Flatten done functionally, since Captum's LRP has no rule for an nn.Flatten module; the GRU
classifier reduced to its last step's logits), the per-sample input shape, an input generator and the
name of its last conv layer (grad-cam), if any.
"""

import collections
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import export_torch  # noqa: E402  (tools/export_torch.py, used as a library)


class FunctionalFlatten(nn.Module):
    """Runs an nn.Sequential's children in order, flattening functionally where it has an nn.Flatten
    (the same function; only the module disappears from Captum's view)."""

    def __init__(self, sequential):
        super().__init__()
        children = list(sequential.children())
        self.steps = nn.ModuleList(m for m in children if not isinstance(m, nn.Flatten))
        self._order, k = [], 0  # index into steps, or None for a flatten
        for m in children:
            self._order.append(None if isinstance(m, nn.Flatten) else k)
            k += 0 if isinstance(m, nn.Flatten) else 1

    def forward(self, x):
        for k in self._order:
            x = torch.flatten(x, 1) if k is None else self.steps[k](x)
        return x


class LastStep(nn.Module):
    """The GRU classifier's logits at the last step: (N, T, D) -> (N, classes) (our target_time=last)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)[:, -1]


class ParityModel:
    def __init__(self, name, torch_model, captum_model, sample_shape, make_inputs, export, last_conv=None):
        self.name = name
        self.torch_model = torch_model.eval()
        self.captum_model = captum_model.eval()
        self.sample_shape = tuple(sample_shape)
        self.make_inputs = make_inputs  # (n, generator) -> float32 tensor [n, *sample_shape]
        self.export = export  # path -> None
        self.last_conv = last_conv  # the Captum view's module for grad-cam, or None

    @property
    def is_sequence(self):
        return self.name.startswith("hmm")


def _sequential_case(name, layers, sample_shape, make_inputs):
    seq = nn.Sequential(collections.OrderedDict(layers))
    view = FunctionalFlatten(seq)
    convs = [m for m in view.steps if isinstance(m, (nn.Conv1d, nn.Conv2d))]
    return ParityModel(name, seq, view, sample_shape, make_inputs,
                       lambda path: export_torch.export_sequential(seq, list(sample_shape), path),
                       convs[-1] if convs else None)


def _uniform(n, g, shape):
    return torch.rand((n,) + shape, generator=g)


def digits_cnn(seed, state_dict=None):
    """The digits-cnn preset (engine/model/presets.cc) with PyTorch's default init, or given weights."""
    torch.manual_seed(seed)
    layers = [("conv1", nn.Conv2d(1, 16, 3, padding=1)), ("relu1", nn.ReLU()),
              ("conv2", nn.Conv2d(16, 32, 3, padding=1)), ("relu2", nn.ReLU()),
              ("pool", nn.MaxPool2d(2)), ("flat", nn.Flatten()),
              ("fc1", nn.Linear(512, 64)), ("relu3", nn.ReLU()), ("fc2", nn.Linear(64, 10))]
    case = _sequential_case("digits-cnn" if state_dict is None else "digits-cnn-trained", layers, (1, 8, 8),
                            lambda n, g: _uniform(n, g, (1, 8, 8)))
    if state_dict is not None:
        case.torch_model.load_state_dict(state_dict)
    return case


def small_cnn(seed):
    """conv → ReLU → max pool → conv → ReLU → avg pool → linear, on 1×8×8."""
    torch.manual_seed(seed)
    layers = [("conv1", nn.Conv2d(1, 4, 3, padding=1)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
              ("conv2", nn.Conv2d(4, 6, 3, padding=1)), ("relu2", nn.ReLU()), ("pool2", nn.AvgPool2d(2)),
              ("flat", nn.Flatten()), ("fc", nn.Linear(24, 5))]
    return _sequential_case("small-cnn", layers, (1, 8, 8), lambda n, g: _uniform(n, g, (1, 8, 8)) * 2 - 1)


def mlp(seed):
    """linear(10→16) → ReLU → linear(16→16) → ReLU → linear(16→3), inputs in [−1, 1)."""
    torch.manual_seed(seed)
    layers = [("fc1", nn.Linear(10, 16)), ("relu1", nn.ReLU()), ("fc2", nn.Linear(16, 16)), ("relu2", nn.ReLU()),
              ("fc3", nn.Linear(16, 3))]
    return _sequential_case("mlp", layers, (10,), lambda n, g: _uniform(n, g, (10,)) * 2 - 1)


def hmm_gru(seed, steps=200):
    """The hmm-gru preset: GRU(3→200, all steps) → batchnorm1d (random affine and running statistics)
    → ReLU → dropout → linear(200→2); explained at the last step."""
    torch.manual_seed(seed)
    model = export_torch.GRUClassifier(3, 200, 2, dropout=0.5)
    export_torch._randomise_batchnorm(model, [torch.randn(8, 20, 3) for _ in range(4)])
    return ParityModel("hmm-gru", model, LastStep(model), (steps, 3),
                       lambda n, g: torch.randn((n, steps, 3), generator=g),
                       lambda path: export_torch.export_gru_classifier(model, path))


def zero_linear_biases(model):
    """Sets every linear/conv bias to zero (in place)."""
    with torch.no_grad():
        for m in model.torch_model.modules():
            if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d)) and m.bias is not None:
                m.bias.zero_()


def trained_digits(path):
    """digits-cnn with the weights of a trained model file (README's first command), or None."""
    if not os.path.exists(path):
        return None
    _, tensors = export_torch.read_safetensors(path)
    return digits_cnn(0, collections.OrderedDict((k, torch.from_numpy(v.copy())) for k, v in tensors.items()))


def build(name, seed, repo):
    if name == "digits-cnn":
        return digits_cnn(seed)
    if name == "digits-cnn-trained":
        return trained_digits(os.path.join(repo, "build", "models", "digits-cnn.safetensors"))
    if name == "small-cnn":
        return small_cnn(seed)
    if name == "mlp":
        return mlp(seed)
    if name == "hmm-gru":
        return hmm_gru(seed)
    raise ValueError(f"unknown model {name} (digits-cnn, digits-cnn-trained, small-cnn, mlp, hmm-gru)")
