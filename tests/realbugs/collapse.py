"""Real answers for Session 6: ``active_units(mu, threshold=0.01)``, ``kl_annealing_weight(step, warmup_steps)``, ``free_bits_kl``.

Free bits follow one definition (issue 21, Kingma et al. 2016, ``fit``): floor each latent dimension's
batch-mean KL, sum over dimensions. The free-bits cases need the exercise to use that definition
(``needs="free_bits_batch_mean"``); until it does they are skipped.
"""

import numpy as np
import torch

from . import bug, correct

# --- active units -----------------------------------------------------------------------------------


@correct("active_units", "jxhe/vae-lagging-encoder calc_au: two passes (mean, then var_sum / (cnt - 1)), (au_var >= delta).sum()")
def au_ok_lagging_encoder(mu, threshold=0.01):
    cnt = mu.shape[0]
    au_mean = mu.sum(0, keepdim=True) / cnt
    au_var = ((mu - au_mean) ** 2).sum(dim=0) / (cnt - 1)
    return int((au_var >= threshold).sum().item())


@correct("active_units", "MarioPasc/MenGrowth-Model src/vae/metrics/active_units.py: mu.var(dim=0, unbiased=False) > eps_au")
def au_ok_population_variance(mu, threshold=0.01):
    var_per_dim = mu.var(dim=0, unbiased=False)
    return int((var_per_dim > threshold).sum().item())


@correct("active_units", "numpy: np.cov(mu, rowvar=False) diagonal compared with the threshold (Burda et al. 2016 definition)")
def au_ok_numpy_cov(mu, threshold=0.01):
    cov = np.atleast_2d(np.cov(mu.detach().cpu().numpy(), rowvar=False))
    return int((np.diag(cov) > threshold).sum())


@bug(
    "active_units",
    "alangu-hep/symbolic-surrogates src/metrics/interpretability.py (active_units returns np.var per dimension)",
    "returns the per-dimension variances, never compares them with the threshold nor counts",
    expect=("au_returns_variances",),
)
def au_returns_variances(mu, threshold=0.01):
    samples = mu.detach().numpy()
    variances = []
    for i in range(len(samples[0])):
        variances.append(np.var(samples[:, i]))
    return variances


# --- KL annealing -----------------------------------------------------------------------------------


@bug(
    "kl_annealing_weight",
    "PlaytikaOSS/pybandits#137 (review): kl_annealing_factor = minimum(1.0, (step + 1.0) / kl_warmup)",
    "off by one: the weight starts at 1/warmup_steps and reaches 1 one step early",
    # proposed: anneal_off_by_one
    expect=("anneal_off_by_one",),
)
def anneal_pybandits_plus_one(step, warmup_steps):
    return min(1.0, (step + 1.0) / warmup_steps)


@bug(
    "kl_annealing_weight",
    "jxhe/vae-lagging-encoder text.py / image.py: kl_weight = args.kl_start; anneal_rate = (1.0 - kl_start) / (warm_up * "
    "batches); each step kl_weight = min(1.0, kl_weight + anneal_rate) before the loss (here kl_start = 0.1)",
    "starts at 0.1 instead of 0 and is incremented before its first use (off by one)",
    # proposed: anneal_off_by_one / anneal_starts_above_zero
    expect=("anneal_off_by_one", "anneal_starts_above_zero"),
)
def anneal_lagging_encoder_kl_start(step, warmup_steps):
    kl_start = 0.1
    anneal_rate = (1.0 - kl_start) / warmup_steps
    return min(1.0, kl_start + (step + 1) * anneal_rate)


@bug(
    "kl_annealing_weight",
    "timbmg/Sentence-VAE train.py kl_anneal_function('logistic', step, k=0.0025, x0=...) (issue #19): the default schedule is logistic",
    "a logistic curve centred on the warm-up length instead of the linear ramp: 0.5 at warmup_steps, never exactly 0 or 1",
    # proposed: anneal_not_linear
    expect=("anneal_not_linear",),
)
def anneal_sentence_vae_logistic(step, warmup_steps):
    k, x0 = 0.0025, warmup_steps
    return float(1 / (1 + np.exp(-k * (step - x0))))


@bug(
    "kl_annealing_weight",
    "umautobots/bidirection-trajectory-predicter#4 (KL weight ramped up to 100, not 1)",
    "the ramp's ceiling is 100, not 1",
    expect=("anneal_wrong_ceiling",),
)
def anneal_to_100(step, warmup_steps):
    return min(100.0, 100.0 * step / warmup_steps)


@bug(
    "kl_annealing_weight",
    "Jafagervik/TinyDAS tinydas/kl.py KLAnnealer (self.i = min(self.i + 1, n) before returning)",
    "off by one: the counter is incremented before use, so step 0 gives 1/n and the ramp ends one step early",
    expect=("anneal_off_by_one",),
)
def anneal_tinydas_off_by_one(step, warmup_steps):
    i = min(step + 1, warmup_steps)
    return 0.0 + (1.0 - 0.0) * i / warmup_steps


@bug(
    "kl_annealing_weight",
    "Jafagervik/TinyDAS tinydas/kl.py kl_annealing (start 1e-4, max_weight 0.01)",
    "ramps from 1e-4 to 0.01: never reaches the full ELBO weight 1, and does not start at 0",
    expect=("anneal_wrong_ceiling",),
)
def anneal_tinydas_max_001(step, warmup_steps):
    start_weight, max_weight = 0.0001, 0.01
    return min(max_weight, start_weight + (max_weight - start_weight) * (step / warmup_steps))


@correct("kl_annealing_weight", "jiangqn/TextVAE src/utils/kl_anneal.py: min(step, anneal_step) / anneal_step * beta (beta = 1)")
def anneal_ok_textvae(step, warmup_steps):
    beta = 1.0
    return min(step, warmup_steps) / warmup_steps * beta


@correct("kl_annealing_weight", "timbmg/Sentence-VAE kl_anneal_function('linear'): min(1, step / x0)")
def anneal_ok_sentence_vae_linear(step, warmup_steps):
    return min(1, step / warmup_steps)


@correct("kl_annealing_weight", "numpy clip of the ratio (np.float64 result)")
def anneal_ok_numpy_clip(step, warmup_steps):
    return np.clip(step / warmup_steps, 0.0, 1.0)


@correct("kl_annealing_weight", "explicit branches with a float rate, as in many training loops")
def anneal_ok_branches(step, warmup_steps):
    if step >= warmup_steps:
        return 1.0
    rate = 1.0 / warmup_steps
    return step * rate


# --- free bits (one definition: the floor on each dimension's batch-mean KL) -------------------------------


@bug(
    "free_bits_kl",
    "weipu-zhang/STORM#12: kl_div = kl_div.mean(); kl_div = torch.max(torch.ones_like(kl_div) * free_bits, kl_div)",
    "the floor applied once, to the batch-mean total KL, not to each latent dimension",
    expect=("free_bits_on_total",),
    needs="free_bits_batch_mean",
)
def fb_storm_after_mean(kl_per_dim, free_bits):
    kl_div = kl_per_dim.sum(-1).mean()
    return torch.max(torch.ones_like(kl_div) * free_bits, kl_div)


@bug(
    "free_bits_kl",
    "danijar/dreamerv3 as quoted in weipu-zhang/STORM#12: rep_loss = clip(rep_loss, min=free) per example, then the mean",
    "the floor applied to each example's total KL, before the batch mean",
    # proposed: free_bits_per_example
    expect=("free_bits_per_example", "free_bits_on_total"),
    needs="free_bits_batch_mean",
)
def fb_dreamer_per_example_total(kl_per_dim, free_bits):
    rep_loss = kl_per_dim.sum(-1)
    rep_loss = torch.clip(rep_loss, min=free_bits)
    return rep_loss.mean()


@bug(
    "free_bits_kl",
    "valdersoul/bn-vae#2 (text_anneal_fb.py, fb == 2): kl_mask = (loss_kl > dim_target_kl).float(); (kl_mask * loss_kl).sum(dim=1)",
    "dimensions below the target are dropped (counted as 0) instead of floored, and per example instead of per batch mean",
    # proposed: free_bits_mask (zero below the floor) / free_bits_per_example
    expect=("free_bits_mask", "free_bits_per_example", "free_bits_hinge"),
    needs="free_bits_batch_mean",
)
def fb_bnvae_mask_per_dim(kl_per_dim, free_bits):
    kl_mask = (kl_per_dim > free_bits).float()
    return (kl_mask * kl_per_dim).sum(dim=1).mean()


@bug(
    "free_bits_kl",
    "valdersoul/bn-vae#2 (text_anneal_fb.py, fb == 1): kl_mask = (loss_kl > target_kl).float(); loss_kl counted only above the target",
    "the whole KL is dropped below the target, and the target is on the total, not per dimension",
    # proposed: free_bits_mask
    expect=("free_bits_mask", "free_bits_on_total"),
    needs="free_bits_batch_mean",
)
def fb_bnvae_mask_total(kl_per_dim, free_bits):
    loss_kl = kl_per_dim.sum(-1).mean()
    kl_mask = (loss_kl > free_bits).float()
    return kl_mask * loss_kl


@correct(
    "free_bits_kl",
    "openai/iaf (Kingma et al. 2016): kl_obj = reduce_sum(maximum(reduce_mean(kl, [0]), kl_min))",
    needs="free_bits_batch_mean",
)
def fb_ok_iaf(kl_per_dim, free_bits):
    kl_obj = torch.maximum(kl_per_dim.mean(0), torch.full_like(kl_per_dim[0], free_bits))
    return kl_obj.sum()


@correct("free_bits_kl", "clamp of the per-dimension batch mean, then a sum", needs="free_bits_batch_mean")
def fb_ok_clamp(kl_per_dim, free_bits):
    return kl_per_dim.mean(dim=0).clamp(min=free_bits).sum()


@correct("free_bits_kl", "an explicit loop over latent dimensions", needs="free_bits_batch_mean")
def fb_ok_loop(kl_per_dim, free_bits):
    total = kl_per_dim.new_zeros(())
    for j in range(kl_per_dim.shape[1]):
        total = total + torch.clamp(kl_per_dim[:, j].mean(), min=free_bits)
    return total


