"""Real answers for ``bernoulli_log_likelihood(logits, x)`` -> (B,): sum over pixels of log Bernoulli(x | sigmoid(logits)).

The exercise also asks for a ValueError when x leaves [0, 1]. Real code copied from a training loop
never checks that, so every adapted bug below also accepts invalid data: the checker must name the
bug all the same (a second, unlisted deviation must not hide it). Correct answers do check.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch.distributions import Bernoulli

from . import bug, correct


def _check_range(x):
    if not bool(((x >= 0) & (x <= 1)).all()):
        raise ValueError(f"x must lie in [0, 1]; found values in [{float(x.min())}, {float(x.max())}]")


# --- bugs -----------------------------------------------------------------------------------------


@bug(
    "bernoulli_log_likelihood",
    "L1aoXingyu/pytorch-beginner 08-AutoEncoder/Variational_autoencoder.py (issue #34): reconstruction_function = "
    "nn.MSELoss(size_average=False) on the sigmoid output, named BCE",
    "a summed squared error on the probabilities used as the reconstruction term of a Bernoulli VAE",
    expect=("bernoulli_squared_error",),
)
def ber_pytorch_beginner_mse(logits, x):
    recon = torch.sigmoid(logits)
    return -((recon - x) ** 2).sum(dim=1)


@bug(
    "bernoulli_log_likelihood",
    "ethanluoyc/pytorch-vae vae.py (issue #3): criterion = nn.MSELoss(); loss = criterion(dec, inputs) (mean over all)",
    "the mean squared error over every pixel of the batch as the reconstruction term",
    expect=("bernoulli_squared_error",),
)
def ber_ethanluoyc_mse_mean(logits, x):
    return -F.mse_loss(torch.sigmoid(logits), x)



@bug(
    "bernoulli_log_likelihood",
    "hwalsuklee/tensorflow-mnist-VAE vae.py (NaN loss: issue #4): y = clip_by_value(sigmoid, 1e-8, 1 - 1e-8); "
    "sum(x * log(y) + (1 - x) * log(1 - y), 1)",
    "log of a clipped sigmoid: in float32 1 - 1e-8 rounds to 1, so log(1 - y) is -inf and 0 * -inf is NaN for large logits",
    expect=("bernoulli_unstable_log_sigmoid",),
)
def ber_hwalsuklee_clipped(logits, x):
    y = torch.clamp(torch.sigmoid(logits), 1e-8, 1 - 1e-8)
    return torch.sum(x * torch.log(y) + (1 - x) * torch.log(1 - y), 1)


@bug(
    "bernoulli_log_likelihood",
    "kvfrans/variational-autoencoder main.py: x * log(1e-8 + y) + (1 - x) * log(1e-8 + 1 - y), summed over pixels",
    "1e-8 added inside the logs, but in float32 1e-8 + 1 rounds to 1.0: log(1e-8 + 1 - y) is log(0) at saturated "
    "logits (-inf, and NaN after 0 * -inf); where the epsilon does act, log-probabilities stop near log(1e-8) = -18.4",
    expect=("bernoulli_unstable_log_sigmoid",),
)
def ber_kvfrans_eps_in_log(logits, x):
    y = torch.sigmoid(logits)
    return torch.sum(x * torch.log(1e-8 + y) + (1 - x) * torch.log(1e-8 + 1 - y), 1)


@bug(
    "bernoulli_log_likelihood",
    "dbbert/dfn#4 and Lasagne/Lasagne#436: clip to [eps, 1 - eps] with eps = np.finfo(np.float32).eps before the cross-entropy",
    "probabilities clipped at float32 eps: log-probabilities of saturated logits stop at log(1.2e-7) = -15.9",
    expect=("bernoulli_probability_clamped",),
)
def ber_dfn_clip_float_eps(logits, x):
    eps = torch.finfo(torch.float32).eps
    p = torch.sigmoid(logits).clamp(eps, 1 - eps)
    return (x * p.log() + (1 - x) * (1 - p).log()).sum(-1)


@bug(
    "bernoulli_log_likelihood",
    "hwalsuklee/tensorflow-mnist-VAE#4 and huggingface/candle#2561: the plain log(sigmoid) form",
    "log(sigmoid(l)) and log(1 - sigmoid(l)) underflow to -inf for large |l| (NaN after 0 * -inf)",
    expect=("bernoulli_unstable_log_sigmoid",),
)
def ber_naive_log_sigmoid(logits, x):
    p = torch.sigmoid(logits)
    return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(dim=-1)


@bug(
    "bernoulli_log_likelihood",
    "pytorch/examples vae/main.py loss_function: F.binary_cross_entropy(recon_x, x, reduction='sum') on sigmoid outputs",
    "summed over the whole batch: one number instead of one log-likelihood per example",
    # proposed: bernoulli_batch_reduced (today only the mean reduction is catalogued)
    expect=("bernoulli_batch_reduced", "bernoulli_default_mean_reduction"),
)
def ber_pytorch_examples_sum(logits, x):
    recon_x = torch.sigmoid(logits)
    return -F.binary_cross_entropy(recon_x, x, reduction="sum")


@bug(
    "bernoulli_log_likelihood",
    "keras-team/keras#3383 (examples/variational_autoencoder.py before the fix): xent_loss = "
    "metrics.binary_crossentropy(x, x_decoded_mean) without the original_dim factor",
    "a mean over pixels (keras' binary_crossentropy averages the last axis) instead of a sum",
    expect=("bernoulli_mean_over_pixels",),
)
def ber_keras_missing_original_dim(logits, x):
    x_decoded_mean = torch.sigmoid(logits)
    return -F.binary_cross_entropy(x_decoded_mean, x, reduction="none").mean(-1)


@bug(
    "bernoulli_log_likelihood",
    "keras-team/keras examples/variational_autoencoder.py (after #3383): original_dim * binary_crossentropy(x, x_decoded_mean)",
    "torch's binary_cross_entropy forms the probability and clamps its logs at -100: right at logits of +-100, wrong where "
    "sigmoid saturates below that (a logit of 50 with x = 0 gives -100, not -50); and data outside [0, 1] stop it with "
    "torch's RuntimeError instead of the ValueError the exercise asks for",
    expect=("bernoulli_unstable_log_sigmoid", "bernoulli_error_not_valueerror"),
)
def ber_keras_original_dim(logits, x):
    original_dim = x.shape[-1]
    x_decoded_mean = torch.sigmoid(logits)
    return -original_dim * F.binary_cross_entropy(x_decoded_mean, x, reduction="none").mean(-1)


@bug(
    "bernoulli_log_likelihood",
    "Lightning-AI/pytorch-lightning#18272 and itakurah/focal-loss-pytorch#5: torch.sigmoid applied before "
    "F.binary_cross_entropy_with_logits",
    "sigmoid applied twice: probabilities passed where logits belong, so every p lies in [0.5, 0.73]",
    # proposed: bernoulli_sigmoid_twice (logits vs probabilities)
    expect=("bernoulli_sigmoid_twice", "bernoulli_logits_as_probabilities"),
)
def ber_sigmoid_twice(logits, x):
    probs = torch.sigmoid(logits)
    return -F.binary_cross_entropy_with_logits(probs, x, reduction="none").sum(-1)


@bug(
    "bernoulli_log_likelihood",
    "autonomousvision/sledge#4 (vae_objective.py:55): the arguments of binary_cross_entropy_with_logits swapped",
    "the targets passed as logits and the logits as targets",
    # proposed: bernoulli_arguments_swapped
    expect=("bernoulli_arguments_swapped",),
)
def ber_sledge_swapped(logits, x):
    return -F.binary_cross_entropy_with_logits(x, logits, reduction="none").sum(-1)


@bug(
    "bernoulli_log_likelihood",
    "AntixK/PyTorch-VAE models/vanilla_vae.py: recons_loss = F.mse_loss(recons, input) (a Gaussian, mean reduction) "
    "where the data are binary",
    "a squared error averaged over everything instead of the Bernoulli log-likelihood per example",
    # proposed: bernoulli_squared_error (MSE where a Bernoulli likelihood belongs)
    expect=("bernoulli_squared_error", "bernoulli_default_mean_reduction"),
)
def ber_antixk_mse(logits, x):
    recons = torch.sigmoid(logits)
    return -F.mse_loss(recons, x)


@bug(
    "bernoulli_log_likelihood",
    "tensorflow/models#5049 (research/autoencoder VariationalAutoencoder.py): 0.5 * reduce_sum(pow(reconstruction - x, 2)) "
    "with no axis",
    "a squared error summed over the whole batch",
    # proposed: bernoulli_squared_error
    expect=("bernoulli_squared_error", "bernoulli_batch_reduced", "bernoulli_default_mean_reduction"),
)
def ber_tf_models_squared_error(logits, x):
    reconstruction = torch.sigmoid(logits)
    return -0.5 * torch.sum(torch.pow(reconstruction - x, 2.0))


@bug(
    "bernoulli_log_likelihood",
    "facebookresearch/irmae#1 (models.py): loss = F.binary_cross_entropy(x_hat, x) with the default reduction",
    "the default reduction='mean' collapses batch and pixels to one number",
    expect=("bernoulli_default_mean_reduction",),
)
def ber_irmae_default_mean(logits, x):
    x_hat = torch.sigmoid(logits)
    return -F.binary_cross_entropy(x_hat, x)


@bug(
    "bernoulli_log_likelihood",
    "pkmital/tensorflow_tutorials#23 (11_variational_autoencoder.py): a tanh output fed to log as the probability",
    "tanh(logit) is not a probability: negative for negative logits, so log gives NaN",
    # proposed: bernoulli_logits_as_probabilities family (the decoder output is not a probability)
    expect=("bernoulli_logits_as_probabilities", "bernoulli_wrong_squashing"),
)
def ber_tanh_as_probability(logits, x):
    y = torch.tanh(logits)
    return torch.sum(x * torch.log(y) + (1 - x) * torch.log(1 - y), 1)


@bug(
    "bernoulli_log_likelihood",
    "pytorch/examples#294 (vae/main.py, January 2018): BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784)) with the default reduction",
    "averaged over pixels and examples: one number, 1/(B*D) of the summed log-likelihood",
    expect=("bernoulli_default_mean_reduction",),
)
def ber_pytorch_examples_2018_mean(logits, x):
    recon_x = torch.sigmoid(logits)
    return -F.binary_cross_entropy(recon_x, x.view(-1, x.shape[-1]))


@bug(
    "bernoulli_log_likelihood",
    "keras-team/keras#4538 (examples/variational_autoencoder_deconv.py): img_rows * img_cols * "
    "binary_crossentropy(K.flatten(x), K.flatten(x_decoded_mean))",
    "K.flatten merges the batch: the per-example log-likelihood averaged over the batch (one number)",
    # proposed: bernoulli_batch_reduced
    expect=("bernoulli_batch_reduced", "bernoulli_default_mean_reduction"),
)
def ber_keras_deconv_flatten(logits, x):
    pixels = x.shape[-1]
    x_decoded_mean = torch.sigmoid(logits)
    return -pixels * F.binary_cross_entropy(x_decoded_mean.flatten(), x.flatten())


@bug(
    "bernoulli_log_likelihood",
    "carpedm20/NTM-tensorflow#17 (ops.py binary_cross_entropy_with_logits): -(logits * log(targets + eps) + (1 - logits) * "
    "log(1 - targets + eps)), the roles of the two arguments swapped",
    "the logits used as the targets' weights and the data inside the logs: arguments swapped, logits taken as probabilities",
    expect=("bernoulli_arguments_swapped", "bernoulli_logits_as_probabilities"),
)
def ber_ntm_roles_swapped(logits, x):
    eps = 1e-12
    return (logits * torch.log(x + eps) + (1.0 - logits) * torch.log(1.0 - x + eps)).sum(-1)


@correct(
    "bernoulli_log_likelihood",
    "hwalsuklee/tensorflow-mnist-VAE#4 (the fix suggested there: sigmoid_cross_entropy_with_logits), as torch's BCEWithLogitsLoss module",
)
def ber_ok_module(logits, x):
    _check_range(x)
    return -torch.nn.BCEWithLogitsLoss(reduction="none")(logits, x).sum(dim=-1)


@bug(
    "bernoulli_log_likelihood",
    "keras-team/keras#4744 (the Theano backend's binary_crossentropy clips the output to [epsilon, 1 - epsilon], epsilon = 1e-7)",
    "probabilities clipped at 1e-7: log-probabilities of saturated logits stop near log(1e-7) = -16.1 (and 1 - 1e-7 rounds in float32)",
    expect=("bernoulli_probability_clamped",),
)
def ber_keras_theano_clip(logits, x):
    epsilon = 1e-7
    output = torch.clamp(torch.sigmoid(logits), epsilon, 1.0 - epsilon)
    return torch.sum(x * torch.log(output) + (1.0 - x) * torch.log(1.0 - output), dim=-1)


# --- correct answers --------------------------------------------------------------------------------


@correct("bernoulli_log_likelihood", "-F.binary_cross_entropy_with_logits(logits, x, reduction='none').sum(-1) (pytorch docs)")
def ber_ok_bce_with_logits(logits, x):
    _check_range(x)
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)


@correct("bernoulli_log_likelihood", "torch.distributions.Bernoulli(logits=...).log_prob(x).sum(-1) (Pyro VAE tutorial style)")
def ber_ok_distributions(logits, x):
    _check_range(x)
    return Bernoulli(logits=logits, validate_args=False).log_prob(x).sum(-1)


@correct("bernoulli_log_likelihood", "x * logsigmoid(l) + (1 - x) * logsigmoid(-l)")
def ber_ok_logsigmoid(logits, x):
    if x.min() < 0 or x.max() > 1:
        raise ValueError("x must be in [0, 1]")
    return (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum(dim=1)


@correct(
    "bernoulli_log_likelihood",
    "tf.nn.sigmoid_cross_entropy_with_logits' documented stable formula, max(l, 0) - l * x + log(1 + exp(-|l|)), ported to "
    "PyTorch (autograd's gradient at a logit of exactly 0 is a subgradient, 1 - x instead of 0.5 - x; the checker does not "
    "judge gradients at such kinks)",
)
def ber_ok_tf_formula(logits, x):
    _check_range(x)
    loss = torch.clamp(logits, min=0) - logits * x + torch.log1p(torch.exp(-logits.abs()))
    return -loss.sum(-1)


@correct("bernoulli_log_likelihood", "the same stable formula with softplus for the last two terms: x * l - softplus(l)")
def ber_ok_softplus(logits, x):
    _check_range(x)
    return (x * logits - F.softplus(logits)).sum(-1)


@correct("bernoulli_log_likelihood", "x * l - logaddexp(0, l), computed in float64 and cast back")
def ber_ok_logaddexp_float64(logits, x):
    _check_range(x)
    l, t = logits.double(), x.double()
    return (t * l - torch.logaddexp(torch.zeros_like(l), l)).sum(-1).to(logits.dtype)


# --- set 3 of the held-out real bugs (issue 21) -------------------------------------------------


@bug(
    "bernoulli_log_likelihood",
    "ikostrikov/TensorFlow-VAE-GAN-DRAW#16 (reduce_mean proposed for the reconstruction term)",
    "a mean over pixels instead of a sum",
    expect=("bernoulli_mean_over_pixels",),
)
def bern_ikostrikov_mean(logits, x):
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").mean(-1)


@bug(
    "bernoulli_log_likelihood",
    "emited/VariationalRecurrentNeuralNetwork#10 (_nll_bernoulli with log(1 - theta - EPS))",
    "probabilities through a sigmoid, logged with EPS, and summed over everything (the batch too)",
    expect=("bernoulli_batch_reduced", "bernoulli_default_mean_reduction"),
)
def bern_vrnn_sum_everything(logits, x):
    EPS = torch.finfo(torch.float).eps
    theta = torch.sigmoid(logits)
    return torch.sum(x * torch.log(theta + EPS) + (1 - x) * torch.log(1 - theta - EPS))


@bug(
    "bernoulli_log_likelihood",
    "hwalsuklee/tensorflow-mnist-CVAE#2 vae.py (x*log(x_) + (1-x)*log(1-x_), x_ clipped to [1e-8, 1-1e-8])",
    "sigmoid probabilities clipped at 1e-8, then logged: wrong for large |logits|",
    expect=("bernoulli_unstable_log_sigmoid",),
)
def bern_cvae_clipped(logits, x):
    x_ = torch.clamp(torch.sigmoid(logits), 1e-8, 1 - 1e-8)
    return torch.sum(x * torch.log(x_) + (1 - x) * torch.log(1 - x_), 1)


@correct("bernoulli_log_likelihood", "breze-no-salt/breze#84 softplus form, with the ValueError the exercise asks for")
def bern_ok_breze_softplus_checked(logits, x):
    if ((x < 0) | (x > 1)).any():
        raise ValueError("x must lie in [0, 1]")
    return (x * -F.softplus(-logits) + (1 - x) * -F.softplus(logits)).sum(-1)


# --- held-out sets 4, 5 and 7 (issue 21): real bugs and correct answers, graded after tuning ---------


# held-out set 4
@bug(
    "bernoulli_log_likelihood",
    'iusaspb/deep_learning_Nikolenko_and_Co issue #1 (x*log(1e-10+p) + (1-x)*log(1e-10+1-p), NaN in training)',
    'log of sigmoid probabilities with a 1e-10 guard: wrong (clipped at log 1e-10) or -inf/NaN for large logits',
    expect=("bernoulli_unstable_log_sigmoid",),
)
def bern_nikolenko_eps_1e10(logits, x):
    _check_range(x)
    x_reconstr_mean = torch.sigmoid(logits)
    return torch.sum(x * torch.log(1e-10 + x_reconstr_mean) + (1 - x) * torch.log(1e-10 + 1 - x_reconstr_mean), 1)


# held-out set 4
@bug(
    "bernoulli_log_likelihood",
    'CocoGzh/scCorrector scCorrect/net/loss.py binary_cross_entropy (-sum(x log(p+1e-8) + ...), dim=-1)',
    'returns the binary cross-entropy (the loss, positive) instead of the log-likelihood, computed from sigmoid with a 1e-8 guard',
    expect=("bernoulli_sign_flipped",),
)
def bern_sccorrector_bce_loss(logits, x):
    _check_range(x)
    recon_x = torch.sigmoid(logits)
    return -torch.sum(x * torch.log(recon_x + 1e-8) + (1 - x) * torch.log(1 - recon_x + 1e-8), dim=-1)


# held-out set 4
@bug(
    "bernoulli_log_likelihood",
    "hienhayho/VAE losses/original_vae.py (binary_cross_entropy(x_hat, x, reduction='sum'))",
    'BCE loss on sigmoid probabilities summed over the whole batch: positive loss, one number for the batch',
    expect=("reduced_over_batch",),
)
def bern_hienhayho_bce_sum(logits, x):
    _check_range(x)
    x_hat = torch.sigmoid(logits)
    reproduction_loss = F.binary_cross_entropy(x_hat, x, reduction="sum")
    return reproduction_loss


# held-out set 4
@correct(
    "bernoulli_log_likelihood",
    "dragen1860/TensorFlow-2.x-Tutorials 12-VAE/main.py (tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=...), summed per example, negated) + the exercise's ValueError guard",
)
def ok_bern_dragen_bcelogits(logits, x):
    _check_range(x)
    reconstruction_loss = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    return -reconstruction_loss.sum(-1)


# held-out set 4
@bug(
    "bernoulli_log_likelihood",
    "hwalsuklee/tensorflow-generative-model-collections VAE.py (out = tf.clip_by_value(sigmoid(...), 1e-8, 1 - 1e-8); reduce_sum(x*log(out) + (1-x)*log(1-out))), TF ported + the exercise's ValueError guard",
    'log of a sigmoid clipped to [1e-8, 1 - 1e-8]: the log-likelihood saturates at about -18.4 per pixel for confident wrong logits (and sigmoid rounds to 1 in float32 near logit 17)',
    expect=("bernoulli_unstable_log_sigmoid",),
)
def bern_genmodels_clipped(logits, x):
    _check_range(x)
    out = torch.clamp(torch.sigmoid(logits), 1e-8, 1 - 1e-8)
    return torch.sum(x * torch.log(out) + (1 - x) * torch.log(1 - out), -1)


# held-out set 4
@bug(
    "bernoulli_log_likelihood",
    "clementchadebec/benchmark_VAE src/pythae/models/hvae/hvae_model.py before commit 62e2c96 'fix bce loss in Hamiltonian models' (recon_loss = F.binary_cross_entropy(recon_x, x, reduction='none').sum(-1) used as log p(x|z)) + the exercise's ValueError guard",
    'the binary cross-entropy (a positive loss) is used as the log-likelihood: sign flipped; probabilities from sigmoid through F.binary_cross_entropy',
    expect=("bernoulli_sign_flipped",),
)
def bern_pythae_hvae_sign(logits, x):
    _check_range(x)
    recon_x = torch.sigmoid(logits)
    recon_loss = F.binary_cross_entropy(recon_x.reshape(x.shape[0], -1), x.reshape(x.shape[0], -1), reduction="none").sum(dim=-1)
    return recon_loss


# held-out set 5
@bug(
    "bernoulli_log_likelihood",
    'MordehayM/Latent-Dependency-Structure-with-IAF-Flow-optimization-on-Variational-Autoencoder model/loss.py (log_likelihood_bernoulli, EPSILON=1e-30)',
    'probabilities with an epsilon of 1e-30 (vanishes in float32: -inf at saturated logits), grey targets dropped by x==1/x==0 masks, and the batch mean taken (scalar); no range check',
    expect=("reduced_over_batch",),
)
def bern_mordehay_masks_eps(logits, x):
    mu = torch.sigmoid(logits)
    EPSILON = 1e-30
    one_mask = (x == 1.).type(torch.float)
    zero_mask = (x == 0.).type(torch.float)
    return torch.sum(torch.log(mu + EPSILON) * one_mask + torch.log(1. - mu + EPSILON) * zero_mask, dim=1).mean()


# held-out set 5
@bug(
    "bernoulli_log_likelihood",
    "remdui/MultivariateNormativeModeling src/model/loss/bce_kl_loss.py (F.binary_cross_entropy(recon_x, x, reduction='sum'))",
    'sigmoid then F.binary_cross_entropy summed over the whole batch: one scalar (and the -100 log clamp at saturated logits); no range check',
    expect=("reduced_over_batch",),
)
def bern_remdui_bce_sum(logits, x):
    recon_x = torch.sigmoid(logits)
    return -F.binary_cross_entropy(recon_x, x, reduction="sum")


# held-out set 5
@bug(
    "bernoulli_log_likelihood",
    'mark-alfred-griffiths-tech/ML .../vae_cost_log_loss.py (custom_sigmoid_cross_entropy_loss_with_logits), TF ported to torch',
    'returns the batch MEAN of the per-example negative log-likelihood (a positive scalar loss), not log p(x|z) per example; no range check',
    expect=("reduced_over_batch",),
)
def bern_griffiths_mean_nll(logits, x):
    raw_cross_entropy = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    neg_log_likelihood = raw_cross_entropy.sum(dim=1)
    return neg_log_likelihood.mean()


# held-out set 5
@bug(
    "bernoulli_log_likelihood",
    'georgosgeorgos/hierarchical-few-shot-generative-models model/likelihood/bernoulli.py (td.Bernoulli(probs=xp).log_prob(x))',
    'no reduction over pixels (returns (B, D)); probabilities from a sigmoid (underflow at saturated logits)',
    expect=("bernoulli_no_sum",),
)
def bern_georgos_no_sum(logits, x):
    px = torch.distributions.Bernoulli(probs=torch.sigmoid(logits))
    return px.log_prob(x)


# held-out set 5
@bug(
    "bernoulli_log_likelihood",
    'aidanscannell/GPJax gpjax/logdensities.py (bernoulli: log(where(x == 1, p, 1 - p))), jax.numpy -> torch',
    'treats every target that is not exactly 1 as 0 (grey pixels wrong), no sum over pixels, log of a sigmoid probability',
    expect=("bernoulli_no_sum",),
)
def bern_gpjax_where(logits, x):
    p = torch.sigmoid(logits)
    return torch.log(torch.where(x == 1, p, 1 - p))


# held-out set 5
@correct(
    "bernoulli_log_likelihood",
    'mark-alfred-griffiths-tech/ML vae_cost_log_loss.py (the per-example sigmoid_cross_entropy_with_logits sum, negated, before the batch mean) + range check added',
)
def bern_ok_bce_with_logits(logits, x):
    _check_range(x)
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)


# held-out set 5
@bug(
    "bernoulli_log_likelihood",
    'georgosgeorgos/hierarchical-few-shot-generative-models model/likelihood/bernoulli.py (td.Bernoulli style, with logits= and a sum) + range check added',
    'NEAR-CORRECT: torch.distributions.Bernoulli validates its support {0,1}, so grey targets raise ValueError although the exercise defines the value for x in [0,1]',
    expect=("bernoulli_binary_targets_only",),
)
def bern_near_td_bernoulli_logits(logits, x):
    _check_range(x)
    return torch.distributions.Bernoulli(logits=logits).log_prob(x).sum(-1)


# held-out set 7
@bug(
    "bernoulli_log_likelihood",
    "FerminT/BrainVAE models/loss.py (reconstruction_loss: F.binary_cross_entropy(recon_x, x, reduction='sum')), decoder sigmoid applied first",
    'returns the positive BCE loss (sign: not the log-likelihood) summed over the whole batch (one scalar); no range check',
    expect=("reduced_over_batch",),
)
def bern_brainvae_bce_sum(logits, x):
    recon_x = torch.sigmoid(logits)
    return F.binary_cross_entropy(recon_x, x, reduction="sum")


# held-out set 7
@bug(
    "bernoulli_log_likelihood",
    'dslisleedh/Generative_models-flax src/losses.py (binary_cross_entropy(logits, labels): -jnp.sum(labels*log_sigmoid + (1-labels)*jnp.log(-jnp.expm1(log_sigmoid)))), jax -> torch',
    'returns the positive BCE loss (sign) summed over the whole batch (scalar); log(-expm1(log_sigmoid)) = log(1-sigmoid) is -inf for large logits; no range check',
    expect=("reduced_over_batch",),
)
def bern_flax_bce_sum(logits, x):
    labels = x
    logits = F.logsigmoid(logits)
    return -torch.sum(labels * logits + (1.0 - labels) * torch.log(-torch.expm1(logits)))


# held-out set 7
@bug(
    "bernoulli_log_likelihood",
    'LordHui/InfoVAE elbo.py (loss_nll_per_sample = -tf.reduce_sum(tf.log(train_xmean)*train_x + tf.log(1 - train_xmean)*(1 - train_x), axis=(1,2,3)), train_xmean from a sigmoid), TF -> torch',
    'returns the negative log-likelihood per example (positive: sign error) computed from unclamped logs of sigmoid probabilities (-inf/nan at saturated logits); no range check',
    expect=("bernoulli_sign_flipped",),
)
def bern_infovae_nll(logits, x):
    train_xmean = torch.sigmoid(logits)
    return -torch.sum(torch.log(train_xmean) * x + torch.log(1 - train_xmean) * (1 - x), dim=1)


# held-out set 7
@bug(
    "bernoulli_log_likelihood",
    'adopy/adopy adopy/functions/_likelihood.py (log_lik_bernoulli(y, p): y*np.log(p + EPS) + (1 - y)*np.log(1 - p + EPS), EPS = np.finfo(np.float).eps), numpy -> torch, p = sigmoid(logits)',
    'no sum over pixels (returns (B, D)); probabilities with a float64 machine epsilon (2.2e-16, lost in float32: log(0) = -inf at saturated logits); no range check',
    expect=("bernoulli_no_sum",),
)
def bern_adopy_no_sum_eps(logits, x):
    EPS = np.finfo(np.float64).eps
    p = torch.sigmoid(logits)
    y = x
    return y * torch.log(p + EPS) + (1 - y) * torch.log(1 - p + EPS)


# held-out set 7
@bug(
    "bernoulli_log_likelihood",
    'ali-bana/AdvML_Project IWAE.py (loss_wrapper: log_bernoulli = K.sum(y_true*K.log(y_pred + 1e-8) + (1 - y_true)*K.log(1 - y_pred + 1e-8), axis=-1), y_pred from a sigmoid), keras -> torch',
    'probabilities (sigmoid) with a 1e-8 epsilon inside the log: at saturated logits the wrong-side pixel is clipped at log(1e-8) ~ -18.4 instead of -|logit|; no range check',
    expect=("bernoulli_probability_clamped",),
)
def bern_alibana_eps(logits, x):
    y_pred = torch.sigmoid(logits)
    y_true = x
    return torch.sum(y_true * torch.log(y_pred + 1e-8) + (1 - y_true) * torch.log(1 - y_pred + 1e-8), dim=-1)
