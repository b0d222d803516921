r"""Practice skills of session 3: a reparameterized sample and a single-sample pathwise gradient.

.. math:: z = \mu + \sigma\varepsilon, \qquad \frac{\partial f(z)}{\partial\mu} = f'(z), \qquad
          \frac{\partial f(z)}{\partial\sigma} = f'(z)\,\varepsilon, \qquad \frac{\partial f(z)}{\partial s} = f'(z)\,\varepsilon\,\frac{\sigma}{2}
"""

from __future__ import annotations


import random

import torch

from ..core.reparam import reparameterize
from ..grading.mistakes import practice
from ._draws import grid, tensor64
from .skill import OneOf, Problem, Range, Skill, fmt, fmt_seq, par

# --- the reparameterized sample (s3) ------------------------------------------------------------

_REPARAM_LEVELS = {
    "easy": {"dims": Range(1, 2), "given": OneOf(("std",)), "max_abs_eps": Range(0, 2.5)},
    "medium": {"dims": Range(2, 3), "given": OneOf(("variance",)), "max_abs_eps": Range(0, 2.5)},
    "hard": {"dims": Range(3, 4), "given": OneOf(("log-variance",)), "max_abs_eps": Range(0, 2.5)},
}


def _draw_reparam(rng: random.Random, level: str) -> dict:
    d = {"easy": rng.randint(1, 2), "medium": rng.randint(2, 3), "hard": rng.randint(3, 4)}[level]
    inputs = {"mu": [grid(rng, -2, 2, 0.1) for _ in range(d)], "eps": [grid(rng, -2.5, 2.5, 0.01) for _ in range(d)]}
    key, low, high, step = {
        "easy": ("std", 0.2, 2, 0.1),
        "medium": ("variance", 0.1, 4, 0.05),
        "hard": ("logvar", -3, 2, 0.1),
    }[level]
    inputs[key] = [grid(rng, low, high, step) for _ in range(d)]
    return inputs


def _solve_reparam(inputs: dict, level: str) -> Problem:
    mu, eps = tensor64(inputs["mu"]), tensor64(inputs["eps"])
    if "std" in inputs:
        given, logvar = "std", 2 * tensor64(inputs["std"]).log()
        stated, convert = f"sigma = {fmt_seq(inputs['std'])}", ""
    elif "variance" in inputs:
        given, logvar = "variance", tensor64(inputs["variance"]).log()
        stated, convert = f"sigma^2 = {fmt_seq(inputs['variance'])}", "sigma = sqrt(sigma^2)"
    else:
        given, logvar = "log-variance", tensor64(inputs["logvar"])
        stated, convert = f"log-variance s = log sigma^2 = {fmt_seq(inputs['logvar'])} (natural log)", "sigma = exp(s / 2)"
    z = reparameterize(mu, logvar, eps)  # (D,)
    sigma = (0.5 * logvar).exp()
    worked = (
        f"z = mu + sigma * eps{' with ' + convert if convert else ''}; sigma = {fmt_seq(sigma.tolist())}.\n"
        + "\n".join(
            f"  z_{j + 1} = {fmt(m)} + {fmt(s)} * {par(e)} = {fmt(v)}"
            for j, (m, s, e, v) in enumerate(zip(mu.tolist(), sigma.tolist(), eps.tolist(), z.tolist()))
        )
    )
    prompt = (
        f"An encoder outputs mu = {fmt_seq(inputs['mu'])} and {stated}. With the noise eps = {fmt_seq(inputs['eps'])}, "
        f"compute the reparameterized sample z = mu + sigma * eps (one number per dimension)."
    )
    mistakes = [
        practice("reparam_eps_not_scaled", *(mu + eps).tolist()),
        practice("reparam_variance_instead_of_std", *(mu + logvar.exp() * eps).tolist()),
    ]
    if given == "log-variance":
        mistakes += [
            practice("reparam_logvar_as_std", *(mu + logvar * eps).tolist()),
            practice("reparam_half_outside_exp", *(mu + 0.5 * logvar.exp() * eps).tolist()),
        ]
    features = {"dims": len(inputs["mu"]), "given": given, "max_abs_eps": float(eps.abs().max())}
    return Problem(
        prompt, tuple(z.tolist()), f"a tuple of {len(inputs['mu'])} numbers", worked, features, tuple(mistakes)
    )


# --- a pathwise gradient (s3) --------------------------------------------------------------------

_PATH_LEVELS = {
    "easy": {"target_c": Range(0, 0), "parameter": OneOf(("sigma",))},
    "medium": {"target_c": Range(-2, 2), "parameter": OneOf(("sigma",))},
    "hard": {"target_c": Range(-2, 2), "parameter": OneOf(("log-variance",))},
}


def _draw_path(rng: random.Random, level: str) -> dict:
    c = 0.0 if level == "easy" else grid(rng, -2, 2, 0.5)
    inputs = {"mu": grid(rng, -2, 2, 0.1), "eps": grid(rng, -2, 2, 0.1 if level == "easy" else 0.01), "c": c}
    if level == "hard":
        inputs["logvar"] = grid(rng, -2, 1.5, 0.1)
    else:
        inputs["sigma"] = grid(rng, 0.2, 2, 0.1)
    return inputs


def _solve_path(inputs: dict, level: str) -> Problem:
    mu = torch.tensor(inputs["mu"], dtype=torch.float64, requires_grad=True)
    second_name = "sigma" if "sigma" in inputs else "s"
    second = torch.tensor(inputs.get("sigma", inputs.get("logvar")), dtype=torch.float64, requires_grad=True)
    sigma = second if second_name == "sigma" else (0.5 * second).exp()
    eps, c = inputs["eps"], inputs["c"]
    z = mu + sigma * eps
    f = (z - c) ** 2
    d_mu, d_second = (float(g) for g in torch.autograd.grad(f, (mu, second)))
    zv, sv = z.item(), sigma.item()
    fp = 2 * (zv - c)
    if second_name == "sigma":
        chain = f"dz/dsigma = {par(fp)} * eps = {par(fp)} * {par(eps)}"
    else:
        chain = f"dz/ds, with dz/ds = eps * sigma / 2 (as sigma = exp(s / 2)): {par(fp)} * {par(eps)} * {fmt(sv)} / 2"
    worked = (
        f"z = mu + sigma * eps = {fmt(inputs['mu'])} + {fmt(sv)} * {par(eps)} = {fmt(zv)}; f'(z) = 2(z - c) = {fmt(fp)}.\n"
        f"d f/d mu = f'(z) * dz/dmu = {par(fp)} * 1 = {fmt(d_mu)}.\n"
        f"d f/d {second_name} = f'(z) * {chain} = {fmt(d_second)}."
    )
    stated = (
        f"sigma = {fmt(inputs['sigma'])}"
        if second_name == "sigma"
        else f"log-variance s = log sigma^2 = {fmt(inputs['logvar'])} (natural log)"
    )
    target = "z^2" if c == 0 else f"(z - c)^2 with c = {fmt(c)}"
    prompt = (
        f"f(z) = {target}, z ~ N(mu, sigma^2) with mu = {fmt(inputs['mu'])} and {stated}. For the single noise draw "
        f"eps = {fmt(eps)}, so that z = mu + sigma * eps, compute the pathwise (reparameterization) gradient estimate "
        f"(d f/d mu, d f/d {second_name})."
    )
    at_mu = 2 * (inputs["mu"] - c)
    scale = 1.0 if second_name == "sigma" else sv / 2
    mistakes = [
        practice("pathwise_f_prime_at_mu", at_mu, at_mu * eps * scale),
        practice("pathwise_missing_f_prime", 1.0, eps * scale),
        practice("pathwise_missing_eps", d_mu, fp * scale),
    ]
    if second_name == "s":
        mistakes.append(practice("pathwise_missing_log_chain", d_mu, fp * eps))
    features = {"target_c": c, "parameter": "sigma" if second_name == "sigma" else "log-variance"}
    return Problem(
        prompt, (d_mu, d_second), f"a pair (d f/d mu, d f/d {second_name})", worked, features, tuple(mistakes)
    )


SKILLS = (
    Skill(
        "reparameterized_sample",
        "s3",
        "a reparameterized sample",
        "s3-reparameterization",
        _REPARAM_LEVELS,
        _draw_reparam,
        _solve_reparam,
        ("z = mu + sigma * eps; sigma = sqrt(sigma^2) = exp(s / 2).",),
    ),
    Skill(
        "pathwise_gradient",
        "s3",
        "a single-sample pathwise gradient",
        "s3-sgvb",
        _PATH_LEVELS,
        _draw_path,
        _solve_path,
        ("Write z = mu + sigma * eps and apply the chain rule: d f/d theta = f'(z) dz/d theta.",),
    ),
)
