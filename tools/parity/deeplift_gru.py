#!/usr/bin/env python3
"""Parity of `salient explain --method deeplift --set gru_rule=gradient` with Captum's DeepLift on
a GRU classifier (SPEC §5: gru_rule=gradient passes plain gradients through GRUs, as Captum does).

Standalone and optional (the build and the tests never run it): it needs PyTorch, Captum and NumPy
(/usr/bin/python3 on the development machine) and a built CLI.

    /usr/bin/python3 tools/parity/deeplift_gru.py [--salient build/release/tools/salient] [--seed 0]

It builds nn.Sequential(GRU(3 -> 16, last step), Linear(16 -> 8), ReLU, Linear(8 -> 2)) with
torch.manual_seed(seed), writes it with tools/export_torch.py, and explains N = 8 random sequences
(T = 10) against random per-sample baselines with
  * Captum: DeepLift(model).attribute(x, baselines, target=argmax f(x), return_convergence_delta=True)
    (nn.GRU is no module Captum hooks, so the gradient flows through it; Rescale at the ReLU);
  * salient: deeplift with gru_rule=gradient, and with the default gru_rule=rescale.
It prints, per sample, Σ|ours − Captum| (pass: every one <= 1e-4) and the convergence deltas
Σ A − (F(x) − F(x̄)) of the three runs (only gru_rule=rescale is complete). Exit status 0 on a pass.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from captum.attr import DeepLift
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from export_torch import GRULayer, export_sequential  # noqa: E402


def explain(binary, model, x, baseline, rule, workdir):
    out = os.path.join(workdir, "a_%s.npy" % rule)
    subprocess.run([binary, "explain", "--model", model, "--input", x, "--baseline", baseline,
                    "--method", "deeplift", "--set", "gru_rule=" + rule, "--out", out],
                   check=True)
    return np.load(out)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--salient", default="build/release/tools/salient")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    model = nn.Sequential()
    model.add_module("gru", GRULayer(3, 16, output="last"))
    model.add_module("fc1", nn.Linear(16, 8))
    model.add_module("relu", nn.ReLU())
    model.add_module("fc2", nn.Linear(8, 2))
    model.eval()
    x = torch.randn(8, 10, 3)
    baseline = 0.3 * torch.randn(8, 10, 3)
    with torch.no_grad():
        fx, fb = model(x), model(baseline)
    target = fx.argmax(dim=1)
    captum, captum_delta = DeepLift(model).attribute(x, baselines=baseline, target=target,
                                                     return_convergence_delta=True)
    captum = captum.detach().numpy()
    diff_f = (fx.gather(1, target[:, None]) - fb.gather(1, target[:, None]))[:, 0].numpy()

    with tempfile.TemporaryDirectory() as d:
        model_path = os.path.join(d, "gru.safetensors")
        export_sequential(model, [0, 3], model_path)
        x_path, b_path = os.path.join(d, "x.npy"), os.path.join(d, "b.npy")
        np.save(x_path, x.numpy())
        np.save(b_path, baseline.numpy())
        ours = explain(args.salient, model_path, x_path, b_path, "gradient", d)
        rescale = explain(args.salient, model_path, x_path, b_path, "rescale", d)

    per_sample = np.abs(ours - captum).reshape(len(x), -1).sum(axis=1)
    delta = lambda a: a.reshape(len(x), -1).sum(axis=1) - diff_f  # noqa: E731
    print("sample  sum|ours(gradient) - captum|  delta captum  delta ours(gradient)  delta ours(rescale)")
    for i in range(len(x)):
        print("%6d  %27.3e  %12.3e  %19.3e  %19.3e" % (i, per_sample[i], captum_delta[i].item(),
                                                        delta(ours)[i], delta(rescale)[i]))
    ok = bool((per_sample <= 1e-4).all())
    print("max sum|ours - captum| per sample: %.3e (%s, bound 1e-4)" % (per_sample.max(), "pass" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
