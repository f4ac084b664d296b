#!/usr/bin/env python3
"""Export PyTorch models to salient's model files (SPEC §4, docs/formats.md) and regenerate the
PyTorch parity fixtures under tests/fixtures/.

Optional tooling: the build and the tests never run it. It needs PyTorch and NumPy (Debian's
python3-torch and python3-numpy: run it with /usr/bin/python3) and writes the safetensors
container itself with struct and json (no safetensors package).

    /usr/bin/python3 tools/export_torch.py fixtures tests/fixtures     # regenerate the fixtures

As a library:

    export_sequential(nn.Sequential(...), input_shape, "model.safetensors")
    export_gru_classifier(GRUClassifier(3, 200), "hmm-gru.safetensors")

`input_shape` is per sample (no batch dimension); a 0 means "any length" (sequences: [0, D]).
Models are exported in eval mode semantics (dropout is identity, batchnorm uses running stats).
"""

import collections
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

# ---- modules with salient's semantics -------------------------------------------------------------


class GlobalAvgPool(nn.Module):
    """Mean over every position: (N, C, L) or (N, C, H, W) -> (N, C) (salient's global_avgpool)."""

    def forward(self, x):
        return x.mean(dim=tuple(range(2, x.dim())))


class GRULayer(nn.GRU):
    """A batch-first single-layer GRU that returns every step (N, T, H) ("all") or the last (N, H)."""

    def __init__(self, input_size, hidden_size, output="all", bias=True):
        super().__init__(input_size, hidden_size, bias=bias, batch_first=True)
        if output not in ("all", "last"):
            raise ValueError("output must be 'all' or 'last'")
        self.output = output

    def forward(self, x):
        y, _ = super().forward(x)
        return y if self.output == "all" else y[:, -1]


class LastDimBatchNorm1d(nn.BatchNorm1d):
    """BatchNorm1d over the features of the last dim: on (N, T, H) it runs on the (N*T, H) view
    (salient's batchnorm1d, SPEC §4)."""

    def forward(self, x):
        shape = x.shape
        return super().forward(x.reshape(-1, shape[-1])).reshape(shape)


class GRUClassifier(nn.Module):
    """The hmm-gru shape (SPEC §9): GRU(I -> H, all steps) -> batchnorm1d over H -> ReLU -> Dropout
    -> Linear(H -> classes), giving per-step outputs (N, T, classes)."""

    def __init__(self, input_size=3, hidden_size=200, classes=2, dropout=0.5):
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, batch_first=True)
        self.bn = nn.BatchNorm1d(hidden_size)
        self.relu = nn.ReLU()
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden_size, classes)

    def forward(self, x):
        h, _ = self.gru(x)
        n, t, hidden = h.shape
        h = self.bn(h.reshape(n * t, hidden)).reshape(n, t, hidden)
        return self.fc(self.drop(self.relu(h)))

    def layers_json(self):
        g = self.gru
        return [
            {"name": "gru", "type": "gru", "input_size": g.input_size, "hidden_size": g.hidden_size,
             "output": "all", "bias": g.bias},
            {"name": "bn", "type": "batchnorm1d", "num_features": self.bn.num_features,
             "eps": self.bn.eps, "momentum": self.bn.momentum},
            {"name": "relu", "type": "relu"},
            {"name": "drop", "type": "dropout", "p": self.drop.p},
            {"name": "fc", "type": "linear", "in_features": self.fc.in_features,
             "out_features": self.fc.out_features, "bias": self.fc.bias is not None},
        ]


# ---- the safetensors container ---------------------------------------------------------------------

_DTYPES = {
    np.dtype("float32"): "F32", np.dtype("float64"): "F64", np.dtype("float16"): "F16",
    np.dtype("int64"): "I64", np.dtype("int32"): "I32", np.dtype("int16"): "I16", np.dtype("int8"): "I8",
    np.dtype("uint8"): "U8", np.dtype("bool"): "BOOL",
}


def write_safetensors(path, tensors, metadata=None):
    """Writes [(name, numpy array)] (in order, packed) with string metadata."""
    header = collections.OrderedDict()
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs, offset = [], 0
    for name, array in tensors:
        array = np.asarray(array, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
        dtype = _DTYPES.get(array.dtype)
        if dtype is None:
            raise ValueError(f"tensor {name}: unsupported dtype {array.dtype}")
        blob = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes(order="C")
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    """Returns (metadata dict, OrderedDict name -> numpy array); for checking exports."""
    rev = {v: k for k, v in _DTYPES.items()}
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n], object_pairs_hook=collections.OrderedDict)
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = collections.OrderedDict()
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype=rev[entry["dtype"]].newbyteorder("<")).reshape(entry["shape"])
    return metadata, tensors


# ---- architecture JSON -----------------------------------------------------------------------------


def _pair(v, n):
    v = tuple(v) if isinstance(v, (tuple, list)) else (v,) * n
    if len(v) != n:
        raise ValueError(f"expected {n} values, got {v}")
    return [int(x) for x in v]


def _last_dim(dim, rank, what):
    if dim is None or not (dim == -1 or dim == rank - 1):
        raise ValueError(f"{what}: only the last dim is supported (got dim={dim} on a rank-{rank} input)")
    return -1


def layer_json(name, m, in_shape, out_shape):
    """The SPEC §4 layer object for module m, which maps in_shape to out_shape (batch included)."""
    j = {"name": name}
    if isinstance(m, nn.Linear):
        j.update(type="linear", in_features=m.in_features, out_features=m.out_features, bias=m.bias is not None)
    elif isinstance(m, (nn.Conv1d, nn.Conv2d)):
        n = 1 if isinstance(m, nn.Conv1d) else 2
        if _pair(m.dilation, n) != [1] * n or m.groups != 1 or m.padding_mode != "zeros" or isinstance(m.padding, str):
            raise ValueError(f"{name}: only dilation 1, groups 1 and integer zero padding are supported")
        j.update(type=f"conv{n}d", in_channels=m.in_channels, out_channels=m.out_channels,
                 kernel_size=_pair(m.kernel_size, n), stride=_pair(m.stride, n), padding=_pair(m.padding, n),
                 bias=m.bias is not None)
    elif isinstance(m, (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)):
        n = 1 if isinstance(m, (nn.MaxPool1d, nn.AvgPool1d)) else 2
        kind = "maxpool" if isinstance(m, (nn.MaxPool1d, nn.MaxPool2d)) else "avgpool"
        if _pair(m.padding, n) != [0] * n or m.ceil_mode or (kind == "maxpool" and _pair(m.dilation, n) != [1] * n):
            raise ValueError(f"{name}: pools without padding, dilation or ceil_mode only")
        stride = m.stride if m.stride is not None else m.kernel_size
        j.update(type=f"{kind}{n}d", kernel_size=_pair(m.kernel_size, n), stride=_pair(stride, n))
    elif isinstance(m, GlobalAvgPool):
        j.update(type="global_avgpool")
    elif isinstance(m, nn.ReLU):
        j.update(type="relu")
    elif isinstance(m, nn.Tanh):
        j.update(type="tanh")
    elif isinstance(m, nn.Sigmoid):
        j.update(type="sigmoid")
    elif isinstance(m, nn.Softmax):
        j.update(type="softmax", dim=_last_dim(m.dim, len(in_shape), name))
    elif isinstance(m, nn.LogSoftmax):
        j.update(type="log_softmax", dim=_last_dim(m.dim, len(in_shape), name))
    elif isinstance(m, nn.Flatten):
        if m.start_dim != 1 or m.end_dim != -1:
            raise ValueError(f"{name}: only Flatten(start_dim=1, end_dim=-1) is supported")
        j.update(type="flatten")
    elif isinstance(m, nn.Unflatten):
        j.update(type="reshape", shape=[int(d) for d in out_shape[1:]])
    elif isinstance(m, nn.Dropout):
        j.update(type="dropout", p=float(m.p))
    elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        two_d = isinstance(m, nn.BatchNorm2d)
        if not (m.affine and m.track_running_stats) or m.momentum is None:
            raise ValueError(f"{name}: batchnorm needs affine=True, track_running_stats=True and a momentum")
        if not two_d and not isinstance(m, LastDimBatchNorm1d) and len(in_shape) != 2:
            raise ValueError(f"{name}: PyTorch's BatchNorm1d on {tuple(in_shape)} normalises dim 1; salient's "
                             "batchnorm1d normalises the last dim (use LastDimBatchNorm1d)")
        j.update(type="batchnorm2d" if two_d else "batchnorm1d", num_features=m.num_features, eps=float(m.eps),
                 momentum=float(m.momentum))
    elif isinstance(m, GRULayer):
        j.update(type="gru", input_size=m.input_size, hidden_size=m.hidden_size, output=m.output, bias=m.bias)
    else:
        raise ValueError(f"{name}: {type(m).__name__} has no salient layer type")
    return j


def _trace_shapes(model, input_shape):
    """(input shape, output shape) of each child on a dummy batch of 2 (a 0 dim becomes 5)."""
    shapes = {}
    hooks = [child.register_forward_hook(lambda mod, inp, out, name=name: shapes.__setitem__(
        name, (tuple(inp[0].shape), tuple(out.shape)))) for name, child in model.named_children()]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros((2,) + tuple(d if d else 5 for d in input_shape)))
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    return shapes


def architecture(layers, input_shape):
    return {"format": "salient-model", "version": 1, "input_shape": [int(d) for d in input_shape], "layers": layers}


def _state_tensors(model):
    return [(k, v.detach().cpu().numpy()) for k, v in model.state_dict().items()]


def export_sequential(model, input_shape, path):
    """Writes an nn.Sequential of supported layers (children named as the layers) to `path`."""
    if not isinstance(model, nn.Sequential):
        raise TypeError("export_sequential needs an nn.Sequential")
    shapes = _trace_shapes(model, input_shape)
    layers = [layer_json(name, child, *shapes[name]) for name, child in model.named_children()]
    arch = architecture(layers, input_shape)
    write_safetensors(path, _state_tensors(model), {"salient.model": json.dumps(arch, separators=(",", ":"))})
    return arch


def export_gru_classifier(model, path, input_size=None):
    """Writes a GRUClassifier (input_shape [0, I]) to `path`."""
    arch = architecture(model.layers_json(), [0, input_size or model.gru.input_size])
    write_safetensors(path, _state_tensors(model), {"salient.model": json.dumps(arch, separators=(",", ":"))})
    return arch


# ---- fixtures --------------------------------------------------------------------------------------


def _randomise_batchnorm(model, train_inputs):
    """Non-trivial affine parameters, then running statistics from a few training-mode forwards."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
    model.train()
    with torch.no_grad():
        for x in train_inputs:
            model(x)
    model.eval()


def _save_case(directory, model, inputs, export):
    os.makedirs(directory, exist_ok=True)
    export(os.path.join(directory, "model.safetensors"))
    model.eval()
    with torch.no_grad():
        for key, x in inputs.items():
            y = model(x)
            np.save(os.path.join(directory, f"input_{key}.npy"), x.numpy().astype(np.float32))
            np.save(os.path.join(directory, f"output_{key}.npy"), y.numpy().astype(np.float32))


def make_npy_fixtures(directory):
    os.makedirs(directory, exist_ok=True)
    values = np.array([[0, 1.5, -2], [3, 4.25, -5]])
    np.save(os.path.join(directory, "f4.npy"), values.astype(np.float32))
    np.save(os.path.join(directory, "f8.npy"), values.astype(np.float64))
    with open(os.path.join(directory, "v2.npy"), "wb") as f:
        np.lib.format.write_array(f, values.astype(np.float32), version=(2, 0))
    np.save(os.path.join(directory, "i8.npy"), np.array([0, 1, 1, 0], dtype=np.int64))
    np.save(os.path.join(directory, "i4.npy"), np.array([3, -1], dtype=np.int32))
    np.save(os.path.join(directory, "b1.npy"), np.array([[True, False], [False, True]]))
    np.save(os.path.join(directory, "u1.npy"), np.array([0, 7, 255], dtype=np.uint8))
    np.save(os.path.join(directory, "scalar.npy"), np.float32(3.5))
    np.save(os.path.join(directory, "fortran.npy"), np.asfortranarray(values.astype(np.float32)))
    np.save(os.path.join(directory, "big_endian.npy"), values.astype(">f4"))


def make_fixtures(outdir):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    make_npy_fixtures(os.path.join(outdir, "npy"))
    root = os.path.join(outdir, "torch")
    od = collections.OrderedDict

    # (1) A small CNN: conv2d, batchnorm2d (trained running stats), relu, maxpool2d, avgpool2d,
    #     flatten, linear, dropout, log_softmax.
    cnn = nn.Sequential(od(
        conv1=nn.Conv2d(1, 4, 3, padding=1),
        bn1=nn.BatchNorm2d(4),
        relu1=nn.ReLU(),
        pool1=nn.MaxPool2d(2),                                       # [4, 4, 4]
        conv2=nn.Conv2d(4, 6, (3, 2), stride=(1, 2), padding=(1, 0)),  # [6, 4, 2]
        relu2=nn.ReLU(),
        pool2=nn.AvgPool2d(2),                                       # [6, 2, 1]
        flat=nn.Flatten(),
        drop=nn.Dropout(0.2),
        fc=nn.Linear(12, 5),
        out=nn.LogSoftmax(dim=1)))
    _randomise_batchnorm(cnn, [torch.randn(16, 1, 8, 8) * 2 + 0.5 for _ in range(4)])
    _save_case(os.path.join(root, "cnn"), cnn, {"n4": torch.randn(4, 1, 8, 8)},
               lambda p: export_sequential(cnn, [1, 8, 8], p))

    # (2) A 1-D sequence model: reshape, conv1d, tanh, maxpool1d, conv1d (no bias, stride 2), sigmoid,
    #     avgpool1d (stride 1), dropout, global_avgpool, linear, softmax.
    seq = nn.Sequential(od(
        unflat=nn.Unflatten(1, (2, 24)),                              # [2, 24]
        conv1=nn.Conv1d(2, 4, 3, padding=1),                          # [4, 24]
        tanh=nn.Tanh(),
        pool1=nn.MaxPool1d(2),                                        # [4, 12]
        conv2=nn.Conv1d(4, 5, 3, stride=2, bias=False),               # [5, 5]
        sig=nn.Sigmoid(),
        pool2=nn.AvgPool1d(2, stride=1),                              # [5, 4]
        drop=nn.Dropout(0.3),
        gap=GlobalAvgPool(),                                          # [5]
        fc=nn.Linear(5, 3),
        sm=nn.Softmax(dim=-1)))
    _save_case(os.path.join(root, "seq1d"), seq, {"n3": torch.randn(3, 48) * 1.5},
               lambda p: export_sequential(seq, [48], p))

    # (3) The hmm-gru shape, small: GRU(3 -> 8, all steps), batchnorm1d(8) with trained running
    #     statistics, relu, dropout, linear(8 -> 2); two input lengths.
    gru = GRUClassifier(3, 8, 2, dropout=0.5)
    _randomise_batchnorm(gru, [torch.randn(8, 10, 3) for _ in range(4)])
    _save_case(os.path.join(root, "gru_all"), gru, {"t5": torch.randn(3, 5, 3), "t12": torch.randn(2, 12, 3)},
               lambda p: export_gru_classifier(gru, p))

    # (4) A GRU returning its last step (no biases), then tanh and linear.
    last = nn.Sequential(od(gru=GRULayer(3, 6, output="last", bias=False), tanh=nn.Tanh(), fc=nn.Linear(6, 2)))
    _save_case(os.path.join(root, "gru_last"), last, {"t7": torch.randn(4, 7, 3)},
               lambda p: export_sequential(last, [0, 3], p))


def main(argv):
    if len(argv) == 3 and argv[1] == "fixtures":
        make_fixtures(argv[2])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
