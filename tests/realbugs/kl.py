"""Real answers for ``gaussian_kl(mu, logvar)`` -> (B,): KL(N(mu, exp(logvar)) || N(0, I)) per example."""

import torch
from torch.distributions import Independent, Normal, kl_divergence

from . import bug, correct

# --- bugs -----------------------------------------------------------------------------------------


@bug(
    "gaussian_kl",
    "maxhodak/keras-molecules#59 (also mkusner/grammarVAE#2): K.mean(..., axis=-1)",
    "a mean over the latent dimensions where the sum belongs",
    expect=("kl_mean_over_latent",),
)
def kl_keras_molecules_mean_axis(mu, logvar):
    return -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp(), dim=-1)


@bug(
    "gaussian_kl",
    "podgorskiy/VAE#1: torch.mean(torch.mean(..., 1))",
    "a mean over latent dimensions, then over the batch: one number, 1/(B*D) of the summed KL",
    expect=("kl_mean_over_everything",),
)
def kl_podgorskiy_mean_of_means(mu, logvar):
    return -0.5 * torch.mean(torch.mean(1 + logvar - mu.pow(2) - logvar.exp(), 1))


@bug(
    "gaussian_kl",
    "LukeDitria/CNN-VAE Helpers.py kl_loss: (...).mean()",
    "a mean over the batch and latent dimensions together",
    expect=("kl_mean_over_everything",),
)
def kl_cnn_vae_mean_everything(mu, logvar):
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).mean()


@bug(
    "gaussian_kl",
    "oriondollar/TransVAE#3 (loss.py): torch.mean over (batch, d_latent)",
    "a mean over everything instead of a sum over latents per example",
    expect=("kl_mean_over_everything",),
)
def kl_transvae_mean_all(mu, logvar):
    return -0.5 * torch.mean(1 + logvar - mu.pow(2) - torch.exp(logvar))


@bug(
    "gaussian_kl",
    "pytorch/examples#290 (vae/main.py before PR #296): KLD = -0.5 * torch.sum(...); KLD /= batch_size * 784",
    "summed over the whole batch and divided by batch size times the pixel count: one scalar, 1/784 of the batch mean",
    expect=("kl_batch_mean",),
)
def kl_pytorch_examples_div_batch_784(mu, logvar):
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return kld / (mu.shape[0] * 784)


@bug(
    "gaussian_kl",
    "AntixK/PyTorch-VAE models/vanilla_vae.py loss_function: torch.mean(-0.5 * torch.sum(..., dim=1), dim=0)",
    "the batch mean taken inside the KL: one number instead of one KL per example",
    expect=("kl_batch_mean",),
)
def kl_antixk_batch_mean(mu, logvar):
    return torch.mean(-0.5 * torch.sum(1 + logvar - mu**2 - logvar.exp(), dim=1), dim=0)


@bug(
    "gaussian_kl",
    "AntixK/PyTorch-VAE#68: the reported 'KLD' is -kld_loss (a second minus sign)",
    "the sign is flipped and the batch is averaged away",
    expect=("kl_wrong_sign", "kl_batch_mean"),
)
def kl_antixk_reported_negative(mu, logvar):
    kld_loss = torch.mean(-0.5 * torch.sum(1 + logvar - mu**2 - logvar.exp(), dim=1), dim=0)
    return -kld_loss


@bug(
    "gaussian_kl",
    "EDAPINENUT/GNTPP#4 (vae.py line 131): torch.sum without dim, then multiplied by a (B,) mask",
    "the whole batch's KL in every example's slot: right shape, wrong values (a batch total broadcast to (B,))",
    expect=("kl_batch_mean",),
)
def kl_gntpp_sum_without_dim(mu, logvar):
    mask = torch.ones(mu.shape[0], dtype=mu.dtype)  # (B,) the one-hot mask of the original
    return (-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())) * mask


@bug(
    "gaussian_kl",
    "GlassyWing/nvae#3 (kl_2): torch.sum without dim, then torch.mean(loss, dim=0)",
    "summed over batch and latents: one number for the batch",
    expect=("kl_batch_mean",),
)
def kl_nvae_lost_dim(mu, logvar):
    loss = -0.5 * torch.sum(1 + logvar - mu**2 - torch.exp(logvar))
    return torch.mean(loss, dim=0)


@bug(
    "gaussian_kl",
    "facebookresearch/irmae#1: loss -= beta * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())",
    "the 1/2 is missing and the KL is a mean over batch and latents",
    expect=("kl_mean_over_everything", "kl_missing_half"),
)
def kl_irmae_mean_no_half(mu, logvar):
    return -torch.mean(1 + logvar - mu.pow(2) - logvar.exp())


@bug(
    "gaussian_kl",
    "stuartfong1/improving-badly-drawn-bunnies python/KL_loss.py: (-0.5 / latent_dim) * torch.sum(...)",
    "summed over the batch and divided by the latent size: one number, a mean over latents summed over the batch",
    expect=("kl_batch_mean", "kl_mean_over_latent"),
)
def kl_bunnies_sum_over_latent_dim(mu, logvar):
    latent_dim = mu.shape[-1]
    return (-0.5 / latent_dim) * torch.sum(1 + logvar - torch.square(mu) - torch.exp(logvar))


@bug(
    "gaussian_kl",
    "deepchem/deepchem#4888 (models/losses.py VAE_KLDivergence): logvar squared as if it were sigma, mean over axis -1",
    "logvar used as the standard deviation (sigma^2 = logvar^2, log sigma^2 = log logvar^2), and a mean over latents",
    expect=("kl_logvar_as_sigma", "kl_mean_over_latent"),
)
def kl_deepchem_logvar_as_sigma(mu, logvar):
    return 0.5 * torch.mean(mu**2 + logvar**2 - torch.log(1e-20 + logvar**2) - 1, -1)


@bug(
    "gaussian_kl",
    "deepchem/deepchem#4888 (the same formula with the reduction fixed to a sum)",
    "logvar used as the standard deviation sigma",
    expect=("kl_logvar_as_sigma",),
)
def kl_deepchem_logvar_as_sigma_sum(mu, logvar):
    return 0.5 * torch.sum(mu**2 + logvar**2 - torch.log(1e-20 + logvar**2) - 1, -1)


@bug(
    "gaussian_kl",
    "ethanluoyc/pytorch-vae vae.py latent_loss(z_mean, z_stddev): 0.5 * torch.mean(mean_sq + stddev_sq - log(stddev_sq) - 1), "
    "called with sigma = exp(log_sigma) where the exercise passes log sigma^2",
    "exp(logvar) used as sigma (so sigma^2 = exp(2 logvar)), and a mean over everything",
    expect=("kl_mean_over_everything", "kl_sigma_instead_of_variance"),
)
def kl_ethanluoyc_latent_loss(mu, logvar):
    z_stddev = torch.exp(logvar)
    mean_sq, stddev_sq = mu * mu, z_stddev * z_stddev
    return 0.5 * torch.mean(mean_sq + stddev_sq - torch.log(stddev_sq) - 1)


@bug(
    "gaussian_kl",
    "rishikksh20/vae_tacotron2#3 and rachtsingh/ibp_vae#3 (exp(logvar) taken for the standard deviation), "
    "here in kvfrans/variational-autoencoder's KL: 0.5 * sum(z_mean^2 + z_stddev^2 - log(z_stddev^2) - 1, 1)",
    "sigma = exp(logvar) (the variance) squared again where the formula has sigma^2",
    # proposed: kl_variance_squared (sigma vs sigma^2 vs log sigma^2, the family of kl_sigma_instead_of_variance)
    expect=("kl_variance_squared", "kl_sigma_instead_of_variance"),
)
def kl_kvfrans_stddev_from_exp_logvar(mu, logvar):
    z_stddev = torch.exp(logvar)
    return 0.5 * torch.sum(torch.square(mu) + torch.square(z_stddev) - torch.log(torch.square(z_stddev)) - 1, 1)


@bug(
    "gaussian_kl",
    "DaehanKim/vgae_pytorch#2: (1 + 2*logstd - mean**2 - torch.exp(logstd)).sum(1): the log of the standard "
    "deviation doubled, but exp(.) not squared; with the exercise's logvar = log sigma^2 passed in",
    "the log term uses 2 * logvar (log sigma^4) while the variance term uses exp(logvar): sigma vs sigma^2 mixed",
    # proposed: kl_sigma_instead_of_variance family (sigma vs sigma^2 vs log sigma^2)
    expect=("kl_sigma_instead_of_variance", "kl_log_variance_doubled"),
)
def kl_vgae_logstd_mixed(mu, logvar):
    return -0.5 * (1 + 2 * logvar - mu**2 - torch.exp(logvar)).sum(1)


# --- correct answers --------------------------------------------------------------------------------


@correct("gaussian_kl", "pytorch/examples vae/main.py (after PR #296), summed per example: -0.5 * torch.sum(..., dim=1)")
def kl_ok_pytorch_examples(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)


@correct("gaussian_kl", "jxhe/vae-lagging-encoder modules/encoders: 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(dim=1)")
def kl_ok_lagging_encoder(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(dim=1)


@correct("gaussian_kl", "torch.distributions: kl_divergence(Normal(mu, std), Normal(0, 1)).sum(-1) (Pyro / Lightning bolts style)")
def kl_ok_distributions(mu, logvar):
    q = Normal(mu, torch.exp(0.5 * logvar))
    p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return kl_divergence(q, p).sum(-1)


@correct("gaussian_kl", "torch.distributions with Independent(..., 1), as tensorflow_probability examples/vae.py builds q")
def kl_ok_independent(mu, logvar):
    q = Independent(Normal(mu, (0.5 * logvar).exp()), 1)
    p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(logvar)), 1)
    return kl_divergence(q, p)


@correct("gaussian_kl", "an explicit loop over examples (tutorial style), each a sum over its latent dimensions")
def kl_ok_loop(mu, logvar):
    rows = []
    for i in range(mu.shape[0]):
        m, s = mu[i], logvar[i]
        rows.append(0.5 * torch.sum(m * m + torch.exp(s) - s - 1.0))
    return torch.stack(rows)


@correct("gaussian_kl", "computed in float64 and cast back (a careful reimplementation)")
def kl_ok_float64(mu, logvar):
    m, s = mu.double(), logvar.double()
    return (0.5 * (m.square() + s.exp() - s - 1).sum(-1)).to(mu.dtype)


@correct("gaussian_kl", "Keras VAE example (keras-io vae.py), per example: -0.5 * sum(1 + z_log_var - z_mean^2 - exp(z_log_var), axis=1)")
def kl_ok_keras_io(mu, logvar):
    kl = -0.5 * (1 + logvar - torch.square(mu) - torch.exp(logvar))
    return torch.sum(kl, dim=1)


# --- more bugs: the log term, the -1, log sigma vs log sigma^2, a cut gradient ----------------------------


@bug(
    "gaussian_kl",
    "FluxML/model-zoo#73 (vae.jl, fixed in PR #76): log(sigma).^2 where 2 * log(sigma) belongs",
    "the log term squared: (log sigma)^2 = (logvar / 2)^2 instead of log sigma^2 = logvar",
    # proposed: kl_log_term_squared
    expect=("kl_log_term_squared",),
)
def kl_fluxml_log_sigma_squared(mu, logvar):
    sigma_sq = torch.exp(logvar)
    log_sigma = 0.5 * logvar
    return 0.5 * torch.sum(sigma_sq + mu**2 - 1 - log_sigma**2, dim=-1)


@bug(
    "gaussian_kl",
    "FluxML/model-zoo#147 (vae.jl after PR #76): + 2 * log(sigma) where - 2 * log(sigma) belongs",
    "the log term's sign is flipped: + log sigma^2 instead of - log sigma^2",
    # proposed: kl_log_term_sign
    expect=("kl_log_term_sign",),
)
def kl_fluxml_log_term_sign(mu, logvar):
    return 0.5 * torch.sum(torch.exp(logvar) + mu**2 - 1 + logvar, dim=-1)


@bug(
    "gaussian_kl",
    "ericjang/draw#2: kl = 0.5 * reduce_sum(mu2 + sigma2 - 2 * logsigma, 1) - T * .5 (the -1 of each latent dimension "
    "subtracted once per step instead), one step (T = 1)",
    "the -1 per latent dimension is missing (only one -1/2 in total)",
    expect=("kl_minus_one_once",),
)
def kl_draw_minus_half_once(mu, logvar):
    t_steps = 1
    mu2, sigma2, logsigma = mu**2, torch.exp(logvar), 0.5 * logvar
    return 0.5 * torch.sum(mu2 + sigma2 - 2 * logsigma, 1) - t_steps * 0.5


@bug(
    "gaussian_kl",
    "pyg-team/pytorch_geometric#1368 (VGAE kl_loss in terms of logstd) and fastforwardlabs/vae-tf#3 "
    "(1 + 2 * log_sigma - mu**2 - exp(2 * log_sigma)), called with the exercise's log-variance",
    "logvar treated as log sigma: sigma^2 = exp(2 logvar) and log sigma^2 = 2 logvar",
    # the same as the variance squared everywhere: sigma^4 for sigma^2 and 2 logvar for log sigma^2 (the sigma / sigma^2 family)
    expect=("kl_sigma_instead_of_variance", "kl_variance_squared", "kl_logvar_as_log_sigma"),
)
def kl_pyg_logstd_formula(mu, logstd):
    return -0.5 * torch.sum(1 + 2 * logstd - mu**2 - logstd.exp() ** 2, dim=1)


@bug(
    "gaussian_kl",
    "somuchtome/SimAC#3 (a loss term accumulated through .detach().item(), so it carries no gradient), "
    "written as one KL per example",
    "right values, but each example's KL goes through .item(): no gradient reaches mu or logvar",
    # proposed: a gradient-cut mistake for every differentiable exercise (issue 21)
    expect=("kl_gradient_cut", "gradient_cut"),
)
def kl_item_per_example(mu, logvar):
    per_example = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)
    return torch.tensor([v.detach().item() for v in per_example], dtype=mu.dtype)


@correct(
    "gaussian_kl",
    "AndrewSpano/Disentangled-Variational-Autoencoder#12 (vae.py): (1/2) * sum(exp(s) + mean^2 - 1 - s, axis=1), s the log-variance",
)
def kl_ok_spano(mu, logvar):
    return (1 / 2) * torch.sum(torch.exp(logvar) + torch.square(mu) - 1 - logvar, axis=1)


@correct("gaussian_kl", "mlvu/worksheets#4 (Worksheet 5): 0.5 * torch.sum(zsig.exp() - zsig + zmean.pow(2) - 1, dim=1)")
def kl_ok_mlvu(mu, logvar):
    zmean, zsig = mu, logvar
    return 0.5 * torch.sum(zsig.exp() - zsig + zmean.pow(2) - 1, dim=1)


# --- more reductions from public examples and tutorials ------------------------------------------------


@bug(
    "gaussian_kl",
    "keras-team/keras-io#270 (examples/generative/vae.py, 2020): kl_loss = tf.reduce_mean(kl_loss); kl_loss *= -0.5",
    "a mean over batch and latent dimensions together",
    expect=("kl_mean_over_everything",),
)
def kl_keras_io_reduce_mean(mu, logvar):
    kl_loss = 1 + logvar - torch.square(mu) - torch.exp(logvar)
    kl_loss = torch.mean(kl_loss)
    return kl_loss * -0.5


@bug(
    "gaussian_kl",
    "orybkin/sigma-vae-tensorflow#2 (the MSE branch, taken from LynnHo/VAE-Tensorflow): "
    "kld_loss = -tf.reduce_mean(0.5 * (1 + z_log_sigma_sq - z_mu ** 2 - tf.exp(z_log_sigma_sq)))",
    "a mean over everything ('This is wrong', says the author)",
    expect=("kl_mean_over_everything",),
)
def kl_sigma_vae_reduce_mean(mu, logvar):
    return -torch.mean(0.5 * (1 + logvar - mu**2 - torch.exp(logvar)))


@bug(
    "gaussian_kl",
    "keras-team/keras#4538 (examples/variational_autoencoder_deconv.py): kl_loss = -0.5 * K.mean(..., axis=-1)",
    "a mean over the latent dimensions where the KL is a sum",
    expect=("kl_mean_over_latent",),
)
def kl_keras_deconv_mean_axis(mu, logvar):
    return -0.5 * torch.mean(1 + logvar - torch.square(mu) - torch.exp(logvar), dim=-1)


@bug(
    "gaussian_kl",
    "fchollet/deep-learning-with-python-notebooks#120 (Listing 8.26): kl_loss = -5e-4 * K.mean(..., axis=-1)",
    "a mean over latent dimensions, and a weight of 5e-4 folded into the KL itself",
    expect=("kl_mean_over_latent",),
)
def kl_dlwp_small_weight(mu, logvar):
    return -5e-4 * torch.mean(1 + logvar - torch.square(mu) - torch.exp(logvar), dim=-1)


@bug(
    "gaussian_kl",
    "wiseodd/generative-models#40 (VAE/vanilla_vae/vae_pytorch.py): torch.mean(0.5 * torch.sum(exp(logVar) + mean**2 - 1 - logVar, 1))",
    "averaged over the batch: one number instead of one KL per example",
    expect=("kl_batch_mean",),
)
def kl_wiseodd_batch_mean(mu, logvar):
    return torch.mean(0.5 * torch.sum(torch.exp(logvar) + mu**2 - 1.0 - logvar, 1))


@bug(
    "gaussian_kl",
    "ReyhaneAskari/pytorch_experiments#6 (line 106): KLD /= 128 * 784 with the batch size written in",
    "summed over the batch and divided by a hard-coded 128 * 784: one number, wrong by a constant",
    expect=("kl_batch_mean",),
)
def kl_askari_div_128_784(mu, logvar):
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    kld /= 128 * 784
    return kld


@bug(
    "gaussian_kl",
    "unnir/cVAE#1 (loss_function): KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) ('KLD is just a scalar')",
    "summed over the batch: one number for the batch",
    expect=("kl_batch_mean",),
)
def kl_cvae_scalar(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


@bug(
    "gaussian_kl",
    "zfjsail/gae-pytorch#3 (optimizer.py): -0.5 / n_nodes * torch.mean(torch.sum(1 + 2 * logvar - mu.pow(2) - logvar.exp().pow(2), 1)), "
    "with n_nodes the batch size and the exercise's log-variance passed in",
    "logvar used as log sigma, the batch averaged away, and an extra 1/B",
    expect=("kl_batch_mean", "kl_sigma_instead_of_variance", "kl_variance_squared", "kl_logvar_as_log_sigma"),
)
def kl_gae_pytorch(mu, logvar):
    n_nodes = mu.shape[0]
    return -0.5 / n_nodes * torch.mean(torch.sum(1 + 2 * logvar - mu.pow(2) - logvar.exp().pow(2), 1))


# --- a later batch, checked against the checker only after it had named the cases above ---------------------


@bug(
    "gaussian_kl",
    "paruby/FactorVAE#1 (line 137): 0.5 * tf.reduce_mean(tf.reduce_sum(exp(logvar) - logvar + mean**2, axis=1) - z_dim)",
    "the per-example KL (the -1 per dimension written as - z_dim) averaged over the batch: one number",
    expect=("kl_batch_mean",),
)
def kl_factorvae_reduce_mean(mu, logvar):
    z_dim = mu.shape[1]
    return 0.5 * torch.mean(torch.sum(torch.exp(logvar) - logvar + mu**2, dim=1) - z_dim)


@bug(
    "gaussian_kl",
    "edenton/svg#8 (train_svg_lp.py kl_criterion with the prior N(0, 1)): kld = log(sigma2/sigma1) + (exp(logvar1) + (mu1 - mu2)**2) "
    "/ (2 * exp(logvar2)) - 1/2; return kld.sum() / batch_size",
    "summed over the batch and divided by the batch size: the batch mean, one number",
    expect=("kl_batch_mean",),
)
def kl_svg_sum_over_batch_size(mu, logvar):
    mu2, logvar2 = torch.zeros_like(mu), torch.zeros_like(logvar)
    sigma1, sigma2 = logvar.mul(0.5).exp(), logvar2.mul(0.5).exp()
    kld = torch.log(sigma2 / sigma1) + (torch.exp(logvar) + (mu - mu2) ** 2) / (2 * torch.exp(logvar2)) - 1 / 2
    return kld.sum() / mu.shape[0]


@bug(
    "gaussian_kl",
    "rstudio/keras3#359 (a proposed change to the R VAE example): -0.5 * k_mean(1 + 2 * z_log_var - k_square(z_mean) - "
    "k_exp(z_log_var), axis = -1L)",
    "a mean over latent dimensions, and the log-variance doubled in the log term",
    expect=("kl_mean_over_latent", "kl_log_variance_doubled"),
)
def kl_keras3_proposed_fix(mu, logvar):
    return -0.5 * torch.mean(1 + 2 * logvar - torch.square(mu) - torch.exp(logvar), dim=-1)


@correct("gaussian_kl", "paruby/FactorVAE#1 per example: 0.5 * (sum(exp(logvar) - logvar + mean**2, axis=1) - z_dim)")
def kl_ok_factorvae_per_example(mu, logvar):
    return 0.5 * (torch.sum(torch.exp(logvar) - logvar + mu**2, dim=1) - mu.shape[1])


@correct("gaussian_kl", "aymericdamien/TensorFlow-Examples#316: kl = 1 + z_std - square(z_mean) - exp(z_std); -0.5 * reduce_sum(kl, 1)")
def kl_ok_tensorflow_examples(mu, logvar):
    z_std = logvar  # the example's name for the log-variance
    kl_div_loss = 1 + z_std - torch.square(mu) - torch.exp(z_std)
    return -0.5 * torch.sum(kl_div_loss, 1)


@bug(
    "gaussian_kl",
    "pyg-team/pytorch_geometric#1368 (torch_geometric/nn/models/autoencoder.py VGAE.kl_loss before the PR): "
    "-0.5 * torch.mean(torch.sum(1 + logvar - mu**2 - logvar.exp(), dim=1))",
    "the batch mean taken inside the KL: one number instead of one KL per example",
    expect=("kl_batch_mean",),
)
def kl_pyg_vgae_batch_mean(mu, logvar):
    return -0.5 * torch.mean(torch.sum(1 + logvar - mu**2 - logvar.exp(), dim=1))


@bug(
    "gaussian_kl",
    "AntixK/PyTorch-VAE#13 (a comment: 'IIRC rsample takes the variance (std^2)'), acted on: Normal(mu, exp(logvar)) as q",
    "torch.distributions.Normal takes the standard deviation; passing the variance exp(logvar) squares it once more",
    expect=("kl_sigma_instead_of_variance", "kl_variance_squared"),
)
def kl_normal_given_variance(mu, logvar):
    q = Normal(mu, torch.exp(logvar))
    p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return kl_divergence(q, p).sum(-1)


# --- set 3 of the held-out real bugs (issue 21) -------------------------------------------------


@bug(
    "gaussian_kl",
    "KarenUllrich/Tutorial_BayesianCompressionForDL#1 (_ConvNdGroupNJ.kl_divergence)",
    "the log-variance treated as a log standard deviation: -s + 0.5 * (exp(s)^2 + mu^2) - 0.5",
    expect=("kl_sigma_instead_of_variance",),
)
def kl_ullrich_logvar_as_logstd(mu, logvar):
    kld_element = -logvar + 0.5 * (logvar.exp().pow(2) + mu.pow(2)) - 0.5
    return kld_element.sum(-1)


@bug(
    "gaussian_kl",
    "zdebruine/MMVAE#19 (kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()))",
    "summed over everything (the batch too): one number instead of one per example",
    expect=("kl_batch_mean",),
)
def kl_mmvae_sum_everything(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


@bug(
    "gaussian_kl",
    "coderapp.vercel.app/answer #61600947 (latent_loss: 0.5 * torch.mean(mean_sq + stddev_sq - log(stddev_sq) - 1))",
    "a mean over everything (batch and latent dimensions) instead of a sum over latent dimensions per example",
    expect=("kl_mean_over_everything",),
)
def kl_latent_loss_mean(mu, logvar):
    z_stddev = torch.exp(0.5 * logvar)
    mean_sq = mu * mu
    stddev_sq = z_stddev * z_stddev
    return 0.5 * torch.mean(mean_sq + stddev_sq - torch.log(stddev_sq) - 1)


@correct("gaussian_kl", "Cross Validated 'Deriving the KL Divergence Loss for VAEs' (torch.distributions form)")
def kl_ok_cross_validated_distributions(mu, logvar):
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return torch.distributions.kl_divergence(q, p).sum(-1)


# --- held-out sets 4 and 5 (seen; judged in /work/heldout4/results_base.md, /work/heldout5/expected.md) ---------


@bug(
    'gaussian_kl',
    'held-out set 4: SupaeroDataScience/deep-learning PR #6 (VAE loss used mu^2 + sigma^2 - log(sigma) - 1/2)',
    'the 1/2 is missing on mu^2 + sigma^2 (only the -1/2 constant kept): (mu^2 + sigma^2 - log sigma - 1/2)',
    expect=('kl_half_on_some_terms',),
)
def kl_supaero_half_forgotten(mu, logvar):
    sigma = torch.exp(0.5 * logvar)
    return torch.sum(mu ** 2 + sigma ** 2 - torch.log(sigma) - 0.5, dim=1)


@bug(
    'gaussian_kl',
    'held-out set 4: serre-lab/vfm src/utils/losses.py (kld: -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()))',
    'summed over the batch too: one number for the whole batch instead of one KL per example',
    expect=('kl_batch_mean',),
)
def kl_vfm_sum_everything(mu, logvar):
    kl_divergence = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return kl_divergence


@bug(
    'gaussian_kl',
    'held-out set 4: seyongk/Learning-Music-Variational-AutoEncoder loss.py (in-place chain, torch.mean(KLD_element).mul_(-0.5))',
    'torch.mean over batch and latent dims: a 0-d mean where a per-example sum over latent dims belongs',
    expect=('kl_mean_over_everything',),
)
def kl_seyongk_inplace_mean(mu, logvar):
    KLD_element = mu.pow(2).add_(logvar.exp()).mul_(-1).add_(1).add_(logvar)
    return torch.mean(KLD_element).mul_(-0.5)


@bug(
    'gaussian_kl',
    'held-out set 4: MatteoZanella/Sty-Paint model/training/losses.py (KLDivergence.forward: sum(dim=-1) then torch.mean)',
    'per-example KL summed correctly, then averaged over the batch: a 0-d batch mean instead of (B,)',
    expect=('kl_batch_mean',),
)
def kl_stypaint_batch_mean(mu, logvar):
    kl_loss = 1 + logvar - mu ** 2 - logvar.exp()
    kl_loss = -0.5 * torch.sum(kl_loss, dim=-1)
    return torch.mean(kl_loss)


@bug(
    'gaussian_kl',
    'held-out set 4: barisbatuhan/SSuperGAN functional/losses/kl_loss.py (torch.distributions kl_divergence(q, p).sum(1).mean())',
    'per-example KL via torch.distributions, then averaged over the batch: a 0-d batch mean instead of (B,)',
    expect=('kl_batch_mean',),
)
def kl_ssupergan_dist_batch_mean(mu, logvar):
    std = torch.exp(0.5 * logvar)
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(std))
    q = torch.distributions.Normal(mu, std)
    kl_dvergence = torch.distributions.kl.kl_divergence(q, p)
    kl_loss = kl_dvergence.sum(1).mean()
    return kl_loss


@correct(
    'gaussian_kl',
    'held-out set 4: ZhengyiLuo/PHC phc/learning/loss_functions.py kl_multi(qm, qv, pm, pv) with the prior pm = 0, pv = 0 (log-variances)',
)
def ok_kl_phc_general(mu, logvar):
    qm, qv = mu, logvar
    pm, pv = torch.zeros_like(mu), torch.zeros_like(logvar)
    element_wise = 0.5 * (pv - qv + qv.exp() / pv.exp() + (qm - pm).pow(2) / pv.exp() - 1)
    kl = element_wise.sum(-1)
    return kl


@bug(
    'gaussian_kl',
    'held-out set 4: masato-ka/airc-rl-agent issue #43 / vae/vae.py (logvar = softplus(fc2(h)); KL = -0.5*torch.mean(torch.sum(1 + torch.log(var) - mean**2 - var)))',
    'the log-variance is used as the variance itself (log(var) and var), and the KL is summed over the whole batch',
    expect=('kl_batch_mean', 'kl_logvar_as_variance'),
)
def kl_airc_logvar_as_var(mu, logvar):
    mean, var = mu, logvar
    KL = -0.5 * torch.mean(torch.sum(1 + torch.log(var) - mean ** 2 - var))
    return KL


@bug(
    'gaussian_kl',
    'held-out set 4: ssemeniuta/textvae issue #4 / vae.py (kld = 0.5 * T.sum(1 + log_sigma - mu ** 2 - T.exp(log_sigma), axis=1)), Theano ported to torch',
    'the sign is flipped: returns minus the KL (the author subtracts it in the cost)',
    expect=('kl_wrong_sign',),
)
def kl_textvae_negative(mu, logvar):
    log_sigma = logvar
    kld = 0.5 * torch.sum(1 + log_sigma - mu ** 2 - torch.exp(log_sigma), dim=1)
    return kld


@correct(
    'gaussian_kl',
    'held-out set 4: dragen1860/TensorFlow-2.x-Tutorials 12-VAE/main.py (kl_div = -0.5 * tf.reduce_sum(1. + log_var - tf.square(mu) - tf.exp(log_var), axis=-1)), TF ported, before the batch mean',
)
def ok_kl_dragen_tf(mu, logvar):
    return -0.5 * torch.sum(1. + logvar - torch.square(mu) - torch.exp(logvar), dim=-1)


@correct(
    'gaussian_kl',
    'held-out set 4: hwalsuklee/tensorflow-generative-model-collections VAE.py (0.5 * reduce_sum(square(mu) + square(sigma) - log(1e-8 + square(sigma)) - 1, [1])) with sigma = exp(logvar / 2), TF ported',
)
def ok_kl_genmodels_eps(mu, logvar):
    sigma = torch.exp(0.5 * logvar)
    return 0.5 * torch.sum(torch.square(mu) + torch.square(sigma) - torch.log(1e-8 + torch.square(sigma)) - 1, 1)


@bug(
    'gaussian_kl',
    'held-out set 4: Lightning-Universe/lightning-bolts src/pl_bolts/models/autoencoders/basic_vae/basic_vae_module.py step (kl = torch.distributions.kl_divergence(q, p); kl = kl.mean())',
    'torch.distributions KL averaged over batch and latent dimensions: one 0-d number, and a mean where a sum over latent dimensions belongs',
    expect=('kl_mean_over_everything',),
)
def kl_bolts_dist_mean(mu, logvar):
    std = torch.exp(logvar / 2)
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(std))
    q = torch.distributions.Normal(mu, std)
    kl = torch.distributions.kl_divergence(q, p)
    kl = kl.mean()
    return kl


@bug(
    'gaussian_kl',
    'held-out set 4: blog.keras.io/building-autoencoders-in-keras.html VAE loss (kl_loss = - 0.5 * K.mean(1 + z_log_sigma - K.square(z_mean) - K.exp(z_log_sigma), axis=-1)), quoted in https://stats.stackexchange.com/questions/407178 and http://forums.fast.ai/t/intuition-behind-kl-divergence-regularization-in-vaes/1650',
    'mean over the latent dimensions where a sum belongs (KL divided by the latent size)',
    expect=('kl_mean_over_latent',),
)
def kl_kerasblog_mean_latent(mu, logvar):
    z_mean, z_log_sigma = mu, logvar
    kl_loss = -0.5 * torch.mean(1 + z_log_sigma - torch.square(z_mean) - torch.exp(z_log_sigma), dim=-1)
    return kl_loss


@bug(
    'gaussian_kl',
    'held-out set 5: NCAR/holodec-ml holodecml/vae/losses.py (loss_fn: KLD = -0.5*torch.mean(...))',
    'mean over batch AND latent dims (scalar, = true batch-mean KL / D) instead of a per-example sum over latent dims',
    expect=('kl_mean_over_everything',),
)
def kl_holodec_mean_all(mu, logvar):
    return -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())


@bug(
    'gaussian_kl',
    'held-out set 5: hunhoon21/FontStyler src/models/loss.py (kld_loss)',
    'summed over the whole batch as well as the latent dims: one scalar instead of one KL per example',
    expect=('kl_batch_mean',),
)
def kl_fontstyler_sum_all(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


@bug(
    'gaussian_kl',
    'held-out set 5: Tupryk/SHK_LIS imitation_learning/loss/vae_loss.py (kl_loss = torch.mean(-0.5*torch.sum(..., dim=1), dim=0))',
    'per-example KL averaged over the batch: returns a scalar instead of shape (B,)',
    expect=('kl_batch_mean',),
)
def kl_shk_batch_mean(mu, logvar):
    return torch.mean(-0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp(), dim=1), dim=0)


@bug(
    'gaussian_kl',
    "held-out set 5: jjgsherwood/COMSOC vae_utils.py (ELBO.KLD(mu, log_std); the encoder's 2nd output fed as log_std)",
    'second argument treated as log-std (exp(2s), -2s) although it is the log-variance; also summed over the batch',
    expect=('kl_batch_mean', 'kl_sigma_instead_of_variance'),
)
def kl_comsoc_logstd(mu, logvar):
    log_std = logvar
    return 0.5 * torch.sum(torch.exp(2 * log_std) + mu ** 2 - 2 * log_std - 1)


@bug(
    'gaussian_kl',
    'held-out set 5: PKU-YuanGroup/WF-VAE#2 (DiagonalGaussianDistribution.kl: dim=list(self.mean.shape)[1:])',
    'passes the SIZES of the non-batch axes as dim= (sizes, not axis indices): IndexError for D >= 2',
    expect=('size_passed_as_axis',),
)
def kl_wfvae_dims_are_sizes(mu, logvar):
    var = logvar.exp()
    return 0.5 * torch.sum(torch.pow(mu, 2) + var - 1.0 - logvar, dim=list(mu.shape)[1:])


@correct(
    'gaussian_kl',
    'held-out set 5: Tupryk/SHK_LIS imitation_learning/loss/vae_loss.py (the per-example term inside the batch mean)',
)
def kl_ok_shk_inner(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp(), dim=1)


@correct(
    'gaussian_kl',
    'held-out set 5: badrmarani/rolex uqvae/losses/elbo.py (distributions.kl_divergence(qzx, Normal(0,1)).sum(-1), before .mean(-1))',
)
def kl_ok_rolex_distributions(mu, logvar):
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    return torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum(-1)


@bug(
    'gaussian_kl',
    'held-out set 5: ranarag/ZSCRGAN misc/kl_div.py (KL_loss(mu, log_sigma): -log_sigma + 0.5*(-1 + exp(2*log_sigma) + mu^2), reduce_mean), TF -> torch, encoder log-variance passed as log_sigma',
    'log-variance used as log-std (exp(2s), -s) and the mean over batch and latent dims (scalar) instead of a per-example sum',
    expect=('kl_mean_over_everything', 'kl_sigma_instead_of_variance'),
)
def kl_zscrgan_logsigma_mean(mu, logvar):
    log_sigma = logvar
    loss = -log_sigma + 0.5 * (-1 + torch.exp(2. * log_sigma) + torch.square(mu))
    return torch.mean(loss)


@correct(
    'gaussian_kl',
    'held-out set 5: westwing84/VAE Losses.py (KLLoss.call: -0.5 * reduce_sum(1 + z_logvar - square(z_mean) - exp(z_logvar), axis=-1)), TF -> torch',
)
def kl_ok_westwing(mu, logvar):
    kl_loss = 1 + logvar - torch.square(mu) - torch.exp(logvar)
    return -0.5 * torch.sum(kl_loss, dim=-1)


# --- held-out set 7 (collected for tuning; what a right name must say: /work/heldout7/expected.md) -----------


@bug(
    'gaussian_kl',
    'held-out set 7: hengdashi/EEG_Classification src/vae/optimizer.py (loss_function: KLD = -0.5*torch.mean(torch.sum(1 + 2*logvar - mu.pow(2) - logvar.exp().pow(2), 1)))',
    'log-variance treated as log-std (2*logvar, exp(logvar)^2) and the per-example KL averaged over the batch (scalar)',
    expect=('kl_batch_mean', 'kl_sigma_instead_of_variance'),
)
def kl_eeg_logstd_batchmean(mu, logvar):
    return -0.5 * torch.mean(torch.sum(1 + 2 * logvar - mu.pow(2) - logvar.exp().pow(2), 1))


@bug(
    'gaussian_kl',
    'held-out set 7: FerminT/BrainVAE models/loss.py (kl_divergence: -0.5 * sum(1 + logvar - mu.pow(2) - logvar.exp()))',
    'summed over the batch as well as the latent dims: one scalar instead of one KL per example',
    expect=('kl_batch_mean',),
)
def kl_brainvae_sum_all(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


@bug(
    'gaussian_kl',
    'held-out set 7: Asrith-Dasari/VAE vae.py (CustomVariationalLoss: kl_loss = torch.mean(-0.5 * torch.sum(1 + log_variance - mean.pow(2) - log_variance.exp()), dim=0))',
    'the inner sum has no dim, so it sums over batch AND latent dims; the outer mean(dim=0) of a scalar is a no-op: one batch-summed scalar instead of one KL per example',
    expect=('kl_batch_mean',),
)
def kl_asrith_sum_then_mean(mu, logvar):
    mean, log_variance = mu, logvar
    return torch.mean(-0.5 * torch.sum(1 + log_variance - mean.pow(2) - log_variance.exp()), dim=0)


@bug(
    'gaussian_kl',
    'held-out set 7: Zzznorlax/conv-vae core/metric.py (kl_divergence: kld = -0.5*torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1); return kld.mean())',
    'per-example KL averaged over the batch: returns a scalar instead of shape (B,)',
    expect=('kl_batch_mean',),
)
def kl_zzz_batch_mean(mu, logvar):
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
    return kld.mean()


@bug(
    'gaussian_kl',
    'held-out set 7: bdoerfchen/FaceVAE implementations/variants/layers/KLDivergenceLayer.py (kl_batch = K.sum(-0.5*(1 + log_variance - K.square(mean) - K.exp(log_variance)), axis=[1]) * 255; K.mean(kl_batch * KL_LOSS_FACTOR, axis=-1)), keras -> torch',
    'the KL is multiplied by 255 (a pixel-range constant) and then averaged over the batch: scalar, 255x the batch-mean KL',
    expect=('kl_batch_mean',),
)
def kl_facevae_times255(mu, logvar):
    mean, log_variance = mu, logvar
    KL_LOSS_FACTOR = 1
    kl_batch = torch.sum(-0.5 * (1 + log_variance - mean.pow(2) - log_variance.exp()), dim=1) * 255
    return torch.mean(kl_batch * KL_LOSS_FACTOR, dim=-1)


@bug(
    'gaussian_kl',
    'held-out set 7: min9813/vae_practice src/lib/lossfunction/kl_div.py (kl_div_normal: q_var = q_log_var.exp_(); kl = -0.5 * torch.mean(1 + q_log_var - q_mean*q_mean - q_var))',
    'exp_() is in place: it overwrites the log-variance with the variance, so the formula uses var where log var belongs (and the in-place op fails on a tensor that requires grad); also a mean over batch and latent dims (scalar)',
    expect=('mutated_input',),
)
def kl_min9813_inplace_exp(mu, logvar):
    q_mean, q_log_var = mu, logvar
    q_var = q_log_var.exp_()
    kl = -0.5 * torch.mean(1 + q_log_var - q_mean * q_mean - q_var)
    return kl


@bug(
    'gaussian_kl',
    'held-out set 7: 22anushka/DeepLearning-coding-problems kl_divergence.py (kl_divergence_normal(mu_p, sigma_p, mu_q, sigma_q): log(sigma_q/sigma_p) + 0.5*((mu_p-mu_q)^2/sigma_q^2 + sigma_p^2/sigma_q^2) - 0.5), numpy -> torch, sigma_p = exp(0.5*logvar), N(0, 1) prior',
    'elementwise KL with no sum over the latent dimensions: returns (B, D) instead of one KL per example',
    expect=('kl_no_reduction',),
)
def kl_anushka_no_sum(mu, logvar):
    mu_p, sigma_p, mu_q, sigma_q = mu, torch.exp(0.5 * logvar), 0.0, 1.0
    norm_mean_diff = (mu_p - mu_q) ** 2 / (sigma_q ** 2)
    variance_shift = (sigma_p ** 2) / (sigma_q ** 2)
    log_term = torch.log(sigma_q / sigma_p)
    const = 1 / 2
    kl_div = log_term + const * (norm_mean_diff + variance_shift) - const
    return kl_div


@bug(
    'gaussian_kl',
    'held-out set 7: lerhshong/VAE vae_utils.py (train_a_network: loss_kl = np.mean(np.sum(np.exp(z_sigma) + np.square(z_mu) - z_sigma - 0.5*np.ones(z_sigma.shape), axis=1)), latent-first (n_z, m) layout, z_sigma the log-variance), numpy -> torch with mu.T / logvar.T',
    'wrong constants (no overall 1/2 and -0.5 instead of -1: each term is 2*KL_d + 0.5), summed over the batch (axis=1 of the (D, B) layout) and averaged over the latent dims: one scalar',
    expect=('kl_batch_mean', 'kl_half_on_some_terms'),
)
def kl_lerhshong_constants(mu, logvar):
    z_mu, z_sigma = mu.T, logvar.T
    return torch.mean(torch.sum(torch.exp(z_sigma) + torch.square(z_mu) - z_sigma - 0.5 * torch.ones(z_sigma.shape, dtype=z_sigma.dtype), dim=1))
