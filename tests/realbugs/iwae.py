"""Real answers for ``iwae_bound(log_weights)`` -> (B,): log((1/K) sum_k w_k) from log-weights of shape (B, K)."""

import math

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
