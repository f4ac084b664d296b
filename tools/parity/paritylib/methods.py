"""The parity table: for each of our methods, its `--set` settings, how Captum computes the same
thing (same parameters; Captum's defaults where ours match), and whether it is deterministic.

The per-model settings are the ones benchmarks/explain_bench.cc uses (one table, documented in both
READMEs):
  occlusion      digits-cnn, small-cnn: window 1,3,3 stride 1; mlp: window 3 stride 1;
                 hmm-gru: window 10,3 stride 10,3
  feature masks  (feature-ablation, feature-permutation, shapley-sampling, kernel-shap, lime)
                 each scalar a feature, except hmm-gru: 20 groups of 10 steps × 3 features
  baselines      gradient-shap, deeplift-shap: a set of 10 rows
  deeplift, deeplift-shap on hmm-gru: gru_rule=gradient in the parity rows (Captum's
                 convention); the benchmark times the default (rescale)
  every other key: the registry's default (which is Captum's default where Captum has one).
"""

import numpy as np
import torch
from captum import attr
from captum._utils.models.linear_model import SkLearnLasso, SkLearnRidge
from captum.attr._utils import lrp_rules

# ---- per-model settings shared with the benchmark -------------------------------------------------


def occlusion_window(model):
    if model.name == "hmm-gru":
        return (10, 3), (10, 3)
    if len(model.sample_shape) == 1:
        return (3,), (1,)
    return (1, 3, 3), (1, 1, 1)


def feature_mask(model):
    """Integer group ids of the per-sample shape, or None for "each scalar" (both sides' default)."""
    if model.name != "hmm-gru":
        return None
    steps = model.sample_shape[0]
    return np.repeat(np.arange((steps + 9) // 10), 10)[:steps, None].repeat(3, axis=1).astype(np.int64)


def _comma(values):
    return ",".join(str(v) for v in values)


# ---- Captum side ----------------------------------------------------------------------------------


def _mask_tensor(model):
    m = feature_mask(model)
    return None if m is None else torch.from_numpy(m)[None]


def _set_lrp_rules(module, make_rule):
    """make_rule() on every linear/conv layer, ε (Captum's default) on pools; fresh rule objects."""
    for m in module.modules():
        if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)):
            m.rule = make_rule()
        elif isinstance(m, (torch.nn.MaxPool2d, torch.nn.AvgPool2d)):
            m.rule = lrp_rules.EpsilonRule()


def _lrp(make_rule):
    def run(model, x, target, ctx):
        _set_lrp_rules(model.captum_model, make_rule)
        return attr.LRP(model.captum_model).attribute(x, target=target)
    return run


def _grad_cam(model, x, target, ctx):
    if model.last_conv is None:
        raise NotImplementedError("no conv layer")
    cam = attr.LayerGradCam(model.captum_model, model.last_conv).attribute(x, target=target)
    return attr.LayerAttribution.interpolate(cam, tuple(x.shape[2:]), interpolate_mode="nearest")


def _guided_grad_cam(model, x, target, ctx):
    if model.last_conv is None:
        raise NotImplementedError("no conv layer")
    return attr.GuidedGradCam(model.captum_model, model.last_conv).attribute(x, target=target)


def _noise_tunnel(nt_type):
    def run(model, x, target, ctx):
        return attr.NoiseTunnel(attr.Saliency(model.captum_model)).attribute(
            x, nt_type=nt_type, nt_samples=5, stdevs=1.0, target=target)
    return run


def _perturbation(cls, constructor=None, **kwargs):
    """cls(model, **constructor()).attribute(x, feature_mask, perturbations_per_eval, **kwargs)."""
    def run(model, x, target, ctx):
        return cls(model.captum_model, **(constructor() if constructor else {})).attribute(x, target=target, feature_mask=_mask_tensor(model),
                                                 perturbations_per_eval=ctx.get("ppe", 1), **kwargs)
    return run


def _occlusion(model, x, target, ctx):
    window, stride = occlusion_window(model)
    return attr.Occlusion(model.captum_model).attribute(x, sliding_window_shapes=window, strides=stride,
                                                        target=target, perturbations_per_eval=ctx.get("ppe", 1))


def _ig(method):
    def run(model, x, target, ctx):
        return attr.IntegratedGradients(model.captum_model).attribute(x, target=target, n_steps=50, method=method)
    return run


class Case:
    """One row of the table: our method and settings against a Captum computation."""

    def __init__(self, label, method, captum, sampled=False, settings=None, grouped=False):
        self.label = label
        self.method = method
        self.captum = captum  # (model, x, target, ctx) -> tensor
        self.sampled = sampled
        self.grouped = grouped  # takes feature_mask (feature_mask(model) on both sides)
        self._settings = settings or (lambda model: [])

    def settings(self, model):
        return self._settings(model)


def _captum_gru_rule(model):
    """Captum's DeepLift passes the plain gradient through nn.GRU: our gru_rule=gradient (not the
    default rescale, which closes the completeness gap Captum leaves)."""
    return ["gru_rule=gradient"] if model.name == "hmm-gru" else []


def _occlusion_settings(model):
    window, stride = occlusion_window(model)
    return [f"window={_comma(window)}", f"stride={_comma(stride)}"]


CASES = [
    Case("saliency", "saliency", lambda m, x, t, c: attr.Saliency(m.captum_model).attribute(x, target=t, abs=True)),
    Case("input-x-gradient", "input-x-gradient",
         lambda m, x, t, c: attr.InputXGradient(m.captum_model).attribute(x, target=t)),
    Case("integrated-gradients", "integrated-gradients", _ig("gausslegendre")),
    Case("integrated-gradients/riemann_middle", "integrated-gradients", _ig("riemann_middle"),
         settings=lambda m: ["method=riemann_middle"]),
    Case("integrated-gradients/riemann_trapezoid", "integrated-gradients", _ig("riemann_trapezoid"),
         settings=lambda m: ["method=riemann_trapezoid"]),
    Case("smoothgrad", "smoothgrad", _noise_tunnel("smoothgrad"), sampled=True),
    Case("smoothgrad-sq", "smoothgrad-sq", _noise_tunnel("smoothgrad_sq"), sampled=True),
    Case("vargrad", "vargrad", _noise_tunnel("vargrad"), sampled=True),
    Case("gradient-shap", "gradient-shap",
         lambda m, x, t, c: attr.GradientShap(m.captum_model).attribute(x, baselines=c["baselines"], n_samples=5,
                                                                          stdevs=0.0, target=t), sampled=True),
    Case("guided-backprop", "guided-backprop",
         lambda m, x, t, c: attr.GuidedBackprop(m.captum_model).attribute(x, target=t)),
    Case("deconvnet", "deconvnet", lambda m, x, t, c: attr.Deconvolution(m.captum_model).attribute(x, target=t)),
    Case("deeplift", "deeplift", lambda m, x, t, c: attr.DeepLift(m.captum_model).attribute(x, target=t),
         settings=_captum_gru_rule),
    Case("deeplift-shap", "deeplift-shap",
         lambda m, x, t, c: attr.DeepLiftShap(m.captum_model).attribute(x, baselines=c["baselines"], target=t),
         settings=_captum_gru_rule),
    Case("lrp-epsilon", "lrp-epsilon", _lrp(lambda: lrp_rules.EpsilonRule(1e-9))),
    Case("lrp-gamma", "lrp-gamma", _lrp(lambda: lrp_rules.GammaRule(0.25))),
    Case("lrp-alpha-beta/alpha1-beta0", "lrp-alpha-beta", _lrp(lrp_rules.Alpha1_Beta0_Rule),
         settings=lambda m: ["alpha=1", "beta=0"]),
    Case("grad-cam", "grad-cam", _grad_cam),
    Case("guided-grad-cam", "guided-grad-cam", _guided_grad_cam),
    Case("occlusion", "occlusion", _occlusion, settings=_occlusion_settings),
    Case("feature-ablation", "feature-ablation", _perturbation(attr.FeatureAblation), grouped=True),
    Case("feature-permutation", "feature-permutation", _perturbation(attr.FeaturePermutation), sampled=True,
         grouped=True),
    Case("shapley-sampling", "shapley-sampling", _perturbation(attr.ShapleyValueSampling, n_samples=25),
         sampled=True, grouped=True),
    Case("kernel-shap", "kernel-shap", _perturbation(attr.KernelShap, n_samples=25), sampled=True,
         grouped=True),
    Case("lime", "lime", _perturbation(attr.Lime, n_samples=25), sampled=True, grouped=True),
    Case("lime/alpha=1e-4", "lime", _perturbation(attr.Lime, lambda: {"interpretable_model": SkLearnLasso(alpha=1e-4)},
                                                   n_samples=25),
         sampled=True, grouped=True, settings=lambda m: ["alpha=1e-4"]),
    Case("lime/ridge", "lime", _perturbation(attr.Lime, lambda: {"interpretable_model": SkLearnRidge(alpha=0.01)},
                                              n_samples=25),
         sampled=True, grouped=True, settings=lambda m: ["solver=ridge", "alpha=0.01"]),
]


def select(labels):
    if not labels:
        return CASES
    known = {c.label: c for c in CASES}
    unknown = [name for name in labels if name not in known]
    if unknown:
        raise ValueError(f"unknown methods {unknown}; known: {sorted(known)}")
    return [known[name] for name in labels]
