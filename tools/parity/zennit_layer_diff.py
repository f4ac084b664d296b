#!/usr/bin/env python3
"""Where does an lrp-* method under convention=zennit leave Zennit? (diagnostic for zennit_parity.py)

    /usr/bin/python3 tools/parity/zennit_layer_diff.py NET [--method lrp-epsilon] [--salient PATH]

NET is one of zennit_parity.nets(seed). Prints, for every top-level module of the net, our
relevance at its output (`--set relevance_at=NAME`) against Zennit's (the gradient at that
output under the composite) in float32 and float64, relative to max |Zennit float64| there. With
ε on the first layer (lrp-epsilon; a composite on a net starting with a Linear) it also redoes
that layer's ε step in float64 from *our* relevance at its output: if that agrees with Zennit
float64 while our input relevance does not, the gap is float32 rounding of that layer's z, not a
rule difference.
"""

import argparse
import copy
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import zennit_parity as zp  # noqa: E402
from export_torch import export_sequential  # noqa: E402
from zennit.attribution import Gradient  # noqa: E402


def zennit_run(model, x, composite):
    grads = {}
    xt = torch.tensor(x, requires_grad=True)
    with torch.no_grad():
        target = model(xt).argmax(dim=1)
    hooks = []
    with Gradient(model=model, composite=composite) as attributor:
        for name, m in model.named_children():
            def keep(_, __, out, name=name):
                out.register_hook(lambda g: grads.__setitem__(name, g.detach().clone().numpy()))
            hooks.append(m.register_forward_hook(keep))
        _, rel = attributor(xt, lambda y: y * torch.nn.functional.one_hot(target, y.shape[1]).to(y))
    for h in hooks:
        h.remove()
    return rel.detach().numpy(), grads


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("net")
    ap.add_argument("--method", default="lrp-epsilon")
    ap.add_argument("--salient", default="build/release/tools/salient")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=4)
    args = ap.parse_args()
    torch.set_grad_enabled(True)
    found = [t for t in zp.nets(args.seed) if t[0] == args.net]
    if not found:
        sys.exit(f"no net {args.net}: one of {[t[0] for t in zp.nets(args.seed)]}")
    name, model, shape, _ = found[0]
    keys, composite = zp.ZENNIT[args.method]
    keys = keys + ["convention=zennit"]
    x = np.random.default_rng(args.seed + 7).uniform(-1.0, 1.0, size=(args.n,) + tuple(shape)).astype(np.float32)
    z32, g32 = zennit_run(model, x, composite())
    z64, g64 = zennit_run(copy.deepcopy(model).double(), x.astype(np.float64), composite())
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, name + ".safetensors")
        export_sequential(model, list(shape), path)
        a = zp.ours(args.salient, path, x, args.method, keys, work)
        print(f"{'at':10} {'ours-z32':>10} {'ours-z64':>10} {'z32-z64':>10}")
        for layer in g64:  # top layer first (backward order)
            o = zp.ours(args.salient, path, x, args.method, keys + [f"relevance_at={layer}"], work)
            s = np.abs(g64[layer]).max()
            print(f"{layer:10} {np.abs(o - g32[layer]).max() / s:10.2e} {np.abs(o - g64[layer]).max() / s:10.2e} "
                  f"{np.abs(g32[layer] - g64[layer]).max() / s:10.2e}")
        s = np.abs(z64).max()
        print(f"{'input':10} {np.abs(a - z32).max() / s:10.2e} {np.abs(a - z64).max() / s:10.2e} "
              f"{np.abs(z32 - z64).max() / s:10.2e}")
        first_name, first = next(iter(model.named_children()))
        # ε on the first layer: lrp-epsilon, or a composite (ε on Linear) whose first layer is a Linear.
        if args.method == "lrp-epsilon" and isinstance(first, (torch.nn.Linear, torch.nn.Conv1d, torch.nn.Conv2d)) \
                or args.method.startswith("lrp-epsilon-") and isinstance(first, torch.nn.Linear):
            r = torch.tensor(zp.ours(args.salient, path, x, args.method, keys + [f"relevance_at={first_name}"], work),
                             dtype=torch.float64)
            xin = torch.tensor(x, dtype=torch.float64, requires_grad=True)
            z = copy.deepcopy(first).double()(xin)
            z.backward(r / (z.detach() + 1e-6 * ((z.detach() == 0).double() + z.detach().sign())))
            step = (xin.detach() * xin.grad).numpy()
            print(f"{first_name}'s ε step in float64 from our relevance at its output vs Zennit float64: "
                  f"{np.abs(step - z64).max() / s:.2e}")


if __name__ == "__main__":
    main()
