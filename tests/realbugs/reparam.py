"""Real answers for ``reparameterize(mu, logvar, eps=None)``: z = mu + exp(logvar / 2) * eps, eps ~ N(0, I) if None."""

import numpy as np
import torch
import torch.nn.functional as F
from torch.distributions import Normal

from . import bug, correct

# --- bugs -----------------------------------------------------------------------------------------


@bug(
    "reparameterize",
    "rachtsingh/ibp_vae#3 (models/common.py reparametrize_gaussian): mu + noise * logvar.exp()",
    "the variance exp(logvar) scales the noise instead of the standard deviation exp(logvar / 2)",
    expect=("reparam_variance_instead_of_std",),
)
def rep_ibp_vae_variance(mu, logvar, eps=None):
    noise = mu.detach().clone().normal_(0, 1) if eps is None else eps
    return mu + (noise * logvar.exp())


@bug(
    "reparameterize",
    "keras-team/keras#3283 and PR #9970/#9972 (examples/variational_autoencoder_deconv.py): z_mean + K.exp(z_log_var) * epsilon",
    "exp(z_log_var) is the variance; the standard deviation is exp(z_log_var / 2)",
    expect=("reparam_variance_instead_of_std",),
)
def rep_keras_deconv_exp_logvar(mu, logvar, eps=None):
    epsilon = torch.randn(mu.shape) if eps is None else eps
    return mu + torch.exp(logvar) * epsilon


@bug(
    "reparameterize",
    "ethanluoyc/pytorch-vae vae.py (_sample_latent, issue #5): sigma = torch.exp(log_sigma); mu + sigma * std_z, "
    "with the exercise's logvar passed as log_sigma (the original's numpy noise drawn with torch here, so the check is seeded)",
    "exp(logvar) used as sigma: the noise is scaled by the variance",
    expect=("reparam_variance_instead_of_std",),
)
def rep_ethanluoyc_exp_log_sigma(mu, logvar, eps=None):
    sigma = torch.exp(logvar)
    std_z = torch.randn(sigma.size(), dtype=mu.dtype) if eps is None else eps
    return mu + sigma * std_z


@bug(
    "reparameterize",
    "dferendo/RecommendationSystem#3 (models/ListCVAE.py#L160): eps = torch.rand_like(std)",
    "uniform noise U(0, 1) from torch.rand_like where standard-normal noise belongs",
    expect=("reparam_uniform_noise",),
)
def rep_listcvae_rand_like(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar)
    if eps is None:
        eps = torch.rand_like(std)
    return mu + eps * std


@bug(
    "reparameterize",
    "pytorch/pytorch#4620 (torch.normal accepts tensors but does not propagate gradients), used as the sample",
    "torch.normal(mu, std) draws z without a gradient path to mu or logvar (the given eps is used correctly)",
    expect=("gradient_cut",),
)
def rep_torch_normal_sample(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar)
    if eps is None:
        return torch.normal(mu, std)
    return mu + std * eps


@bug(
    "reparameterize",
    "pytorch/pytorch#4620: z = torch.normal(mu, std) for every call",
    "no gradient path, and the given eps is ignored",
    expect=("gradient_cut", "reparam_ignores_eps"),
)
def rep_torch_normal_always(mu, logvar, eps=None):
    return torch.normal(mu, torch.exp(0.5 * logvar))


@bug(
    "reparameterize",
    "shekkizh/TensorflowProjects#1 (ReLU on mu and log_var); alexlee-gk/video_prediction#3 (ReLU output used as log-variance)",
    "a ReLU on the log-variance: every sigma below 1 becomes 1",
    # proposed: reparam_logvar_squashed (an activation applied to the log-variance); a ReLU clamps it
    expect=("reparam_logvar_squashed", "reparam_logvar_clamped"),
)
def rep_relu_on_logvar(mu, logvar, eps=None):
    std = torch.exp(0.5 * F.relu(logvar))
    if eps is None:
        eps = torch.randn_like(std)
    return mu + eps * std


@bug(
    "reparameterize",
    "wohlert/semi-supervised-pytorch#16 (layers/stochastic.py GaussianSample): softplus on log_var",
    "softplus on the log-variance: sigma never goes below 1",
    # proposed: reparam_logvar_squashed
    expect=("reparam_logvar_squashed",),
)
def rep_softplus_on_logvar(mu, logvar, eps=None):
    log_var = F.softplus(logvar)
    std = log_var.mul(0.5).exp()
    if eps is None:
        eps = torch.randn_like(std)
    return mu + std * eps


@bug(
    "reparameterize",
    "pkmital/CADL#84: z_log_sigma = 0.5 * tf.nn.tanh(...): a tanh on the log-variance",
    "tanh squashes the log-variance into (-1, 1): sigma is confined to (0.61, 1.65)",
    # proposed: reparam_logvar_squashed
    expect=("reparam_logvar_squashed",),
)
def rep_tanh_on_logvar(mu, logvar, eps=None):
    z_log_sigma = 0.5 * torch.tanh(logvar)
    if eps is None:
        eps = torch.randn_like(mu)
    return mu + torch.exp(z_log_sigma) * eps


@bug(
    "reparameterize",
    "keras-team/keras#4211 (examples/variational_autoencoder.py): epsilon = K.random_normal(..., std=epsilon_std) with epsilon_std = 0.01",
    "the drawn noise has standard deviation 0.01 instead of 1",
    # proposed: reparam_noise_wrong_scale (mis-scaled noise, told by its moments)
    expect=("reparam_noise_wrong_scale",),
)
def rep_keras_epsilon_std(mu, logvar, eps=None):
    if eps is None:
        eps = torch.randn_like(mu) * 0.01
    return mu + torch.exp(logvar / 2) * eps


@bug(
    "reparameterize",
    "cmzuo11/scMVAE#1 (MVAE_model.py#L669): the log-variance passed as the standard deviation of Normal",
    "logvar used as sigma (and Normal refuses negative log-variances)",
    expect=("reparam_logvar_as_std",),
)
def rep_scmvae_logvar_as_scale(mu, logvar, eps=None):
    if eps is None:
        return Normal(mu, logvar).rsample()
    return mu + logvar * eps


@bug(
    "reparameterize",
    "alecGraves/BVAE-tf#7 (bvae/model_utils.py sampler): mean + K.exp(stddev) * epsilon, stddev holding the log-variance",
    "exp(logvar), the variance, scales the noise",
    expect=("reparam_variance_instead_of_std",),
)
def rep_bvae_tf_exp_stddev(mu, logvar, eps=None):
    epsilon = torch.randn_like(mu) if eps is None else eps
    return mu + torch.exp(logvar) * epsilon


# --- correct answers --------------------------------------------------------------------------------


@correct("reparameterize", "pytorch/examples vae/main.py: std = torch.exp(0.5*logvar); eps = torch.randn_like(std); mu + eps*std")
def rep_ok_pytorch_examples(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar)
    if eps is None:
        eps = torch.randn_like(std)
    return mu + eps * std


@correct("reparameterize", "pytorch/examples vae/main.py (2017, in-place style): std = logvar.mul(0.5).exp_(); eps.mul(std).add_(mu)")
def rep_ok_inplace_style(mu, logvar, eps=None):
    std = logvar.mul(0.5).exp_()
    if eps is None:
        eps = torch.randn(std.size(), dtype=std.dtype)
    return eps.mul(std).add_(mu)


@correct("reparameterize", "Lightning bolts VAE: q = Normal(mu, std); z = q.rsample() (the given eps used when passed)")
def rep_ok_rsample(mu, logvar, eps=None):
    std = torch.exp(logvar / 2)
    if eps is None:
        return Normal(mu, std).rsample()
    return mu + std * eps


@correct("reparameterize", "sqrt of the variance, as in many tutorials: sigma = torch.sqrt(torch.exp(logvar))")
def rep_ok_sqrt_variance(mu, logvar, eps=None):
    sigma = torch.sqrt(torch.exp(logvar))
    if eps is None:
        eps = torch.normal(torch.zeros_like(mu), torch.ones_like(mu))
    return torch.addcmul(mu, sigma, eps)


@correct("reparameterize", "ethanluoyc/pytorch-vae style numpy noise, with the standard deviation right: exp(logvar / 2)")
def rep_ok_numpy_noise(mu, logvar, eps=None):
    sigma = torch.exp(logvar / 2)
    if eps is None:
        eps = torch.from_numpy(np.random.normal(0, 1, size=tuple(sigma.shape))).to(mu.dtype)
    return mu + sigma * eps


@bug(
    "reparameterize",
    "ethanluoyc/pytorch-vae#5 (a reader proposing that sigma should not need a gradient): mu + sigma.detach() * eps",
    "the standard deviation is detached: no gradient reaches logvar",
    expect=("gradient_cut",),
)
def rep_sigma_detached(mu, logvar, eps=None):
    sigma = torch.exp(0.5 * logvar).detach()
    if eps is None:
        eps = torch.randn_like(mu)
    return mu + sigma * eps


@bug(
    "reparameterize",
    "mingyuliutw/UNIT#37 (common_net.py GaussianVAE2D.sample): sd = self.softplus(self.en_sigma(x)); mu + sd.mul(noise)",
    "softplus of the encoder's output taken as the standard deviation, where the exercise passes a log-variance (sigma = exp(logvar / 2))",
    # proposed: reparam_logvar_squashed family (an activation where exp(logvar / 2) belongs)
    expect=("reparam_logvar_squashed", "reparam_softplus_as_std"),
)
def rep_unit_softplus_std(mu, logvar, eps=None):
    sd = F.softplus(logvar)
    noise = torch.randn(mu.shape, dtype=mu.dtype) if eps is None else eps
    return mu + sd.mul(noise)


@bug(
    "reparameterize",
    "AntixK/PyTorch-VAE#13 (a comment: 'IIRC rsample takes the variance (std^2)'), acted on: Normal(mu, exp(logvar)).rsample()",
    "the variance passed where Normal takes the standard deviation: the noise is scaled by sigma^2",
    expect=("reparam_variance_instead_of_std",),
)
def rep_normal_given_variance(mu, logvar, eps=None):
    if eps is None:
        return Normal(mu, torch.exp(logvar)).rsample()
    return mu + torch.exp(logvar) * eps


# --- set 3 of the held-out real bugs (issue 21), named by behaviour -----------------------------


@bug(
    "reparameterize",
    "kaist-dmlab/TRAP#1 (logvar_q sliced with the indices of mu_q)",
    "the log-variance is taken from the mean's slice: std = exp(0.5 * mu)",
    expect=("wrong_input",),
)
def rep_trap_logvar_is_mu(mu, logvar, eps=None):
    logvar_q = mu  # the same slice as mu_q
    std = torch.exp(0.5 * logvar_q)
    if eps is None:
        eps = torch.randn_like(std)
    return mu + eps * std


@bug(
    "reparameterize",
    "catniplab/latent_dynamics_workshop#1 (X = (sn.sample() + mu) * sigma)",
    "the mean added before scaling: (eps + mu) * sigma",
    expect=("reparam_mean_scaled",),
)
def rep_catniplab_add_then_scale(mu, logvar, eps=None):
    sigma = torch.exp(0.5 * logvar)
    if eps is None:
        eps = torch.randn_like(sigma)
    return (eps + mu) * sigma


@correct("reparameterize", "BUserName/Learning_to_diversify#8 (std = logvar.div(2).exp())")
def rep_ok_div2(mu, logvar, eps=None):
    std = logvar.div(2).exp()
    if eps is None:
        eps = torch.randn_like(std)
    return mu + eps * std


@correct("reparameterize", "1233chen/GenMo train_utils.py (logvar.mul(0.5).exp_(); eps.mul(s_var).add_(mu))")
def rep_ok_genmo_inplace(mu, logvar, eps=None):
    s_var = logvar.mul(0.5).exp_()
    if eps is None:
        eps = s_var.data.new(s_var.size()).normal_()
    return eps.mul(s_var).add_(mu)
