"""Real answers for ``iwae_bound(log_weights)`` -> (B,): log((1/K) sum_k w_k) from log-weights of shape (B, K)."""

import math

import numpy as np
import torch
import torch.nn.functional as F

from . import bug, correct

# --- bugs -----------------------------------------------------------------------------------------


@bug(
    "iwae_bound",
    "arahuja/generative-tf#1: the mean of the log-weights taken for the log of the mean weight",
    "mean_k log w_k is the K-sample ELBO, not the IWAE bound",
    expect=("iwae_mean_instead_of_logsumexp",),
)
def iwae_generative_tf_mean_of_logs(log_weights):
    return torch.mean(log_weights, dim=1)


@bug(
    "iwae_bound",
    "xqding/Importance_Weighted_Autoencoders#3 (model/vae_models.py test_loss): log(mean(exp(log_w))) without the max shift",
    "exponentiates raw log-weights: overflow to inf or underflow to -inf for log-weights of realistic size",
    expect=("iwae_no_max_shift",),
)
def iwae_xqding_no_shift(log_weights):
    return torch.log(torch.mean(torch.exp(log_weights), -1))


@bug(
    "iwae_bound",
    "mlberkeley/scae-pytorch#4 (NaN until logsumexp was used): log(sum(exp(.))) - log K",
    "exp of raw log-weights overflows; the log-sum-exp trick is missing",
    expect=("iwae_no_max_shift",),
)
def iwae_scae_log_sum_exp_naive(log_weights):
    k = log_weights.shape[-1]
    return torch.log(torch.sum(torch.exp(log_weights), dim=-1)) - math.log(k)


@bug(
    "iwae_bound",
    "XavierXiao/Likelihood-Regret#1 (compute_LR.py#L64): the max for the shift taken over everything, not over the samples",
    "one shift for the whole batch: rows far below the global max underflow to -inf",
    expect=("iwae_no_max_shift",),
)
def iwae_likelihood_regret_global_max(log_weights):
    m = log_weights.max()
    k = log_weights.shape[1]
    return m + torch.log(torch.exp(log_weights - m).sum(1)) - math.log(k)


@bug(
    "iwae_bound",
    "YosefLab/scVI-dev#8 (first iwae_loss): logsumexp(...) over the samples with no - log(k)",
    "the - log K is missing: the value grows with K and is no longer a bound",
    expect=("iwae_missing_log_k",),
)
def iwae_scvi_missing_log_k(log_weights):
    return torch.logsumexp(log_weights, dim=1)


@bug(
    "iwae_bound",
    "AntixK/PyTorch-VAE models/iwae.py (issue #34, PR #53): weight = F.softmax(log_weight, dim=-1); sum(weight * log_weight)",
    "the self-normalized average of the log-weights, not the log of the average weight",
    # proposed: iwae_weighted_mean_of_logs
    expect=("iwae_weighted_mean_of_logs", "iwae_mean_instead_of_logsumexp"),
)
def iwae_antixk_softmax_weighted(log_weights):
    weight = F.softmax(log_weights, dim=-1)
    return torch.sum(weight * log_weights, dim=-1)


@bug(
    "iwae_bound",
    "phlippe/CategoricalNF#2 (the first suggested fix): logsumexp over negative log-likelihoods, then negated",
    "-log mean exp(-log w): the log-sum-exp of the negated log-weights (a harmonic-mean estimate), not of the log-weights",
    # proposed: iwae_logsumexp_of_negated
    expect=("iwae_logsumexp_of_negated",),
)
def iwae_categoricalnf_nll_inside(log_weights):
    k = log_weights.shape[-1]
    nll = -log_weights
    return -(torch.logsumexp(nll, dim=-1) - math.log(k))


@bug(
    "iwae_bound",
    "breze-no-salt/breze#85 (NLL of SGVB): the sum over the batch taken inside the log-sum-exp",
    "batch and samples mixed inside the log: one number for the batch",
    # proposed: iwae_batch_inside_log
    expect=("iwae_batch_inside_log", "iwae_wrong_dim"),
)
def iwae_breze_batch_inside(log_weights):
    k = log_weights.shape[-1]
    return torch.logsumexp(log_weights.sum(0), dim=0) - math.log(k)


# --- correct answers --------------------------------------------------------------------------------


@correct("iwae_bound", "torch.logsumexp(log_w, dim=-1) - math.log(K) (scVI-dev#8 after the fix)")
def iwae_ok_logsumexp(log_weights):
    return torch.logsumexp(log_weights, dim=-1) - math.log(log_weights.shape[-1])


@correct("iwae_bound", "jxhe/vae-lagging-encoder modules/utils.py log_sum_exp: max-shifted, keepdim, then - log(nsamples)")
def iwae_ok_lagging_encoder_helper(log_weights):
    m, _ = torch.max(log_weights, dim=1, keepdim=True)
    value0 = log_weights - m
    m = m.squeeze(1)
    return m + torch.log(torch.sum(torch.exp(value0), dim=1)) - math.log(log_weights.size(1))


@correct("iwae_bound", "YosefLab/scVI-dev#8 helper: logsumexp(x) = (x - log_softmax(x)).mean(dim), minus log k")
def iwae_ok_log_softmax_identity(log_weights):
    k = log_weights.shape[-1]
    lse = (log_weights - F.log_softmax(log_weights, dim=-1)).mean(-1)
    return lse - math.log(k)


@correct("iwae_bound", "log_softmax-free form with a tensor log K in the input's dtype, in float64 then cast back")
def iwae_ok_float64(log_weights):
    lw = log_weights.double()
    k = torch.tensor(float(lw.shape[-1]), dtype=torch.float64)
    return (lw.logsumexp(-1) - k.log()).to(log_weights.dtype)


@bug(
    "iwae_bound",
    "tensorflow/probability#189 (examples/vae.py#L388: reduce_logsumexp(elbo_local, axis=0) - log(n_samples), samples first), "
    "copied onto log-weights laid out (B, K)",
    "the log-sum-exp runs over the batch axis (dim 0), mixing different examples' weights",
    expect=("iwae_wrong_dim",),
)
def iwae_tfp_axis0(log_weights):
    n_samples = log_weights.shape[0]
    return torch.logsumexp(log_weights, dim=0) - math.log(n_samples)


# --- set 3 of the held-out real bugs (issue 21) -------------------------------------------------


@bug(
    "iwae_bound",
    "faresbs/Representation-Learning assignment3/Report/lossIS.py (np.log((1/K) * np.sum(w)))",
    "log of the mean of exp(log w) without the max shift: overflows or underflows for |log w| ~ 1000",
    expect=("iwae_no_max_shift",),
)
def iwae_faresbs_naive(log_weights):
    K = log_weights.shape[-1]
    return torch.log((1.0 / K) * torch.sum(torch.exp(log_weights), dim=-1))


@bug(
    "iwae_bound",
    "mmacosha/d2e-stochastic-dynamics metrics.py (iw_2 = log_mean_exp(log_diff) with dim=None)",
    "log-mean-exp over every axis: the examples mixed inside the log, one number",
    expect=("iwae_batch_inside_log",),
)
def iwae_mmacosha_all_dims(log_weights):
    x = log_weights
    N = math.prod(x.size())
    dim = [*range(len(x.size()))]
    return torch.logsumexp(x, dim) - math.log(N)


@correct("iwae_bound", "mmacosha/d2e-stochastic-dynamics metrics.py (log_mean_exp(x, dim) = logsumexp - log N)")
def iwae_ok_mmacosha_log_mean_exp(log_weights):
    dim = -1
    N = log_weights.size(dim)
    return torch.logsumexp(log_weights, dim) - math.log(N)


# --- held-out sets 4, 5 and 7 (issue 21): real bugs and correct answers, graded after tuning ---------


# held-out set 4
@bug(
    "iwae_bound",
    'stevengiacalone/triceratops PR #42 (lnZ = np.log(np.mean(np.nan_to_num(np.exp(lnL + 600))))), NumPy',
    'a fixed +600 shift instead of the max shift (exp underflows to 0 -> -inf below about -700, overflows above +110) and the 600 is never subtracted back',
    expect=("iwae_fixed_shift",),
)
def iwae_triceratops_fixed_shift(log_weights):
    lnL = log_weights.detach().double().numpy()
    with np.errstate(over="ignore", divide="ignore"):
        Z = np.mean(np.nan_to_num(np.exp(lnL + 600)), axis=-1)
        lnZ = np.log(Z)
    return torch.tensor(lnZ, dtype=log_weights.dtype)


# held-out set 4
@bug(
    "iwae_bound",
    'riannevdberg/sylvester-flows utils/log_likelihood.py calculate_likelihood (logsumexp(a) - np.log(len(a)), scipy), NumPy float64 per row',
    'near-correct, rejected: right values (scipy logsumexp in float64 minus log K) but computed in NumPy, so no gradient reaches the log-weights',
    expect=("gradient_cut",),
)
def ok_iwae_sylvester_scipy(log_weights):
    from scipy.special import logsumexp
    a = log_weights.detach().double().numpy()
    likelihood = [logsumexp(row) - np.log(len(row)) for row in a]
    return torch.tensor(np.array(likelihood), dtype=log_weights.dtype)


# held-out set 4
@bug(
    "iwae_bound",
    'JohanYe/IWAE-pytorch PytorchIWAE.py calc_loss (loss = -torch.mean(torch.logsumexp(w, 0)), samples first; here the samples axis is the last one)',
    'the -log K is missing: logsumexp of the log-weights, not log of their mean',
    expect=("iwae_missing_log_k",),
)
def iwae_johanye_missing_logk(log_weights):
    w = log_weights
    return torch.logsumexp(w, -1)


# held-out set 4
@bug(
    "iwae_bound",
    'clementchadebec/benchmark_VAE src/pythae/models/iwae/iwae_model.py get_nll at commit e5fe37c (log_p_x.append((log_w).exp().mean(dim=-1).log()), removed in a1a96c2)',
    'log(mean(exp(log_w))) without subtracting the maximum: exp underflows to 0 (-inf) for log-weights below about -100 in float32 and overflows for large ones',
    expect=("iwae_no_max_shift",),
)
def iwae_pythae_naive_logmeanexp(log_weights):
    log_w = log_weights
    return (log_w).exp().mean(dim=-1).log()


# held-out set 4
@bug(
    "iwae_bound",
    'clementchadebec/benchmark_VAE src/pythae/models/iwae/iwae_model.py loss_function (w_tilde = softmax(log_w.detach()); (w_tilde * log_w).sum(-1)), the training surrogate returned as the bound',
    'the self-normalised weighted mean of the log-weights (the gradient surrogate) instead of log (1/K) sum exp(log_w)',
    expect=("iwae_weighted_mean_of_logs",),
)
def iwae_pythae_weighted_surrogate(log_weights):
    log_w = log_weights
    log_w_minus_max = log_w - log_w.max(1, keepdim=True)[0]
    w = log_w_minus_max.exp()
    w_tilde = (w / w.sum(axis=1, keepdim=True)).detach()
    return (w_tilde * log_w).sum(1)


# held-out set 4
@bug(
    "iwae_bound",
    'choderalab/perses PR #1238 (old_log_sum_exp: return np.log(np.sum(np.exp(vals - vals.max()))), the max never added back; non-VAE code, the log-sum-exp inside an IWAE bound with -log K)',
    'the log-sum-exp subtracts the (global) maximum and never adds it back',
    expect=("iwae_max_not_added_back",),
)
def iwae_perses_max_not_added_back(log_weights):
    vals = log_weights
    K = vals.shape[-1]
    return torch.log(torch.sum(torch.exp(vals - vals.max()), dim=-1)) - math.log(K)


# held-out set 5
@bug(
    "iwae_bound",
    'alexlemo20/AML_project IWAE.py (loss_function, the w_tilde variant left in comments)',
    'reports the self-normalised weighted average of log w (the IWAE gradient surrogate), not log of the mean weight',
    expect=("iwae_weighted_mean_of_logs",),
)
def iwae_alexlemo_wtilde(log_weights):
    log_w = log_weights
    log_w_tilde = log_w - torch.logsumexp(log_w, dim=1, keepdim=True)
    w_tilde = log_w_tilde.exp().detach()
    return (w_tilde * log_w).sum(1)


# held-out set 5
@correct(
    "iwae_bound",
    'alexlemo20/AML_project IWAE.py (loss = -(torch.logsumexp(log_w, dim=1) - self.log_k).mean(0), per example, sign flipped back)',
)
def iwae_ok_alexlemo(log_weights):
    log_k = float(np.log(log_weights.shape[1]))
    return torch.logsumexp(log_weights, dim=1) - log_k


# held-out set 5
@bug(
    "iwae_bound",
    'nbip/vae-mdl models/loss.py (iwae_loss: tf.reduce_mean(logmeanexp(log_w, axis=0), axis=-1); samples-first layout kept when ported to (B, K) log-weights), TF -> torch',
    "log-mean-exp over axis 0 (the batch in a (B, K) array, the samples in the source's layout) and then a mean: one scalar, averaged over the wrong axis",
    expect=("reduced_over_batch",),
)
def iwae_vaemdl_axis0(log_weights):
    log_w = log_weights
    lme = torch.logsumexp(log_w, dim=0) - math.log(log_w.shape[0])
    return torch.mean(lme, dim=-1)


# held-out set 7
@bug(
    "iwae_bound",
    'DylanChenn/IWAE IWAE.py (IWAE.call: max_log_w = reduce_max(log_w, 0); iwae_elbo = reduce_mean(log(reduce_mean(exp(log_w - max_log_w), 0)) + max_log_w)), samples-first log_w = log_weights.T, TF -> torch',
    'the IWAE bound averaged over the batch: one scalar instead of one bound per example',
    expect=("reduced_over_batch",),
)
def iwae_dylan_batch_mean(log_weights):
    log_w = log_weights.t()
    max_log_w = torch.max(log_w, dim=0)[0]
    return torch.mean(torch.log(torch.mean(torch.exp(log_w - max_log_w), dim=0)) + max_log_w)


# held-out set 7
@bug(
    "iwae_bound",
    'ali-bana/AdvML_Project IWAE.py (loss_wrapper: importance_weight = K.softmax(log_weights, axis=1); return -K.sum(importance_weight * log_weights, axis=-1)), keras -> torch',
    'self-normalised (softmax-weighted) average of log w instead of logsumexp(log w) - log K, and negated (a loss, not the bound)',
    expect=("iwae_weighted_mean_of_logs",),
)
def iwae_alibana_softmax_weighted(log_weights):
    importance_weight = torch.softmax(log_weights, dim=1)
    return -torch.sum(importance_weight * log_weights, dim=-1)


# held-out set 7
@bug(
    "iwae_bound",
    'Baiyu-Su/autoencoder IWAE.py (loss_function: sum_w = torch.sum(self.w(...), dim=1) with w = torch.exp(log_w); loss = -torch.log(sum_w / k); loss = torch.sum(loss, dim=0))',
    'exp of the log-weights without the max shift (underflows to 0 for log w below about -104 in float32, log 0 = -inf), negated (a loss) and summed over the batch (scalar)',
    expect=("reduced_over_batch",),
)
def iwae_baiyu_naive_exp(log_weights):
    k = log_weights.shape[1]
    w = torch.exp(log_weights)
    sum_w = torch.sum(w, dim=1)
    loss = -torch.log(sum_w / k)
    loss = torch.sum(loss, dim=0)
    return loss
