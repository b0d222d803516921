"""Correct answers to every function exercise, written in the varied styles real people use (issue 21).

``CORRECT[exercise_id]`` maps a style's name to an answer that is right by the exercise's instructions:
torch.distributions objects and ``kl_divergence``, ``F.binary_cross_entropy_with_logits`` and softplus forms,
a log-sum-exp written out with a max shift, float64 arithmetic cast back, in-place operations on fresh tensors,
``torch.lerp``/``linspace``, guarding epsilons the way people write them (``log(sigma**2 + 1e-8)``, a clamp
of the variance at 1e-8, ``std = exp(logvar / 2) + 1e-8``), and NumPy only where the exercise allows plain
numbers or the function builds constants or pictures (an estimate, a count, a weight, a schedule, a latent path). ``tests/test_correct_answers.py`` grades each one on four
seeds: every one must pass with full marks. ``BY_DESIGN_REJECTED`` lists answers that were accepted before
the gradient checks of issue 21 and are rejected now, on purpose (they cut the graph the exercise needs).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence


def _refuse_outside_unit(x):
    if bool((x < 0).any()) or bool((x > 1).any()):
        raise ValueError(f"x must lie in [0, 1], found values from {x.min().item():.4g} to {x.max().item():.4g}")


# --- s1 ---------------------------------------------------------------------------------------------

MC = {
    "torch": lambda v: (v.mean(), v.std() / math.sqrt(v.numel())),
    "floats via item": lambda v: (v.mean().item(), v.std().item() / len(v) ** 0.5),
    "numpy ddof=1": lambda v: (float(np.mean(v.numpy())), float(np.std(v.numpy(), ddof=1) / np.sqrt(v.numel()))),
    "written out": lambda v: (
        v.sum() / v.numel(),
        torch.sqrt(((v - v.mean()) ** 2).sum() / (v.numel() - 1) / v.numel()),
    ),
    "std_mean correction=1": lambda v: (lambda s, m: (m, s / math.sqrt(len(v))))(*torch.std_mean(v, correction=1)),
    "float32 constant for n": lambda v: (v.mean(), v.std() / torch.sqrt(torch.tensor(float(v.numel())))),
    "float64 then cast": lambda v: (
        v.double().mean().to(v.dtype),
        (v.double().std() / math.sqrt(v.numel())).to(v.dtype),
    ),
}

POSTERIOR = {
    "reference form": lambda x, v: ((x.sum() / v) / (1.0 + x.numel() / v), 1.0 / (1.0 + x.numel() / v)),
    "variance first": lambda x, v: (lambda var: (var * x.sum() / v, var))(1.0 / (1.0 + len(x) / v)),
    "shrunk data mean": lambda x, v: (len(x) * x.mean() / (v + len(x)), v / (v + len(x))),
    "floats via item": lambda x, v: (float(x.sum() / v / (1 + x.numel() / v)), float(1 / (1 + x.numel() / v))),
    "numpy": lambda x, v: (
        float(np.sum(x.numpy()) / v / (1 + x.numpy().size / v)),
        float(1 / (1 + x.numpy().size / v)),
    ),
    "tensors of the input's dtype": lambda x, v: (
        (x / v).sum() / (1 + torch.tensor(x.numel() / v, dtype=x.dtype)),
        torch.reciprocal(1 + torch.tensor(x.numel() / v, dtype=x.dtype)),
    ),
}

# --- s2 ---------------------------------------------------------------------------------------------


def _elbo_in_place(a, b, c):
    log_w = a + b  # a fresh tensor: changing it in place touches no input
    log_w -= c
    return log_w.mean(dim=0)


ELBO = {
    "mean over samples": lambda a, b, c: (a + b - c).mean(0),
    "torch.mean dim=0": lambda a, b, c: torch.mean(a + b - c, dim=0),
    "sum / L": lambda a, b, c: (a.sum(0) + b.sum(0) - c.sum(0)) / a.shape[0],
    "in place on a fresh tensor": _elbo_in_place,
    "three means": lambda a, b, c: a.mean(0) + b.mean(0) - c.mean(0),
    "einsum": lambda a, b, c: torch.einsum("lb->b", a + b - c) / a.shape[0],
    "1/L as a float32 tensor": lambda a, b, c: (a + b - c).sum(0) * (1 / torch.tensor(float(a.shape[0]))),
}

# --- s3 ---------------------------------------------------------------------------------------------


def _reparam_plain(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar)
    if eps is None:
        eps = torch.randn_like(std)
    return mu + eps * std


def _reparam_rsample(mu, logvar, eps=None):
    std = torch.exp(logvar / 2)
    if eps is None:
        return Normal(mu, std).rsample()
    return mu + std * eps


def _reparam_std_epsilon(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar) + 1e-8  # a guard people add; it moves z by 1e-8 * eps
    eps = torch.randn_like(mu) if eps is None else eps
    return mu + std * eps


def _reparam_sqrt_var(mu, logvar, eps=None):
    eps = torch.randn(mu.shape, dtype=mu.dtype, device=mu.device) if eps is None else eps
    return mu + torch.sqrt(torch.exp(logvar)) * eps


def _reparam_addcmul(mu, logvar, eps=None):
    std = logvar.mul(0.5).exp_()  # in place on the fresh product, not on logvar
    return torch.addcmul(mu, std, torch.randn_like(std) if eps is None else eps)


def _reparam_float64(mu, logvar, eps=None):
    eps = torch.randn_like(mu) if eps is None else eps
    return (mu.double() + (0.5 * logvar.double()).exp() * eps.double()).to(mu.dtype)


REPARAM = {
    "exp(0.5 logvar), randn_like": _reparam_plain,
    "Normal(...).rsample()": _reparam_rsample,
    "std = exp(logvar/2) + 1e-8": _reparam_std_epsilon,
    "sqrt(exp(logvar)), torch.randn": _reparam_sqrt_var,
    "addcmul, in-place exp_": _reparam_addcmul,
    "float64 then cast": _reparam_float64,
}


def _score_surrogate(f, z, mu, sigma):
    m = mu.detach().requires_grad_(True)  # the surrogate-loss way: autograd computes the score
    surrogate = (f.detach() * Normal(m, sigma.detach()).log_prob(z.detach())).mean()
    (grad,) = torch.autograd.grad(surrogate, m)
    return grad


SCORE = {
    "reference form": lambda f, z, mu, s: (f * (z - mu) / s.pow(2)).mean(),
    "surrogate loss with autograd": _score_surrogate,
    "f detached": lambda f, z, mu, s: (f.detach() * (z - mu) / s**2).mean(),
    "sigma * sigma, sum / L": lambda f, z, mu, s: torch.sum(f * (z - mu) / (s * s)) / z.numel(),
    "float64 then cast": lambda f, z, mu, s: (f.double() * (z.double() - mu.double()) / s.double() ** 2).mean().to(f.dtype),
    "no_grad (an estimate, not a loss)": lambda f, z, mu, s: _no_grad(lambda: torch.mean(f * (z - mu)) / s**2),
}


def _no_grad(fn):
    with torch.no_grad():
        return fn()


# --- s4 ---------------------------------------------------------------------------------------------


def _kl_in_place(mu, logvar):
    kl = mu.pow(2)  # fresh
    kl += logvar.exp()
    kl -= logvar
    kl -= 1
    return 0.5 * kl.sum(-1)


GAUSSIAN_KL = {
    "Kingma form": lambda mu, lv: -0.5 * torch.sum(1 + lv - mu.pow(2) - lv.exp(), dim=-1),
    "Normal + kl_divergence": lambda mu, lv: kl_divergence(
        Normal(mu, torch.exp(0.5 * lv)), Normal(torch.zeros_like(mu), torch.ones_like(mu))
    ).sum(-1),
    "Independent + kl_divergence": lambda mu, lv: kl_divergence(
        Independent(Normal(mu, (0.5 * lv).exp()), 1), Independent(Normal(torch.zeros_like(mu), torch.ones_like(lv)), 1)
    ),
    "log(1e-8 + sigma^2)": lambda mu, lv: (lambda s2: 0.5 * torch.sum(mu**2 + s2 - torch.log(1e-8 + s2) - 1, -1))(lv.exp()),
    "variance clamped at 1e-8": lambda mu, lv: (lambda v: 0.5 * (mu**2 + v - v.log() - 1).sum(-1))(lv.exp().clamp(min=1e-8)),
    "std = exp(logvar/2) + 1e-8": lambda mu, lv: (
        lambda std: 0.5 * (mu**2 + std**2 - torch.log(std**2) - 1).sum(-1)
    )(torch.exp(0.5 * lv) + 1e-8),
    "2 log sigma": lambda mu, lv: (lambda std: 0.5 * (mu**2 + std**2 - 2 * std.log() - 1).sum(-1))(lv.mul(0.5).exp()),
    "in place on a fresh tensor": _kl_in_place,
    "log(std + 1e-8)": lambda mu, lv: (lambda std: 0.5 * (mu**2 + std**2 - 2 * torch.log(std + 1e-8) - 1).sum(-1))(
        torch.exp(0.5 * lv)
    ),
    "Normal(0., 1.) prior of floats": lambda mu, lv: kl_divergence(Normal(mu, lv.exp().sqrt()), Normal(0.0, 1.0)).sum(-1),
    "logvar clamped to [-30, 20]": lambda mu, lv: (lambda s: -0.5 * (1 + s - mu**2 - s.exp()).sum(-1))(lv.clamp(-30, 20)),
}


def _bern(fn):
    def answer(logits, x):
        _refuse_outside_unit(x)
        return fn(logits, x)

    return answer


BERNOULLI = {
    "-BCE with logits": _bern(lambda l, x: -F.binary_cross_entropy_with_logits(l, x, reduction="none").sum(-1)),
    "x l - softplus(l)": _bern(lambda l, x: (x * l - F.softplus(l)).sum(dim=-1)),
    "logsigmoid both sides": _bern(lambda l, x: (x * F.logsigmoid(l) + (1 - x) * F.logsigmoid(-l)).sum(-1)),
    "Bernoulli(logits=...).log_prob": _bern(lambda l, x: Bernoulli(logits=l, validate_args=False).log_prob(x).sum(-1)),
    "max(l,0) - l x + log1p(exp(-|l|))": _bern(
        lambda l, x: -(l.clamp(min=0) - l * x + torch.log1p(torch.exp(-l.abs()))).sum(-1)
    ),
    "logaddexp": _bern(lambda l, x: (x * l - torch.logaddexp(torch.zeros_like(l), l)).sum(-1)),
}

# --- s5 ---------------------------------------------------------------------------------------------


def _iwae_max_shift(lw):
    m = lw.max(dim=-1, keepdim=True).values  # (B, 1)
    return m.squeeze(-1) + torch.log(torch.exp(lw - m).mean(dim=-1))


def _iwae_amax_numpy_log(lw):
    m = lw.amax(dim=1, keepdim=True)
    return (m + (lw - m).exp().sum(1, keepdim=True).log()).squeeze(1) - np.log(lw.shape[1])


def _iwae_detached_shift(lw):
    m = lw.max(-1, keepdim=True).values.detach()  # the shift cancels: detaching it changes no gradient
    return (m + torch.log(torch.sum(torch.exp(lw - m), -1, keepdim=True)) - math.log(lw.shape[-1])).squeeze(-1)


IWAE = {
    "logsumexp - log K": lambda lw: torch.logsumexp(lw, -1) - math.log(lw.shape[-1]),
    "max shift, log mean exp": _iwae_max_shift,
    "amax shift, np.log(K)": _iwae_amax_numpy_log,
    "detached max shift": _iwae_detached_shift,
    "logsumexp(lw - log K)": lambda lw: torch.logsumexp(lw - math.log(lw.shape[-1]), dim=-1),
    "log K as a tensor": lambda lw: torch.logsumexp(lw, dim=1) - torch.log(torch.tensor(float(lw.shape[1]), dtype=lw.dtype)),
    "float64 then cast": lambda lw: (torch.logsumexp(lw.double(), -1) - math.log(lw.shape[-1])).to(lw.dtype),
    "log K as a float32 tensor": lambda lw: torch.logsumexp(lw, -1) - torch.log(torch.tensor(lw.shape[-1]).float()),
}

INTERPOLATE = {
    "linspace column": lambda z1, z2, n: (lambda t: (1 - t) * z1 + t * z2)(torch.linspace(0, 1, n, dtype=z1.dtype)[:, None]),
    "torch.lerp": lambda z1, z2, n: torch.lerp(z1, z2, torch.linspace(0, 1, n, dtype=z1.dtype).unsqueeze(1)),
    "stack of rows": lambda z1, z2, n: torch.stack([z1 + t * (z2 - z1) for t in torch.linspace(0, 1, n).tolist()]),
    "python fractions": lambda z1, z2, n: torch.stack([(1 - i / (n - 1)) * z1 + i / (n - 1) * z2 for i in range(n)]),
    "numpy weights": lambda z1, z2, n: (lambda t: z1 + t * (z2 - z1))(
        torch.from_numpy(np.linspace(0.0, 1.0, n)).to(z1.dtype).reshape(-1, 1)
    ),
    "outer product": lambda z1, z2, n: z1 + torch.outer(torch.linspace(0, 1, n, dtype=z1.dtype), z2 - z1),
    "numpy linspace of the endpoints": lambda z1, z2, n: torch.from_numpy(
        np.linspace(z1.detach().cpu().numpy(), z2.detach().cpu().numpy(), n)
    ).to(z1.dtype),
}


def _evaluation_in_place(recon, kl, beta):
    out = recon.clone()
    out -= kl
    return out


EVALUATION = {
    "recon - kl": lambda r, k, beta: r - k,
    "weight 1 written": lambda r, k, beta: r - 1.0 * k,
    "torch.sub": lambda r, k, beta: torch.sub(r, k),
    "minus the loss at weight 1": lambda r, k, beta: -(k - r),
    "in place on a clone": _evaluation_in_place,
    "float64 then cast": lambda r, k, beta: (r.double() - k.double()).to(r.dtype),
}

# --- s6 ---------------------------------------------------------------------------------------------

ACTIVE_UNITS = {
    "var over data": lambda mu, threshold=0.01: int((mu.var(0) > threshold).sum()),
    "population var, item": lambda mu, threshold=0.01: (mu.var(dim=0, unbiased=False) > threshold).sum().item(),
    "numpy": lambda mu, threshold=0.01: int((np.var(mu.numpy(), axis=0) > threshold).sum()),
    "centred squares": lambda mu, threshold=0.01: int((((mu - mu.mean(0)) ** 2).mean(0) > threshold).sum()),
    "torch.cov diagonal": lambda mu, threshold=0.01: int((torch.cov(mu.T).diagonal() > threshold).sum()),
    "python count": lambda mu, threshold=0.01: sum(1 for v in mu.var(0).tolist() if v > threshold),
}


def _anneal_branch(step, warmup_steps):
    if step >= warmup_steps:
        return 1.0
    return step / warmup_steps


ANNEAL = {
    "min": lambda step, warmup: min(1.0, step / warmup),
    "numpy clip": lambda step, warmup: float(np.clip(step / warmup, 0.0, 1.0)),
    "branch": _anneal_branch,
    "max(0, min(1, .))": lambda step, warmup: max(0.0, min(1.0, step / float(warmup))),
    "torch clamp item": lambda step, warmup: torch.clamp(torch.tensor(step / warmup), max=1.0).item(),
}

FREE_BITS = {
    "clamp of the batch mean": lambda kl, fb: kl.mean(0).clamp(min=fb).sum(),
    "torch.maximum full_like": lambda kl, fb: (lambda m: torch.maximum(m, torch.full_like(m, fb)).sum())(kl.mean(0)),
    "relu shift": lambda kl, fb: F.relu(kl.mean(dim=0) - fb).sum() + fb * kl.shape[-1],
    "torch.where": lambda kl, fb: (lambda m: torch.where(m > fb, m, torch.full_like(m, fb)).sum())(kl.sum(0) / kl.shape[0]),
    "clamp_min": lambda kl, fb: torch.clamp_min(torch.mean(kl, dim=0), fb).sum(),
}

# --- s7 ---------------------------------------------------------------------------------------------

FORWARD = {
    "[:, None]": lambda x0, a, e: a[:, None].sqrt() * x0 + (1 - a[:, None]).sqrt() * e,
    "unsqueeze(-1)": lambda x0, a, e: a.sqrt().unsqueeze(-1) * x0 + (1 - a).sqrt().unsqueeze(-1) * e,
    "view(-1, 1), torch.sqrt": lambda x0, a, e: (lambda c: torch.sqrt(c) * x0 + torch.sqrt(1 - c) * e)(a.view(-1, 1)),
    "einsum": lambda x0, a, e: torch.einsum("b,bd->bd", a.sqrt(), x0) + torch.einsum("b,bd->bd", (1 - a).sqrt(), e),
    "addcmul": lambda x0, a, e: torch.addcmul(a.sqrt()[:, None] * x0, (1 - a).sqrt()[:, None], e),
    "** 0.5": lambda x0, a, e: (a**0.5).reshape(-1, 1) * x0 + ((1 - a) ** 0.5).reshape(-1, 1) * e,
}


def _alpha_bar_stack(betas):
    out, prod = [], torch.ones((), dtype=betas.dtype)
    for beta in betas:
        prod = prod * (1 - beta)
        out.append(prod)
    return torch.stack(out)


def _alpha_bar_fill(betas):
    out = torch.empty_like(betas)  # a fresh tensor filled in place
    prod = torch.ones((), dtype=betas.dtype)
    for t in range(betas.shape[0]):
        prod = prod * (1 - betas[t])
        out[t] = prod
    return out


ALPHA_BAR = {
    "cumprod": lambda b: torch.cumprod(1 - b, dim=0),
    "alphas.cumprod": lambda b: (1.0 - b).cumprod(0),
    "exp cumsum log1p": lambda b: torch.exp(torch.cumsum(torch.log1p(-b), 0)),
    "loop and stack": _alpha_bar_stack,
    "loop filling a fresh tensor": _alpha_bar_fill,
    "numpy cumprod": lambda b: torch.as_tensor(np.cumprod(1 - b.detach().cpu().numpy()), dtype=b.dtype),
}

CORRECT = {
    "mc_estimate": MC,
    "conjugate_posterior": POSTERIOR,
    "elbo_from_log_densities": ELBO,
    "reparameterize": REPARAM,
    "score_function_estimate": SCORE,
    "gaussian_kl": GAUSSIAN_KL,
    "bernoulli_log_likelihood": BERNOULLI,
    "iwae_bound": IWAE,
    "interpolate_latents": INTERPOLATE,
    "evaluation_elbo": EVALUATION,
    "active_units": ACTIVE_UNITS,
    "kl_annealing_weight": ANNEAL,
    "free_bits_kl": FREE_BITS,
    "forward_diffusion_sample": FORWARD,
    "alpha_bar_schedule": ALPHA_BAR,
}

# Right values but no gradient: accepted before issue 21's gradient checks, rejected (named gradient_cut) now.
BY_DESIGN_REJECTED = {
    "evaluation_elbo": {
        "no_grad": lambda r, k, beta: _no_grad(lambda: r - k),
    },
    "forward_diffusion_sample": {
        "detached": lambda x0, a, e: (a[:, None].sqrt() * x0 + (1 - a[:, None]).sqrt() * e).detach(),
    },
}
