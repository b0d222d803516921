"""Real answers for ``mc_estimate``, ``conjugate_posterior``, ``interpolate_latents``, ``score_function_estimate`` and ``elbo_from_log_densities`` (Sessions 1, 2, 3 and 5)."""

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


@correct("mc_estimate", "computed in float64 with an explicit n - 1 (Bessel) and cast back, as mwegrzyn/language-performance#27 asks")
def mc_ok_float64_bessel(values):
    v = values.double()
    n = v.numel()
    mean = v.sum() / n
    s2 = ((v - mean) ** 2).sum() / (n - 1)
    return mean.to(values.dtype), (s2 / n).sqrt().to(values.dtype)


@bug(
    "mc_estimate",
    "zsyOAOA/ResShift#25 (the average loss additionally divided by len(loss)), with Python floats returned",
    "the mean divided by n a second time",
    expect=("mc_mean_divided_twice",),
)
def mc_resshift_double_division(values):
    n = len(values)
    mean = values.sum() / n / n
    se = values.std() / math.sqrt(n)
    return float(mean), float(se)


@bug(
    "mc_estimate",
    "Jij-Inc/OpenJij#338 (the standard deviation returned as the standard error)",
    "the standard deviation of the draws instead of the standard error of their mean (no / sqrt(n))",
    expect=("se_missing_sqrt_n",),
)
def mc_openjij_std_not_se(values):
    return float(values.mean()), float(values.std())


@correct("mc_estimate", "wouterkool/attention-learn-to-route#43 eval.py (std / sqrt(len)), in float64 with .item()")
def mc_ok_std_over_sqrt_len(values):
    v = values.double()
    return v.mean().item(), (v.std() / math.sqrt(len(v))).item()


# --- the score-function (REINFORCE) estimate -------------------------------------------------------------


@bug(
    "score_function_estimate",
    "Farama-Foundation/Gymnasium#1336 (loss = -sum(log_probs.mean() * deltas): the log-probabilities averaged apart from the returns)",
    "the score averaged before multiplying by f: mean(score) * sum(f) instead of mean(f * score)",
    expect=("score_averaged_apart_from_f",),
)
def score_gymnasium_mean_logprob(f_values, z, mu, sigma):
    score = (z - mu) / sigma.pow(2)
    return score.mean() * f_values.sum()


@bug(
    "score_function_estimate",
    "hill-a/stable-baselines#1060 (the standard deviation used where the variance belongs in the Gaussian log-prob)",
    "divided by sigma instead of sigma^2",
    expect=("score_divides_by_sigma",),
)
def score_baselines_std_as_var(f_values, z, mu, sigma):
    return (f_values * (z - mu) / sigma).mean()


# --- the ELBO from log-densities ---------------------------------------------------------------------------


@bug(
    "elbo_from_log_densities",
    "NetManAIOps/OmniAnomaly#37 (log p(x|z) - log q(z|x): the log p(z) term missing)",
    "the prior term log p(z) left out",
    expect=("elbo_missing_prior",),
)
def elbo_omni_missing_prior(log_px_given_z, log_pz, log_qz):
    return (log_px_given_z - log_qz).mean(dim=0)


@bug(
    "elbo_from_log_densities",
    "probml/pml2-book#23 (q_phi(z|x) written where log q_phi(z|x) belongs)",
    "the density q(z|x) itself (exp of the log-density) subtracted instead of log q(z|x)",
    expect=("elbo_density_for_log_density",),
)
def elbo_pml_q_not_logq(log_px_given_z, log_pz, log_qz):
    return (log_px_given_z + log_pz - log_qz.exp()).mean(dim=0)


# --- conjugate Gaussian posterior (prior N(0, 1), known noise variance) ------------------------------------


@bug(
    "conjugate_posterior",
    "SMPyBandits/SMPyBandits#192 (Policies/Posterior/Gauss.py update): new_mu = sum / n, new_sigma from n alone, "
    "'only written for a flat prior'",
    "the prior is left out: the maximum-likelihood mean x-bar and variance noise_var / n",
    expect=("posterior_ignores_prior",),
)
def post_smpybandits_flat_prior(x, noise_var):
    nb_data = x.numel()
    new_mu = x.sum() / nb_data
    new_var = noise_var / nb_data
    return new_mu, new_var


@correct("conjugate_posterior", "precisions add (Bishop PRML 2.141-2.142 with prior N(0, 1)), written with torch")
def post_ok_precisions(x, noise_var):
    n = x.numel()
    precision = 1.0 + n / noise_var
    return x.sum() / noise_var / precision, torch.tensor(1.0 / precision, dtype=x.dtype)


@correct("conjugate_posterior", "the shrinkage form: mean = n / (n + noise_var) * x-bar, variance = noise_var / (n + noise_var)")
def post_ok_shrinkage(x, noise_var):
    n = x.numel()
    weight = n / (n + noise_var)
    return weight * x.mean(), torch.tensor(noise_var / (n + noise_var), dtype=x.dtype)


# --- latent interpolation ----------------------------------------------------------------------------


@bug(
    "interpolate_latents",
    "ljleb/prompt-fusion-extension#13 (tensor interpolation changed to exclude the last interpolation point): t = i / steps",
    "t runs over arange(steps) / steps: the path never reaches z2",
    expect=("interp_endpoint_missing",),
)
def interp_prompt_fusion_exclusive(z1, z2, steps):
    return torch.stack([z1 + (i / steps) * (z2 - z1) for i in range(steps)])


@bug(
    "interpolate_latents",
    "igul222/improved_wgan_training#40 (the asker's reading: interpolates = (1 - alpha) * real_data + alpha * differences)",
    "the two forms of the mix combined: (1 - t) z1 + t (z2 - z1), whose weights do not add up to 1",
    expect=("interp_off_the_segment",),
)
def interp_wgan_mixed_forms(z1, z2, steps):
    alpha = torch.linspace(0, 1, steps)[:, None]
    differences = z2 - z1
    return (1 - alpha) * z1 + alpha * differences


@bug(
    "interpolate_latents",
    "Zardinality/WGAN-tensorflow#7 (proposed: interpolated = train + alpha * (train - real_data))",
    "the difference taken the wrong way round: z1 + t (z1 - z2) runs away from z2",
    expect=("interp_off_the_segment",),
)
def interp_wgan_difference_reversed(z1, z2, steps):
    alpha = torch.linspace(0, 1, steps)[:, None]
    return z1 + alpha * (z1 - z2)


@correct(
    "interpolate_latents",
    "google/compare_gan#24 (penalty_lib.py: interpolates = x + alpha * (x_fake - x), equal to (1 - alpha) x + alpha x_fake)",
)
def interp_ok_compare_gan(z1, z2, steps):
    alpha = torch.linspace(0, 1, steps, dtype=z1.dtype)[:, None]
    return z1 + alpha * (z2 - z1)


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
