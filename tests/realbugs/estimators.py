"""Real answers for ``mc_estimate(values)`` -> (mean, standard error) and ``interpolate_latents(z1, z2, steps)`` -> (steps, D)."""

import math

import numpy as np
import torch

from . import bug, correct

# --- Monte Carlo estimate with its standard error ----------------------------------------------------


@bug(
    "mc_estimate",
    "DataMedSci/pymchelper#162 (stderr = stddev / n: 'sqrt() missing?')",
    "the standard deviation divided by n instead of sqrt(n)",
    expect=("se_divided_by_n",),
)
def mc_pymchelper_divided_by_n(values):
    stddev = values.std()
    return values.mean(), stddev / values.numel()


@bug(
    "mc_estimate",
    "statsmodels/statsmodels#8295 (descriptivestats std_err /= count), in numpy with python floats returned",
    "the standard deviation divided by the count n instead of sqrt(n)",
    expect=("se_divided_by_n",),
)
def mc_statsmodels_std_err_over_count(values):
    x = values.detach().cpu().numpy().astype(np.float64)
    std_err = x.std(ddof=1)
    std_err /= x.size
    return float(x.mean()), float(std_err)


@bug(
    "mc_estimate",
    "UBC-DSCI/introduction-to-datascience-python#115 (std used where the standard error, sem, belongs)",
    "the standard deviation of the draws reported as the standard error of their mean",
    expect=("se_missing_sqrt_n",),
)
def mc_ubc_std_for_sem(values):
    return values.mean(), values.std()


@bug(
    "mc_estimate",
    "NatLabRockies/PRAS#5 (standard errors of Monte Carlo estimates from the uncorrected, divide-by-n sample variance)",
    "the variance divided by n instead of n - 1 before the standard error",
    expect=("se_population_std",),
)
def mc_pras_uncorrected_variance(values):
    n = values.numel()
    mean = values.mean()
    variance = ((values - mean) ** 2).sum() / n
    return mean, torch.sqrt(variance / n)


@bug(
    "mc_estimate",
    "mwegrzyn/language-performance#27 ('whenever np.std() do np.std(ddof=1)'): numpy's default ddof=0",
    "np.std with its default ddof=0 (divide by n) in the standard error",
    expect=("se_population_std",),
)
def mc_numpy_default_ddof(values):
    x = values.numpy()
    return torch.tensor(np.mean(x), dtype=values.dtype), torch.tensor(np.std(x) / np.sqrt(len(x)), dtype=values.dtype)


@correct("mc_estimate", "torch: values.std() / sqrt(n) (unbiased, torch's default)")
def mc_ok_torch(values):
    return values.mean(), values.std() / math.sqrt(values.numel())


@correct("mc_estimate", "torch.std_mean with correction=1, then / sqrt(n)")
def mc_ok_std_mean(values):
    std, mean = torch.std_mean(values, correction=1)
    return mean, std / values.numel() ** 0.5


@correct("mc_estimate", "numpy with ddof=1, as mwegrzyn/language-performance#27 asks, computed in float64")
def mc_ok_numpy_ddof1(values):
    x = values.detach().cpu().numpy().astype(np.float64)
    se = np.std(x, ddof=1) / np.sqrt(x.size)
    return torch.tensor(x.mean(), dtype=values.dtype), torch.tensor(se, dtype=values.dtype)


# --- latent interpolation ----------------------------------------------------------------------------


@bug(
    "interpolate_latents",
    "ljleb/prompt-fusion-extension#13 (tensor interpolation changed to exclude the last interpolation point): t = i / steps",
    "t runs over arange(steps) / steps: the path never reaches z2",
    expect=("interp_endpoint_missing",),
)
def interp_prompt_fusion_exclusive(z1, z2, steps):
    return torch.stack([z1 + (i / steps) * (z2 - z1) for i in range(steps)])


@correct(
    "interpolate_latents",
    "yuval-alaluf/restyle-encoder#5: [src] + ratios i / (n + 1) for i = 1..n + [target], with n = steps - 2",
)
def interp_ok_restyle(z1, z2, steps):
    n_interpolations = steps - 2
    results = [z1]
    for i in range(1, n_interpolations + 1):
        ratio = i / (n_interpolations + 1)
        results.append(z1 + ratio * (z2 - z1))
    results.append(z2)
    return torch.stack(results)


@correct("interpolate_latents", "torch.lerp with torch.linspace weights")
def interp_ok_lerp(z1, z2, steps):
    weights = torch.linspace(0, 1, steps, dtype=z1.dtype)[:, None]  # (steps, 1)
    return torch.lerp(z1.expand(steps, -1), z2.expand(steps, -1), weights)
