"""Real answers for ``evaluation_elbo(recon, kl, beta)`` -> (B,): the bound recon - kl, whatever beta training used."""

import torch

from . import bug, correct

# --- bugs -----------------------------------------------------------------------------------------


@bug(
    "evaluation_elbo",
    "jxhe/vae-lagging-encoder#9 (beta-VAE and annealed VAEs evaluated with the training beta) and "
    "jaanaltosaar/variational-autoencoder#22",
    "the KL weight kept in the reported bound: recon - beta * kl",
    expect=("eval_bound_includes_beta",),
)
def eval_lagging_encoder_beta(recon, kl, beta):
    return recon - beta * kl


@bug(
    "evaluation_elbo",
    "AntixK/PyTorch-VAE models/vanilla_vae.py: loss = recons_loss + kld_weight * kld_loss, the batch-mean loss logged as the result",
    "the training loss (weighted, negated and averaged over the batch) reported instead of the bound",
    expect=("eval_reports_training_loss", "eval_batch_mean"),
)
def eval_antixk_training_loss(recon, kl, beta):
    recons_loss = torch.mean(-recon)
    kld_loss = torch.mean(kl, dim=0)
    return recons_loss + beta * kld_loss


@bug(
    "evaluation_elbo",
    "AntixK/PyTorch-VAE#68: the logged 'KLD' is -kld_loss, and the bound is then recon - KLD",
    "the KL added instead of subtracted",
    expect=("kl_added",),
)
def eval_antixk_negated_kld(recon, kl, beta):
    reported_kld = -kl
    return recon - reported_kld


@bug(
    "evaluation_elbo",
    "keras-team/keras-io examples/generative/vae.py: total_loss = reconstruction_loss + kl_loss, averaged over the batch",
    "minus the ELBO (a loss), averaged over the batch",
    expect=("eval_elbo_negated", "eval_batch_mean"),
)
def eval_keras_io_total_loss(recon, kl, beta):
    reconstruction_loss = torch.mean(-recon)
    kl_loss = torch.mean(kl)
    return reconstruction_loss + kl_loss


@bug(
    "evaluation_elbo",
    "timbmg/Sentence-VAE train.py: loss = (NLL_loss + KL_weight * KL_loss) / batch_size, logged for the validation split too",
    "the annealed training loss per batch (weighted, negated, divided by the batch size) reported as the result",
    expect=("eval_reports_training_loss", "eval_batch_mean"),
)
def eval_sentence_vae_loss(recon, kl, beta):
    batch_size = recon.shape[0]
    nll_loss, kl_loss = (-recon).sum(), kl.sum()
    return (nll_loss + beta * kl_loss) / batch_size


@bug(
    "evaluation_elbo",
    "SeldonIO/alibi-detect#90 (the ELBO loss reduced with tf.reduce_sum over the batch)",
    "summed over the batch: one number instead of one bound per example",
    expect=("eval_batch_mean",),
)
def eval_alibi_reduce_sum(recon, kl, beta):
    return (recon - kl).sum()


@bug(
    "evaluation_elbo",
    "aicenter/GenerativeModels.jl#69 (fix sign of elbo)",
    "the sign flipped: kl - recon (the loss) returned as the bound",
    expect=("eval_elbo_negated",),
)
def eval_aicenter_sign(recon, kl, beta):
    return kl - recon


@bug(
    "evaluation_elbo",
    "EderSantana/gumbel#3 (elbo = data_dim * bce(x, x_hat) - KL; the KL should be subtracted from the log-likelihood)",
    "the KL added instead of subtracted: recon + kl",
    expect=("kl_added",),
)
def eval_gumbel_kl_sign(recon, kl, beta):
    return recon + kl


# --- correct answers --------------------------------------------------------------------------------


@correct("evaluation_elbo", "jxhe/vae-lagging-encoder#9: evaluate with beta = 1 (recon - kl)")
def eval_ok_beta_one(recon, kl, beta):
    return recon - 1.0 * kl


@correct("evaluation_elbo", "rate/distortion form (tensorflow_probability examples/vae.py): elbo = -(rate + distortion)")
def eval_ok_rate_distortion(recon, kl, beta):
    distortion, rate = -recon, kl
    return -(rate + distortion)


@correct("evaluation_elbo", "torch.sub(recon, kl), ignoring the training configuration")
def eval_ok_sub(recon, kl, beta):
    del beta  # the bound does not depend on how the model was trained
    return torch.sub(recon, kl)
