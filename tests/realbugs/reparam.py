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


# --- held-out sets 4 and 5 (seen; judged in /work/heldout4/results_base.md, /work/heldout5/expected.md) ---------


@bug(
    'reparameterize',
    'held-out set 4: Shunsuke-1994/rfamgen issue #3 / src/models/CMVAE.py sample(): z = mu + eps*torch.sqrt(sigma)',
    'sqrt taken of the standard deviation: std = exp(logvar/4) instead of exp(logvar/2)',
    expect=('reparam_sqrt_of_std',),
)
def reparam_rfamgen_sqrt_of_sigma(mu, logvar, eps=None):
    sigma = (0.5 * logvar).exp()
    if eps is None:
        normal = torch.distributions.Normal(torch.zeros(mu.shape), torch.ones(sigma.shape))
        eps = normal.sample()
    z = mu + eps * torch.sqrt(sigma)
    return z


@bug(
    'reparameterize',
    'held-out set 4: evelinehong/slot-attention-pytorch issue #8 / PR #5 (model.py: slots = torch.normal(mu, sigma))',
    'torch.normal(mu, sigma) draws the sample without a gradient path to mu and sigma (not reparameterized)',
    expect=('gradient_cut',),
)
def reparam_slot_torch_normal(mu, logvar, eps=None):
    sigma = torch.exp(0.5 * logvar)
    if eps is not None:
        return mu + sigma * eps
    return torch.normal(mu, sigma)


@correct(
    'reparameterize',
    'held-out set 4: Ritam-M/BicycleGAN Utils.py reparameterization (noise from np.random.normal, std = exp(logvar / 2))',
)
def ok_reparam_bicyclegan_numpy_noise(mu, logvar, eps=None):
    std = torch.exp(logvar / 2)
    if eps is None:
        eps = torch.tensor(np.random.normal(0, 1, tuple(std.shape)), dtype=mu.dtype)
    z = eps * std + mu
    return z


@correct(
    'reparameterize',
    'held-out set 4: SumFunction/VAE-ACGAN train.py reparameterize (log_var.mul(0.5).exp_(); std.data.new(...).normal_())',
)
def ok_reparam_acgan_inplace(mu, logvar, eps=None):
    std = logvar.mul(0.5).exp_()
    if eps is None:
        eps = std.data.new(std.size()).normal_()
    return eps.mul(std).add_(mu)


@correct(
    'reparameterize',
    'held-out set 4: JohanYe/IWAE-pytorch PytorchIWAE.py reparameterize (td.Normal(loc=mu, scale=std).rsample()) with std = exp(0.5 * log_var)',
)
def ok_reparam_johanye_rsample(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar)
    if eps is not None:
        return mu + std * eps
    qz_Gx_obs = torch.distributions.Normal(loc=mu, scale=std)
    return qz_Gx_obs.rsample()


@bug(
    'reparameterize',
    "held-out set 4: blog.keras.io/building-autoencoders-in-keras.html VAE section (def sampling(args): z_mean, z_log_sigma = args; ... return z_mean + K.exp(z_log_sigma) * epsilon; the same tensor is a log-variance in the page's KL), quoted in https://whosebug.com/question/4518596 and https://stats.stackexchange.com/questions/401677",
    'exp(logvar) (the variance) used as the standard deviation: the exp(0.5 * ...) is missing',
    expect=('reparam_variance_instead_of_std',),
)
def reparam_kerasblog_exp_logvar(mu, logvar, eps=None):
    z_mean, z_log_sigma = mu, logvar
    epsilon = torch.randn_like(z_mean) if eps is None else eps
    return z_mean + torch.exp(z_log_sigma) * epsilon


@bug(
    'reparameterize',
    'held-out set 5: jjgsherwood/COMSOC vae_utils.py (reparamaterize(mu, log_std): torch.exp(log_std)*torch.randn_like(mu) + mu)',
    'log-variance used as log-std: std = exp(logvar) = variance, not exp(0.5*logvar)',
    expect=('reparam_variance_instead_of_std',),
)
def reparam_comsoc_logstd(mu, logvar, eps=None):
    if eps is None:
        eps = torch.randn_like(mu)
    return torch.exp(logvar) * eps + mu


@correct(
    'reparameterize',
    'held-out set 5: ChicForX/CLUB_impl layer_utils.py (reparameterize)',
)
def reparam_ok_club(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar)
    if eps is None:
        eps = torch.randn_like(std)
    return mu + eps * std


@correct(
    'reparameterize',
    'held-out set 5: joadahl/thesis betacluster/sampling.py (Keras Sampling: z_mean + tf.exp(z_log_var / 2) * epsilon), ported to torch',
)
def reparam_ok_keras_port(mu, logvar, eps=None):
    if eps is None:
        eps = torch.randn(mu.shape, dtype=mu.dtype)
    return mu + torch.exp(logvar / 2) * eps


@correct(
    'reparameterize',
    'held-out set 5: bluesky226/STA-AD_Code net_utils/variational.py (reparameterize, eps = torch.randn_like(std).to(device))',
)
def reparam_ok_stad(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar)
    if eps is None:
        eps = torch.randn_like(std).to(mu.device)
    return mu + eps * std


@correct(
    'reparameterize',
    'held-out set 5: timbmg/VAE-CVAE-MNIST#7 (models.py reparameterize: std = exp(0.5*log_var); eps = randn_like(std); the reporter mistook randn_like for uniform - the code is right)',
)
def reparam_ok_timbmg(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar)
    if eps is None:
        eps = torch.randn_like(std)
    return mu + eps * std


@bug(
    'reparameterize',
    "held-out set 5: lucinnnal/GenAI_study ScratchDL5/day4/src/utils.py (reparameterize(mu, sigma): z = mu + eps * sigma), called with the encoder's log-variance",
    'the log-variance used directly as the standard deviation (no exp(0.5*logvar))',
    expect=('reparam_logvar_as_std',),
)
def reparam_genai_logvar_as_sigma(mu, logvar, eps=None):
    sigma = logvar
    if eps is None:
        eps = torch.randn_like(sigma)
    z = mu + eps * sigma
    return z


# --- held-out set 7 (collected for tuning; what a right name must say: /work/heldout7/expected.md) -----------


@bug(
    'reparameterize',
    'held-out set 7: toshikwa/slac.pytorch network/latent.py (z1 = z1_mean + torch.rand_like(z1_std) * z1_std; see toshikwa/slac.pytorch#5), std from the log-variance',
    'noise drawn with torch.rand_like (uniform on [0, 1)) instead of torch.randn_like (standard normal)',
    expect=('reparam_uniform_noise',),
)
def reparam_slac_rand_like(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar)
    if eps is None:
        eps = torch.rand_like(std)
    return mu + eps * std


@correct(
    'reparameterize',
    'held-out set 7: Asrith-Dasari/VAE vae.py (VAE_Decoder.forward: noise = torch.tensor(np.random.normal(0,1,(B,D))); mean + torch.exp(0.5*log_variance)*noise.float())',
)
def reparam_ok_asrith_numpy_noise(mu, logvar, eps=None):
    if eps is None:
        noise = torch.tensor(np.random.normal(0, 1, (mu.shape[0], mu.shape[1])))
        eps = noise.to(mu.dtype)
    return mu + torch.exp(0.5 * logvar) * eps


@correct(
    'reparameterize',
    'held-out set 7: ArfiTech/VAE vae.py (VAE.reparameterize: std = torch.exp(0.5*logvar); eps = torch.randn_like(std); return mu + eps*std)',
)
def reparam_ok_arfitech(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar)
    if eps is None:
        eps = torch.randn_like(std)
    return mu + eps * std


@correct(
    'reparameterize',
    'held-out set 7: min9813/vae_practice src/lib/network/vae.py (VAE.forward: std_v = log_sigma_v.mul(0.5).exp_(); randn = torch.randn(size); z = randn * std_v + mean_v)',
)
def reparam_ok_min9813(mu, logvar, eps=None):
    std_v = logvar.mul(0.5).exp_()
    randn = torch.randn(mu.shape, dtype=mu.dtype) if eps is None else eps
    return randn * std_v + mu


@bug(
    'reparameterize',
    'held-out set 7: Unity-Technologies/ml-agents gail_reward_provider.py (DiscriminatorNetwork: z_mu = self._z_mu_layer(hidden); hidden = torch.normal(z_mu, self._z_sigma * use_vail_noise); fixed in Unity-Technologies/ml-agents#5546), std from the log-variance',
    'torch.normal(mu, std) draws the sample without the reparameterization: no gradient reaches mu or logvar (and the given eps is not used)',
    expect=('gradient_cut',),
)
def reparam_mlagents_torch_normal(mu, logvar, eps=None):
    z_sigma = torch.exp(0.5 * logvar)
    return torch.normal(mu, z_sigma)


@correct(
    'reparameterize',
    'held-out set 7: WiltThaStilt/fashion-MNIST-VAE reparameterization.py (Reparameterization.forward: std = torch.exp(0.5*logvar); epsilon = torch.randn_like(std); z = mu + std*epsilon)',
)
def reparam_ok_wilt(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar)
    epsilon = torch.randn_like(std) if eps is None else eps
    return mu + std * epsilon


@correct(
    'reparameterize',
    'held-out set 7: fabrice-camus/UNIGE-MA1b-VAE beta_vae.py (_sample_z: eps = tf.random.normal(shape, 0, 1); z = z_mean + tf.sqrt(tf.exp(z_log_sigma_sq)) * eps), TF -> torch',
)
def reparam_ok_fabrice_sqrt_exp(mu, logvar, eps=None):
    if eps is None:
        eps = torch.normal(0.0, 1.0, size=mu.shape, dtype=mu.dtype)
    return mu + torch.sqrt(torch.exp(logvar)) * eps


@bug(
    'reparameterize',
    'held-out set 7: DylanChenn/IWAE IWAE.py (Encoder.call: q_z_given_x = tfd.Normal(mu, tf.exp(logvar) + 1e-6); z = q_z_given_x.sample(n_sample)), tfd.Normal(loc, scale) sample = loc + scale*eps, TF -> torch',
    'exp(logvar) (the variance, + 1e-6) used as the scale (standard deviation) instead of exp(0.5*logvar)',
    expect=('reparam_variance_instead_of_std',),
)
def reparam_dylan_var_as_scale(mu, logvar, eps=None):
    scale = torch.exp(logvar) + 1e-6
    if eps is None:
        eps = torch.randn_like(mu)
    return mu + scale * eps


@bug(
    'reparameterize',
    'held-out set 6: Alexvsalexvsalex/ML-algorithms vae.py (Encoder.forward: r = torch.randn(self.latent_size); z = mu + sigma * r), sigma = exp(0.5 * logvar)',
    'one noise vector of shape (D,) drawn and shared by every example in the batch',
    expect=('reparam_noise_shared_by_batch',),
)
def reparam_alexvs_shared_noise(mu, logvar, eps=None):
    sigma = torch.exp(0.5 * logvar)
    if eps is None:
        eps = torch.randn(mu.shape[1], dtype=sigma.dtype)
    return mu + sigma * eps


@bug(
    'reparameterize',
    'held-out set 6: biocoms/DeepBioSim iwae.py (forward: logvar = clamp(logvar, -5, 5); scale = F.softplus(logvar) + 1e-6; std = scale)',
    'softplus of the log-variance used as the standard deviation (not exp(0.5 * logvar)), after a clamp to [-5, 5]',
    expect=('reparam_logvar_squashed',),
)
def reparam_deepbiosim_softplus(mu, logvar, eps=None):
    logvar = torch.clamp(logvar, -5.0, 5.0)
    std = F.softplus(logvar) + 1e-6
    if eps is None:
        eps = torch.randn_like(mu)
    return mu + eps * std


@bug(
    'reparameterize',
    'held-out set 6: Bhavik-Ardeshna/pytorch-VAE models/vae.py (VAE._compute_latent_vector(mean, std): mean + epsilon * (1.0 / 2) * std, the std head being the log-variance)',
    'half the log-variance used as the standard deviation: the exp is missing',
    expect=('reparam_logvar_as_std',),
)
def reparam_bhavik_half_logvar(mu, logvar, eps=None):
    std = logvar
    if eps is None:
        eps = torch.randn_like(std)
    return mu + eps * (1.0 / 2) * std
