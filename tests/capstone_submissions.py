"""Whole-model capstone submissions, correct in several styles and buggy in ways real people's code was.

Each function returns an answer dict for ``check("capstone_vae", ...)``. The buggy ones reproduce bugs
from public threads (cited beside each); ``EXPECTED`` says what the checker must report for each.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def _kl(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)  # (B,)


def _trainer(loss, *, lr=2e-3, batch_size=64, zero_grad=True, step=True):
    def train(encoder, decoder, x, epochs):
        optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=lr)
        losses = []
        for _ in range(epochs):
            for index in torch.randperm(len(x)).split(batch_size):
                value = loss(x[index], encoder, decoder)
                if zero_grad:
                    optimizer.zero_grad()
                value.backward()
                if step:
                    optimizer.step()
                losses.append(value.item())
        return losses

    return train


# --- correct styles --------------------------------------------------------------------------------------


def sequential_split_head():
    """One nn.Sequential per network; the encoder's last layer outputs 2L numbers, split in two; ReLU, width 256."""

    class Encoder(nn.Module):
        def __init__(self, data_dim, latent_dim):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(data_dim, 256), nn.ReLU(), nn.Linear(256, 2 * latent_dim))

        def forward(self, x):
            mu, logvar = self.net(x).chunk(2, dim=-1)
            return mu, logvar

    class Decoder(nn.Module):
        def __init__(self, latent_dim, data_dim):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(latent_dim, 256), nn.ReLU(), nn.Linear(256, data_dim))

        def forward(self, z):
            return self.net(z)

    def loss(x, encoder, decoder, eps=None):
        mu, logvar = encoder(x)
        eps = torch.randn_like(mu) if eps is None else eps
        logits = decoder(mu + (0.5 * logvar).exp() * eps)
        batch = x.shape[0]
        # sums over everything, divided by the batch size once: the same as the batch mean of per-example sums
        return (F.binary_cross_entropy_with_logits(logits, x, reduction="sum") + _kl(mu, logvar).sum()) / batch

    return {"Encoder": Encoder, "Decoder": Decoder, "loss": loss, "train": _trainer(loss, lr=1e-3, batch_size=32)}


def distributions_style():
    """torch.distributions: Normal and Bernoulli log_prob, kl_divergence; two ELU hidden layers of 64."""
    from torch.distributions import Bernoulli, Independent, Normal, kl_divergence

    class Encoder(nn.Module):
        def __init__(self, data_dim, latent_dim):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(data_dim, 64), nn.ELU(), nn.Linear(64, 64), nn.ELU())
            self.mean, self.log_variance = nn.Linear(64, latent_dim), nn.Linear(64, latent_dim)

        def forward(self, x):
            h = self.body(x)
            return self.mean(h), self.log_variance(h)

    def Decoder(latent_dim, data_dim):  # noqa: N802
        return nn.Sequential(nn.Linear(latent_dim, 64), nn.ELU(), nn.Linear(64, 64), nn.ELU(), nn.Linear(64, data_dim))

    def loss(x, encoder, decoder, eps=None):
        mu, logvar = encoder(x)
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std) if eps is None else eps
        q = Independent(Normal(mu, std), 1)
        p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(std)), 1)
        log_px = Independent(Bernoulli(logits=decoder(mu + std * eps)), 1).log_prob(x)
        return (kl_divergence(q, p) - log_px).mean()

    return {"Encoder": Encoder, "Decoder": Decoder, "loss": loss, "train": _trainer(loss, lr=3e-3, batch_size=128)}


def softplus_variance_leaky():
    """LeakyReLU; the reconstruction written out with logsigmoid; an explicit per-example loop over nothing fancy."""

    class Encoder(nn.Module):
        def __init__(self, data_dim, latent_dim):
            super().__init__()
            self.fc = nn.Linear(data_dim, 200)
            self.out = nn.Linear(200, 2 * latent_dim)
            self.latent_dim = latent_dim

        def forward(self, x):
            h = F.leaky_relu(self.fc(x), 0.1)
            out = self.out(h)
            return out[:, : self.latent_dim], out[:, self.latent_dim :]

    class Decoder(nn.Module):
        def __init__(self, latent_dim, data_dim):
            super().__init__()
            self.fc, self.out = nn.Linear(latent_dim, 200), nn.Linear(200, data_dim)

        def forward(self, z):
            return self.out(F.leaky_relu(self.fc(z), 0.1))

    def loss(x, encoder, decoder, eps=None):
        mu, logvar = encoder(x)
        eps = torch.randn_like(mu) if eps is None else eps
        logits = decoder(mu + torch.exp(logvar / 2) * eps)
        log_px = (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum(dim=1)
        kl = -0.5 * torch.sum(1 + logvar - mu**2 - torch.exp(logvar), dim=1)
        return torch.mean(kl - log_px)

    return {"Encoder": Encoder, "Decoder": Decoder, "loss": loss, "train": _trainer(loss, lr=2e-3, batch_size=50)}


# --- buggy whole-model submissions ------------------------------------------------------------------------


def _heads():
    from vaecourse.grading.bank.s8_capstone import reference_answer

    answer = reference_answer()
    return answer["Encoder"], answer["Decoder"]


def keras_pixel_mean():
    """keras-team/keras#3373 (fixed in #3383), zdebruine/MMVAE#19: a mean over pixels (the loss's default
    reduction) beside a KL summed over latents; the KL weighs 64 times too much and the posterior collapses."""
    Encoder, Decoder = _heads()

    def loss(x, encoder, decoder, eps=None):
        mu, logvar = encoder(x)
        eps = torch.randn_like(mu) if eps is None else eps
        logits = decoder(mu + torch.exp(0.5 * logvar) * eps)
        return F.binary_cross_entropy_with_logits(logits, x) + _kl(mu, logvar).mean()

    return {"Encoder": Encoder, "Decoder": Decoder, "loss": loss, "train": _trainer(loss)}


def pytorch_examples_scaled():
    """pytorch/examples before #228/#296: BCE averaged over batch and pixels, KLD divided by batch * pixels;
    the same objective up to a factor 1/D, so it trains, but the loss is not the negative ELBO."""
    Encoder, Decoder = _heads()

    def loss(x, encoder, decoder, eps=None):
        mu, logvar = encoder(x)
        eps = torch.randn_like(mu) if eps is None else eps
        logits = decoder(mu + torch.exp(0.5 * logvar) * eps)
        kld = _kl(mu, logvar).sum() / (x.shape[0] * x.shape[1])
        return F.binary_cross_entropy_with_logits(logits, x) + kld

    return {"Encoder": Encoder, "Decoder": Decoder, "loss": loss, "train": _trainer(loss)}


def sample_not_rsample():
    """AntixK/PyTorch-VAE#12 asks why not rsample(): Normal(mu, std).sample() draws z without a gradient,
    so the encoder learns from the KL alone and the posterior collapses. (Uses the given eps as .sample() would not.)"""
    Encoder, Decoder = _heads()

    def loss(x, encoder, decoder, eps=None):
        mu, logvar = encoder(x)
        eps = torch.randn_like(mu) if eps is None else eps
        with torch.no_grad():  # what .sample() does
            z = mu + torch.exp(0.5 * logvar) * eps
        logits = decoder(z)
        return (F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1) + _kl(mu, logvar)).mean()

    return {"Encoder": Encoder, "Decoder": Decoder, "loss": loss, "train": _trainer(loss)}


def kl_sign_flipped():
    """graviraja/pytorch-sample-codes#6: the KL term's sign flipped (loss = BCE - KLD); the KL is rewarded."""
    Encoder, Decoder = _heads()

    def loss(x, encoder, decoder, eps=None):
        mu, logvar = encoder(x)
        eps = torch.randn_like(mu) if eps is None else eps
        logits = decoder(mu + torch.exp(0.5 * logvar) * eps)
        return (F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1) - _kl(mu, logvar)).mean()

    return {"Encoder": Encoder, "Decoder": Decoder, "loss": loss, "train": _trainer(loss)}


def no_zero_grad():
    """Gradients never zeroed: every step adds all earlier gradients (the loop without optimizer.zero_grad())."""
    answer = {"Encoder": _heads()[0], "Decoder": _heads()[1]}
    from vaecourse.grading.bank.s8_capstone import reference_answer

    answer["loss"] = reference_answer()["loss"]
    answer["train"] = _trainer(answer["loss"], zero_grad=False)
    return answer


def no_step():
    """optimizer.step() forgotten: the loss never falls."""
    from vaecourse.grading.bank.s8_capstone import reference_answer

    answer = reference_answer()
    answer["train"] = _trainer(answer["loss"], step=False)
    return answer


def learning_rate_too_high():
    """kvfrans/variational-autoencoder#5 (losses blow up, then NaN): here a learning rate of 5, which diverges."""
    from vaecourse.grading.bank.s8_capstone import reference_answer

    answer = reference_answer()
    answer["train"] = _trainer(answer["loss"], lr=5.0)
    return answer


def sigmoid_decoder():
    """The decoder ends in a sigmoid (pixel probabilities) and the loss takes probabilities: a model that
    trains, but against the exercise's interface (the decoder returns logits)."""
    Encoder, _ = _heads()

    def Decoder(latent_dim, data_dim):  # noqa: N802
        return nn.Sequential(nn.Linear(latent_dim, 128), nn.Tanh(), nn.Linear(128, data_dim), nn.Sigmoid())

    def loss(x, encoder, decoder, eps=None):
        mu, logvar = encoder(x)
        eps = torch.randn_like(mu) if eps is None else eps
        p = decoder(mu + torch.exp(0.5 * logvar) * eps)
        return (F.binary_cross_entropy(p, x, reduction="none").sum(-1) + _kl(mu, logvar)).mean()

    return {"Encoder": Encoder, "Decoder": Decoder, "loss": loss, "train": _trainer(loss)}


CORRECT = {"sequential_split_head": sequential_split_head, "distributions_style": distributions_style,
           "softplus_variance_leaky": softplus_variance_leaky}
BUGGY = {  # name: (answer, the mistake the checker must name, the parts that must fail)
    "keras_pixel_mean": (keras_pixel_mean, "bernoulli_mean_over_pixels", {"loss", "training", "samples"}),
    "pytorch_examples_scaled": (pytorch_examples_scaled, "capstone_loss_rescaled", {"loss"}),
    "sample_not_rsample": (sample_not_rsample, "gradient_cut", {"gradients", "training", "samples"}),
    "kl_sign_flipped": (kl_sign_flipped, "kl_wrong_sign", {"loss", "training"}),
    "no_zero_grad": (no_zero_grad, "capstone_no_learning", {"training"}),
    "no_step": (no_step, "capstone_no_learning", {"training"}),
    "learning_rate_too_high": (learning_rate_too_high, "training_diverged", {"training", "samples"}),
    "sigmoid_decoder": (sigmoid_decoder, "bernoulli_logits_as_probabilities", {"loss", "training", "samples"}),
}
