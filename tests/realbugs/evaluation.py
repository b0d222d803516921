"""Real answers for ``evaluation_elbo(recon, kl, beta)`` -> (B,) (the bound recon - kl, whatever beta training used) and for ``elbo_from_log_densities`` -> (B,)."""

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


# --- held-out sets 4, 5 and 7 (issue 21): the reported bound and the ELBO from log-densities ---------


# held-out set 4
@bug(
    "evaluation_elbo",
    'lucmos/relreps src/rae/losses/vae_loss.py (vae_loss = recon_loss + variational_beta * kldivergence, both summed over the batch) used as the reported value',
    'the training loss is reported: minus the log-likelihood plus beta * KL, summed over the batch (sign, beta and batch sum)',
    expect=("eval_batch_mean",),
)
def eval_relreps_training_loss(recon, kl, beta):
    variational_beta = beta
    recon_loss = (-recon).sum()
    kldivergence = kl.sum()
    return recon_loss + variational_beta * kldivergence


# held-out set 4
@bug(
    "elbo_from_log_densities",
    "wesselb/wbml wbml/vi.py elbo before commit 3a67aab 'Test and fix VI' (return log_lik - log_prior + log_q)",
    'the prior and the q terms have their signs flipped: log p(x|z) - log p(z) + log q(z|x)',
    expect=("elbo_plus_log_q", "elbo_prior_sign"),
)
def elbo_wbml_signs_flipped(log_px_given_z, log_pz, log_qz):
    log_lik = log_px_given_z.mean(0)
    log_prior = log_pz.mean(0)
    log_q = log_qz.mean(0)
    return log_lik - log_prior + log_q


# held-out set 4
@bug(
    "evaluation_elbo",
    'Lightning-Universe/lightning-bolts basic_vae_module.py validation_step -> step (loss = kl_coeff * kl.mean() + recon_loss, reported as val_loss), recon_loss taken as -recon.mean()',
    'the validation loss is reported: batch means, minus the log-likelihood, and the KL kept at the training weight kl_coeff (beta)',
    expect=("eval_batch_mean",),
)
def eval_bolts_val_loss(recon, kl, beta):
    recon_loss = (-recon).mean()
    kl = kl.mean()
    kl = kl * beta
    loss = kl + recon_loss
    return loss


# held-out set 4
@bug(
    "elbo_from_log_densities",
    'riannevdberg/sylvester-flows optimization/loss.py binary_loss_function (loss = bce + beta * (sum(log_q_z0 - log_p_zk) - sum(ldj)); loss /= batch_size), ldj = 0, samples averaged first',
    'returns the training loss: minus the ELBO, averaged over the batch (sign and batch reduction)',
    expect=("elbo_batch_mean",),
)
def elbo_sylvester_loss(log_px_given_z, log_pz, log_qz):
    batch_size = log_px_given_z.shape[1]
    bce = (-log_px_given_z).mean(0).sum()
    kl = torch.sum((log_qz - log_pz).mean(0))
    loss = bce + 1.0 * kl
    return loss / float(batch_size)


# held-out set 4
@bug(
    "elbo_from_log_densities",
    'TensorFlow CVAE tutorial (tensorflow/docs site/en/tutorials/generative/cvae.ipynb, compute_loss: return -tf.reduce_mean(logpx_z + logpz - logqz_x)), copied widely (e.g. code-index file ids 43639199593, 35234206828)',
    'returns the training loss: minus the ELBO, averaged over samples and batch together into one number',
    expect=("elbo_batch_mean",),
)
def elbo_tfcvae_neg_mean(log_px_given_z, log_pz, log_qz):
    logpx_z, logpz, logqz_x = log_px_given_z, log_pz, log_qz
    return -torch.mean(logpx_z + logpz - logqz_x)


# held-out set 4
@correct(
    "elbo_from_log_densities",
    'http://tfsnippet.readthedocs.io/en/latest/api/tfsnippet.elbo_objective.html (elbo_objective(log_joint, latent_log_prob, axis): mean over the sampling axis of log p(x,z) - log q(z|x)), with axis=0',
)
def ok_elbo_tfsnippet_style(log_px_given_z, log_pz, log_qz):
    log_joint = log_px_given_z + log_pz
    return torch.mean(log_joint - log_qz, dim=0)


# held-out set 5
@bug(
    "elbo_from_log_densities",
    'nbip/vae-mdl models/loss.py (elbo_loss: tf.reduce_mean(tf.reduce_mean(log_w, axis=0), axis=-1)), TF ported to torch',
    'averages over the batch as well as the samples: one scalar instead of one ELBO per example',
    expect=("elbo_batch_mean",),
)
def elbo_vaemdl_batch_mean(log_px_given_z, log_pz, log_qz):
    log_w = log_px_given_z + (log_pz - log_qz)
    return torch.mean(torch.mean(log_w, dim=0), dim=-1)


# held-out set 5
@bug(
    "evaluation_elbo",
    'badrmarani/rolex uqvae/losses/elbo.py (ELBO(beta): loss = -(log_likelihood - kld * self.beta), both .mean(-1))',
    'keeps the training weight beta in the reported bound and averages over the batch (scalar)',
    expect=("eval_batch_mean",),
)
def eval_rolex_beta_batchmean(recon, kl, beta):
    return (recon - kl * beta).mean(-1)


# held-out set 5
@bug(
    "evaluation_elbo",
    'bahtman/Adv_ML_Lira src/LossFunction.py (elbo_loss: loss = log_px #+ kl)',
    'the KL term is commented out: the reported bound is the reconstruction term alone',
    expect=("eval_missing_kl",),
)
def eval_lira_kl_dropped(recon, kl, beta):
    loss = recon  # + kl
    return loss


# held-out set 5
@correct(
    "evaluation_elbo",
    'badrmarani/rolex uqvae/losses/elbo.py (the ELBO class without beta: returns -log_likelihood, kld; bound = ll - kld, per example)',
)
def eval_ok_rolex_nobeta(recon, kl, beta):
    return recon - kl


# held-out set 7
@bug(
    "elbo_from_log_densities",
    'nextBillyonair/DPM elbo.py (ELBO.forward: q_log_prob = log p(x, z); loss += -(q_log_prob - variational_log_prob).mean()), log p(x,z) = log p(x|z) + log p(z)',
    'returns the negated ELBO (a loss) averaged over samples AND batch: one positive scalar instead of one ELBO per example',
    expect=("elbo_batch_mean",),
)
def elbo_dpm_neg_mean(log_px_given_z, log_pz, log_qz):
    q_log_prob = log_px_given_z + log_pz
    variational_log_prob = log_qz
    return -(q_log_prob - variational_log_prob).mean()


# held-out set 7
@bug(
    "evaluation_elbo",
    "Zzznorlax/conv-vae core/metric.py (elbo_loss: recon_loss = F.binary_cross_entropy(recon_x, x, reduction='sum'); kld_loss = kl_divergence(mu, logvar) (a batch mean); elbo = recon_loss + kld_loss * kld_weight); recon_loss = -sum of the log-likelihoods",
    "the 'elbo' is the negative bound (a loss), with the reconstruction summed over the batch but the KL averaged over it, and the KL weight beta kept",
    expect=("eval_batch_mean",),
)
def eval_zzz_mixed_reductions(recon, kl, beta):
    recon_loss = -recon.sum()
    kld_loss = kl.mean()
    elbo = recon_loss + kld_loss * beta
    return elbo


# held-out set 7
@bug(
    "evaluation_elbo",
    'wikistat/High-Dimensional-Deep-Learning AutoEncoder/solutions/train_outlier_vae.py (reconstruction_loss = 784*binary_crossentropy; kl_loss = -0.5*K.sum(...); vae_loss = K.mean(reconstruction_loss + kl_loss)), reconstruction_loss = -log-likelihood',
    'reports the batch-mean negative ELBO (recon loss + KL): positive scalar loss instead of the per-example bound recon - KL',
    expect=("eval_batch_mean",),
)
def eval_wikistat_neg_mean(recon, kl, beta):
    reconstruction_loss = -recon
    kl_loss = kl
    return torch.mean(reconstruction_loss + kl_loss)


# held-out set 7
@correct(
    "elbo_from_log_densities",
    'nextBillyonair/DPM elbo.py (ELBO.forward: one sample per iteration, loss += (log p(x,z) - log q(z|x)); loss / num_iterations), per example, sign flipped back to the bound',
)
def elbo_ok_dpm_loop(log_px_given_z, log_pz, log_qz):
    num_iterations = log_px_given_z.shape[0]
    total = 0
    for i in range(num_iterations):
        q_log_prob = log_px_given_z[i] + log_pz[i]
        total = total + (q_log_prob - log_qz[i])
    return total / num_iterations


# held-out set 7
@bug(
    "evaluation_elbo",
    'et0yb/vae-music-clustering beta_vae.py (evaluate_beta_vae reports loss_function: recon_loss = mse(sum)/B; kl_loss = -0.5*sum(...)/B; total_loss = recon_loss + self.beta * kl_loss), recon_loss = -(sum of log-likelihoods)/B',
    'the evaluation reports the training objective: beta kept on the KL, as a positive loss (negative bound), averaged over the batch (scalar)',
    expect=("eval_batch_mean",),
)
def eval_et0yb_beta_loss(recon, kl, beta):
    B = recon.shape[0]
    recon_loss = -recon.sum() / B
    kl_loss = kl.sum() / B
    total_loss = recon_loss + beta * kl_loss
    return total_loss


# held-out set 7
@correct(
    "elbo_from_log_densities",
    'jasonrobwebster/2nd-order-vae vae_utils.py (calc_V: im_log + kl_log with kl_log = 1/2*sum((z-m)^2/var + logvar - z^2) = log p(z) - log q(z|x); expectation(freq) = 1/L * np.sum(freq, axis=0))',
)
def elbo_ok_jasonrob(log_px_given_z, log_pz, log_qz):
    L = log_px_given_z.shape[0]
    im_log = log_px_given_z
    kl_log = log_pz - log_qz
    freq = im_log + kl_log
    return 1 / L * torch.sum(freq, dim=0)


# held-out set 7
@correct(
    "evaluation_elbo",
    'jasonrobwebster/2nd-order-vae vae_utils.py (elbo: kl_loss = 1/2*np.sum(1 + log_z_var - z_mean^2 - exp(log_z_var), -1) (= -KL); im_loss = log-likelihood; return kl_loss + im_loss)',
)
def eval_ok_jasonrob(recon, kl, beta):
    kl_loss = -kl
    im_loss = recon
    return kl_loss + im_loss
