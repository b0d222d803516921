"""Real answers for Session 6: ``active_units(mu, threshold=0.01)``, ``kl_annealing_weight(step, warmup_steps)``, ``free_bits_kl``.

Free bits follow one definition (issue 21, Kingma et al. 2016, ``fit``): floor each latent dimension's
batch-mean KL, sum over dimensions. The free-bits cases need the exercise to use that definition
(``needs="free_bits_batch_mean"``); until it does they are skipped.
"""

import math

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




# --- held-out sets 4 and 5 (graded before the checker was tuned on them; issue 21) --------------------------


@bug(
    'free_bits_kl',
    'set 4: vlievin/biva-pytorch biva/evaluation/freebits.py (FreeBits: min_KL / prod(kls.shape[1:]), max per element)',
    "floor applied to each example's KL, and the budget divided by the number of dimensions (free_bits / D per unit)",
    expect=('free_bits_per_example',),
)
def fb_biva_budget_split(kl_per_dim, free_bits):
    kls = kl_per_dim
    dimensions = np.prod(kls.shape[1:])
    min_KL_per_dim = free_bits / dimensions if len(kls.shape) > 1 else free_bits
    min_KL_per_dim = min_KL_per_dim * torch.ones_like(kls)
    freebits_kl = torch.cat([kls.unsqueeze(-1), min_KL_per_dim.unsqueeze(-1)], -1)
    freebits_kl = torch.max(freebits_kl, dim=-1)[0]
    return freebits_kl.sum(1).mean(0)


@bug(
    'free_bits_kl',
    "set 4: addtt/ladder-vae-pytorch models/lvae.py get_free_bits_kl ('layerwise bits for each sample, NOT avg over minibatch')",
    'floor applied per example (kl.clamp(min=free_bits) on (B, D)) before the batch mean',
    expect=('free_bits_per_example',),
)
def fb_ladder_per_sample(kl_per_dim, free_bits):
    kl = kl_per_dim
    if free_bits > 1e-4:
        kl = kl.clamp(min=free_bits)
    return kl.sum(1).mean(0)


@correct('kl_annealing_weight', 'set 4: addtt/ladder-vae-pytorch utils.py linear_anneal(x, start, end, steps) with start=0, end=1')
def ok_anneal_ladder_linear(step, warmup_steps):
    x, start, end, steps = step, 0.0, 1.0, warmup_steps
    assert x >= 0
    assert steps > 0
    if x > steps:
        return end
    if x < 0:
        return start
    return start + (end - start) / steps * x


@correct('kl_annealing_weight', 'set 4: ricardocardn/Re-MVAE remvae/playground/helpers/annealing.py linear_kl_annealing_func (min(1, step/x0))')
def ok_anneal_remvae(step, warmup_steps):
    return min(1, step / warmup_steps)


@bug(
    'kl_annealing_weight',
    'set 4: younggyoseo/vae-cf-pytorch issue #6 / main.py (anneal = min(args.anneal_cap, 1. * update_count / args.total_anneal_steps), anneal_cap default 0.2)',
    'the weight is capped at anneal_cap = 0.2 (Mult-VAE default) and never reaches 1',
    expect=('anneal_wrong_ceiling',),
)
def anneal_vaecf_cap(step, warmup_steps):
    anneal_cap = 0.2
    return min(anneal_cap, 1. * step / warmup_steps)


@bug(
    'kl_annealing_weight',
    'set 4: ssemeniuta/textvae vae.py (kld_weight = clip((step - anneal_start)/(anneal_end - anneal_start), 0, 1 - eps) + eps, eps = 0.001 with aux loss; anneal_start -> 0, anneal_end -> warmup_steps)',
    'the weight starts at eps = 0.001 instead of 0 (clip to 1 - eps, then + eps)',
    expect=('anneal_starts_above_zero',),
)
def anneal_textvae_eps(step, warmup_steps):
    anneal_start, anneal_end, eps = 0.0, float(warmup_steps), 0.001
    return float(np.clip((step - anneal_start) / (anneal_end - anneal_start), 0, 1 - eps) + eps)


@correct('kl_annealing_weight', 'set 4: criticalml-uw/Disentanglement-in-VAE utils/anneal_kl.py (vae.beta = min(args.beta, args.beta / warmup_iter * iteration)) with args.beta = 1')
def ok_anneal_criticalml(step, warmup_steps):
    beta = 1.0
    return min(beta, beta / warmup_steps * step)


@correct('kl_annealing_weight', "set 4: hubertrybka/vae-annealing annealing.py Annealer(total_steps, shape='linear'), stepped `step` times (stateful class)")
def ok_anneal_hubertrybka_stateful(step, warmup_steps):
    class Annealer:
        def __init__(self, total_steps, baseline=0.0):
            self.current_step = 0
            self.total_steps = total_steps
            self.baseline = baseline

        def step(self):
            if self.current_step < self.total_steps:
                self.current_step += 1

        def _slope(self):
            y = self.current_step / self.total_steps
            return y * (1 - self.baseline) + self.baseline

    a = Annealer(warmup_steps)
    for _ in range(int(step)):
        a.step()
    return a._slope()


@bug(
    'free_bits_kl',
    'set 4: hardmaru/WorldModelsExperiments carracing/vae/vae.py (kl_loss = -0.5*reduce_sum(..., 1); tf.maximum(kl_loss, kl_tolerance * z_size); reduce_mean), TF ported',
    "the floor (free_bits * D) is applied to each example's total KL, then averaged: not per latent dimension of the batch mean",
    expect=('free_bits_on_total',),
)
def fb_worldmodels_total_floor(kl_per_dim, free_bits):
    z_size = kl_per_dim.shape[1]
    kl_loss = kl_per_dim.sum(1)
    kl_loss = torch.maximum(kl_loss, torch.tensor(free_bits * z_size, dtype=kl_loss.dtype))
    return kl_loss.mean()


@bug(
    'free_bits_kl',
    "set 4: juliusfrost/dreamer-pytorch PR #75 'kl-loss clamp fix' (before 9e911e5: div = torch.clamp(torch.mean(kl), -inf, self.free_nats))",
    'a cap instead of a floor (clamp(max=free_nats)), applied to the batch-mean total KL',
    expect=('free_bits_min_instead_of_max',),
)
def fb_dreamer_cap(kl_per_dim, free_bits):
    div = torch.mean(kl_per_dim.sum(1))
    div = torch.clamp(div, -float('inf'), free_bits)
    return div


@bug(
    'free_bits_kl',
    'set 4: danijar/dreamer dreamer.py (div = tf.reduce_mean(tfd.kl_divergence(post_dist, prior_dist)); div = tf.maximum(div, self._c.free_nats)), TF ported',
    "one floor (free_nats) on the batch-mean total KL instead of a floor on each latent dimension's batch-mean KL",
    expect=('free_bits_on_total',),
)
def fb_danijar_dreamer_total(kl_per_dim, free_bits):
    div = torch.mean(kl_per_dim.sum(1))
    div = torch.maximum(div, torch.tensor(free_bits, dtype=div.dtype))
    return div


@correct('active_units', 'set 4: public GitHub file (texar-style text VAE helper _active_unit(model, test_data_batch, start_tokens, end_token, delta=0.01): au_var = var_sum / (cnt - 1); (au_var >= delta).sum().item()); code-index file id 22046291321 (owner/repo not exposed)')
def ok_au_textvae_unbiased(mu, threshold=0.01):
    means_sum = mu.sum(dim=0, keepdim=True)
    cnt = mu.size(0)
    mean_mean = means_sum / cnt
    var_sum = ((mu - mean_mean) ** 2).sum(dim=0)
    au_var = var_sum / (cnt - 1)
    return (au_var >= threshold).sum().item()


@correct('free_bits_kl', 'set 4: public GitHub file (VAE module: kl_loss = torch.clamp(kl_per_dim.mean(dim=0), min=self.free_bits).sum()  # Average over batch per dim, clamp to free_bits floor, then sum); code-index file id 53732496304 (owner/repo not exposed)')
def ok_fb_clamp_batchmean_sum(kl_per_dim, free_bits):
    kl_loss = torch.clamp(kl_per_dim.mean(dim=0), min=free_bits).sum()
    return kl_loss


@bug(
    'kl_annealing_weight',
    'set 4: kefirski/pytorch_RVAE utils/functional.py kld_coef (return (math.tanh((i - 3500)/1000) + 1)/2)',
    'a tanh curve centred at a hard-coded step 3500 (width 1000): warmup_steps ignored, not linear, starts above 0 and only nears 1 after ~6000 steps',
    expect=('anneal_not_linear',),
)
def anneal_rvae_tanh(step, warmup_steps):
    i = step
    return (math.tanh((i - 3500) / 1000) + 1) / 2


@bug(
    'kl_annealing_weight',
    'set 5: WN1695173791/vaelib vaelib/scheduler.py (LinearAnnealer.__next__: self.t += 1 before min(init + (final-init)*t/steps, final))',
    'off by one: the counter is incremented before use, so the weight at step s is (s+1)/warmup (never 0, full one step early)',
    expect=('anneal_off_by_one',),
)
def anneal_vaelib_off_by_one(step, warmup_steps):
    init, final = 0.0, 1.0
    t = step + 1
    return min(init + (final - init) * t / warmup_steps, final)


@correct('kl_annealing_weight', 'set 5: norabelrose/sparse-vae text_vae/train_callbacks/KLAnnealing.py (progress = cur_step / max_steps; frozen after max_steps)')
def anneal_ok_sparsevae(step, warmup_steps):
    kl_weight_start, kl_weight_end = 0.0, 1.0
    if step > warmup_steps:
        return kl_weight_end
    progress = step / warmup_steps
    return kl_weight_start + (kl_weight_end - kl_weight_start) * progress


@bug(
    'active_units',
    'set 5: alexlemo20/AML_project IWAE.py (active_units = torch.sum(torch.cov(z.sum(1)).sum(0) > 10**-2), left in comments)',
    "torch.cov treats ROWS as variables: covariance between examples (N x N) summed, not each latent dimension's variance over examples",
    expect=('au_counts_examples',),
)
def au_alexlemo_cov_rows(mu, threshold=0.01):
    return int(torch.sum(torch.cov(mu).sum(0) > threshold))


@bug(
    'free_bits_kl',
    'set 5: google-research/planet planet/training/utility.py @5bb34f9 (loss = tf.maximum(free_nats, loss) on the KL summed over features, then averaged; see google-research/planet#28)',
    "floors each example's TOTAL KL (summed over latent dims) at the free-bits value instead of each dimension's batch-mean KL, then averages",
    expect=('free_bits_on_total',),
)
def fb_planet_floor_total(kl_per_dim, free_bits):
    free_nats = free_bits
    loss = kl_per_dim.sum(-1)
    loss = torch.maximum(torch.tensor(float(free_nats), dtype=loss.dtype), loss)
    return loss.mean()


@bug(
    'free_bits_kl',
    "set 5: google-research/planet planet/training/utility.py @cbe77fc (loss = tf.maximum(0.0, loss - float(free_nats)); see danijar's answer in google-research/planet history)",
    "hinge max(0, KL - lambda) (subtracts the free bits) on each example's total KL instead of a floor max(lambda, .) on each dimension's batch-mean KL",
    expect=('free_bits_hinge',),
)
def fb_planet_hinge_total(kl_per_dim, free_bits):
    loss = kl_per_dim.sum(-1)
    loss = torch.clamp(loss - float(free_bits), min=0.0)
    return loss.mean()


@correct('free_bits_kl', "set 5: tiboitel/poke-vae loss.py (kl_per_dim = kl.mean(dim=0); torch.clamp(kl_per_dim, min=cfg['kl_free_bits']); .sum())")
def fb_ok_poke(kl_per_dim, free_bits):
    kl = kl_per_dim.mean(dim=0)
    kl = torch.clamp(kl, min=free_bits)
    return kl.sum()


@bug(
    'free_bits_kl',
    'set 5: stats.stackexchange.com/questions/267924 (question #267924, answer quoting Kingma et al. 2016 eq.: sum_j max(lambda, E_{x~M}[KL_j])), written in NumPy float64',
    'right values, but the NumPy round trip detaches the result (no gradient reaches kl_per_dim; this exercise checks gradients)',
    expect=('gradient_cut',),
)
def fb_ok_formula_numpy(kl_per_dim, free_bits):
    k = kl_per_dim.detach().numpy().astype(np.float64)
    return torch.tensor(np.maximum(free_bits, k.mean(axis=0)).sum(), dtype=kl_per_dim.dtype)


@bug(
    'kl_annealing_weight',
    'set 5: hssandriss/mmseg-ood annealing_schedule.py (annealing_coef = annealing_start * exp(-log(annealing_start)/(total_epochs-1) * epoch), annealing_start = 0.001)',
    'exponential ramp from 0.001 instead of a linear ramp from 0, and no cap: exceeds 1 after the warm-up',
    expect=('anneal_not_clipped',),
)
def anneal_mmseg_exponential(step, warmup_steps):
    annealing_start = torch.tensor(0.001, dtype=torch.float32)
    total_epochs = warmup_steps + 1
    coef = annealing_start * torch.exp(-torch.log(annealing_start) / (total_epochs - 1) * step)
    return float(coef)


@correct('kl_annealing_weight', "set 5: tiboitel/poke-vae loss.py (beta = min(cfg['kl_max_beta'], epoch / cfg['kl_warmup_epochs']), kl_max_beta = 1)")
def anneal_ok_poke(step, warmup_steps):
    return min(1.0, step / warmup_steps)


@bug(
    'active_units',
    'set 5: decoderesearch/SAELens#665 (explained_variance bug: E[x_d^2] used where Var(x_d) = E[x_d^2] - E[x_d]^2 belongs), the same formula applied per latent dimension',
    'second moment about zero used as the variance: dimensions with a constant non-zero mean count as active',
    expect=('au_second_moment',),
)
def au_saelens_second_moment(mu, threshold=0.01):
    return int((mu.pow(2).mean(dim=0) > threshold).sum())


# --- held-out set 7 (collected this session for tuning; graded before the changes for it) --------------------


@correct('kl_annealing_weight', 'set 7: miliani-ff03/LUS_Project kl_annealing.py (KLAnnealer.get_beta: start + (end-start)*(epoch/warmup_epochs) while epoch < warmup_epochs, else end_beta), start 0, end 1')
def anneal_ok_lus(step, warmup_steps):
    start_beta, end_beta, warmup_epochs = 0.0, 1.0, warmup_steps
    if step < warmup_epochs:
        return start_beta + (end_beta - start_beta) * (step / warmup_epochs)
    else:
        return end_beta


@correct('kl_annealing_weight', "set 7: thainguyen282/LLM-SplitModel kl_annealing.py (kl_annealing.__call__, type='linear', wait_before_warmup=0)")
def anneal_ok_splitmodel(step, warmup_steps):
    wait_before_warmup, end_of_warmup = 0, warmup_steps
    annealing_value_start, annealing_value_end = 0, 1
    if step < wait_before_warmup:
        return annealing_value_start
    elif step < end_of_warmup:
        return (step - wait_before_warmup) / (end_of_warmup - wait_before_warmup)
    else:
        return annealing_value_end


@bug(
    'active_units',
    'set 7: SSium2003/CSE425_project_vae beta_vae.py (analyze_disentanglement: variances = np.var(latent, axis=0); np.sum(variances > 0.1)), numpy -> torch',
    'hard-coded threshold 0.1: the threshold argument (0.01 by default) is ignored',
    expect=('au_hardcoded_threshold',),
)
def au_ssium_threshold_01(mu, threshold=0.01):
    latent = mu.detach().numpy()
    variances = np.var(latent, axis=0)
    return int(np.sum(variances > 0.1))


@bug(
    'kl_annealing_weight',
    "set 7: stoneMo/CST-VGAE kl_anneal.py (kl_anneal_function('linear', step, max_value=1.0, x0): min(max_value, 0.01 + step / x0)), x0 = warmup_steps",
    'an offset of 0.01: the weight starts at 0.01 instead of 0 and reaches 1 one percent of the warm-up early',
    expect=('anneal_starts_above_zero',),
)
def anneal_cstvgae_offset(step, warmup_steps):
    max_value, x0 = 1.0, warmup_steps
    return min(max_value, 0.01 + step / x0)
