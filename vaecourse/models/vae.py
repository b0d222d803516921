r"""The VAE: an MLP Gaussian encoder with a Bernoulli or Gaussian decoder and a standard or mixture prior.

.. math::
    q_\phi(z\mid x) = \mathcal N\big(\mu_\phi(x), \mathrm{diag}\, e^{s_\phi(x)}\big), \quad p(z) = \mathcal N(0, I), \quad
    p_\theta(x\mid z) = \prod_i \mathrm{Bernoulli}\big(x_i;\ \sigma(\ell_\theta(z)_i)\big)
    \ \text{or}\ \mathcal N\big(x;\ m_\theta(z),\ \sigma_x^2 I\big)

and the ELBO :math:`\mathbb E_q[\log p_\theta(x\mid z)] - \mathrm{KL}(q_\phi(z\mid x)\,\|\,p(z))` and the
importance weights are computed by :func:`vaecourse.core.bounds.elbo_sample`, which :meth:`VAE.forward`
calls with the model's decoder and prior object (:meth:`VAE.latent_prior`). The conditional VAE lives in
:mod:`vaecourse.models.conditional`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import torch
from torch import nn

from ..core._validation import require_nonnegative_float, require_positive_int, require_tensor
from ..core.bounds import ElboTerms, elbo_sample
from ..core.likelihoods import _bernoulli_log_likelihood, gaussian_log_likelihood, require_bernoulli_data
from ..core.priors import MixturePrior, StandardNormalPrior

ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "elu": nn.ELU, "softplus": nn.Softplus,
               "silu": nn.SiLU, "gelu": nn.GELU, "leaky_relu": nn.LeakyReLU}
LIKELIHOODS = ("bernoulli", "gaussian")
PRIORS = ("standard", "mixture")


@dataclass(frozen=True)
class VAEConfig:
    """Sizes and choices of a :class:`VAE`; the defaults are a plain VAE for digits (the tuned recipe, with
    a mixture prior, is :func:`vaecourse.training.recipes.digits_recipe`)."""

    data_dim: int = 64
    latent_dim: int = 8
    hidden_dims: tuple[int, ...] = (256, 256)  # two hidden layers: one is too weak for a good NLL on digits
    activation: str = "tanh"  # smooth and bounded; trains stably at lr 1e-3..3e-3 without tuning
    likelihood: str = "bernoulli"  # binarized pixels; "gaussian" for grey levels or real-valued data
    decoder_logvar: float = 0.0  # Gaussian decoder only: log sigma_x^2, the fixed (or initial) noise level
    learn_decoder_variance: bool = False  # Gaussian decoder only: learn one log sigma_x^2 per pixel
    prior: str = "standard"  # "standard": N(0, I); "mixture": a learned mixture of Gaussians (core/priors.py)
    prior_components: int = 10  # mixture prior only: about one per digit class (the tuned recipe uses 50)

    def __post_init__(self):
        object.__setattr__(self, "hidden_dims", tuple(int(h) for h in self.hidden_dims))
        require_positive_int("data_dim", self.data_dim)
        require_positive_int("latent_dim", self.latent_dim)
        for h in self.hidden_dims:
            require_positive_int("hidden_dims[i]", h)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}")
        if self.likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {self.likelihood!r}")
        if self.prior not in PRIORS:
            raise ValueError(f"prior must be one of {PRIORS}, got {self.prior!r}")
        require_positive_int("prior_components", self.prior_components)

    def to_dict(self) -> dict:
        """Plain values only (for checkpoints and JSON)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class VAEOutput:
    """One forward pass: the ELBO terms (each ``(B,)``), the posterior parameters and the KL per latent.

    ``kl_per_dim[b, j]`` is :math:`\\mathrm{KL}(q(z_j\\mid x_b)\\,\\|\\,p(z_j))`, shape ``(B, D)``; for a
    Gaussian prior its sum over ``j`` is ``terms.kl``. (For the mixture prior it is a Monte Carlo estimate
    against each coordinate's marginal, a measure of use that does not sum to the joint KL.)
    ``log_weights`` ``(B, L)``: :math:`\\log p(x, z_\\ell) - \\log q(z_\\ell\\mid x)` at the L samples,
    filled when ``forward(..., log_weights=True)``, for :func:`~vaecourse.core.bounds.iwae_bound`.
    ``z`` ``(L, B, D)``: the latent samples the terms were computed at.
    """

    terms: ElboTerms
    mu: torch.Tensor
    logvar: torch.Tensor
    kl_per_dim: torch.Tensor | None
    z: torch.Tensor | None = None
    log_weights: torch.Tensor | None = None


def mlp(in_dim: int, hidden_dims: tuple[int, ...], out_dim: int, activation: str = "tanh") -> nn.Sequential:
    """Linear layers of widths ``in_dim -> *hidden_dims -> out_dim`` with ``activation`` between them."""
    layers, width = [], in_dim
    for hidden in hidden_dims:
        layers += [nn.Linear(width, hidden), ACTIVATIONS[activation]()]
        width = hidden
    layers.append(nn.Linear(width, out_dim))
    return nn.Sequential(*layers)


def _generator(seed: int | None, generator: torch.Generator | None, device: torch.device) -> torch.Generator | None:
    if seed is not None:
        return torch.Generator(device=device).manual_seed(seed)
    return generator


class VAE(nn.Module):
    """A variational autoencoder with an MLP Gaussian encoder and an MLP Bernoulli or Gaussian decoder.

    Args:
        config: the sizes and likelihood (:class:`VAEConfig`).
        seed: if given, initialise the weights from this seed without touching the global RNG.

    Example:
        >>> model = VAE(VAEConfig(data_dim=64, latent_dim=2), seed=0)
        >>> model.elbo(torch.zeros(5, 64)).elbo.shape
        torch.Size([5])
    """

    requires_labels: ClassVar[bool] = False

    def __init__(self, config: VAEConfig | None = None, *, seed: int | None = None):
        super().__init__()
        self.config = config = config if config is not None else VAEConfig()
        with torch.random.fork_rng(devices=[], enabled=seed is not None):
            if seed is not None:
                torch.manual_seed(seed)
            self._build(config)

    def _build(self, config: VAEConfig) -> None:
        self.encoder = mlp(config.data_dim, config.hidden_dims, 2 * config.latent_dim, config.activation)
        self.decoder = mlp(config.latent_dim, config.hidden_dims, config.data_dim, config.activation)
        self._build_decoder_variance(config)
        self._build_prior(config)

    def _build_prior(self, config: VAEConfig) -> None:
        if config.prior == "mixture":
            self.mixture_prior = MixturePrior(config.prior_components, config.latent_dim)
        else:
            self.standard_normal_prior = StandardNormalPrior(config.latent_dim)  # no parameters, not saved

    def _build_decoder_variance(self, config: VAEConfig) -> None:
        if config.likelihood == "gaussian":
            logvar = torch.full((config.data_dim,), float(config.decoder_logvar))  # (data_dim,)
            if config.learn_decoder_variance:
                self.decoder_logvar = nn.Parameter(logvar)
            else:
                self.register_buffer("decoder_logvar", logvar)

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def _check_x(self, x: torch.Tensor) -> torch.Tensor:
        require_tensor("x", x, min_dim=2)
        if x.shape[-1] != self.config.data_dim:
            raise ValueError(f"x must have shape (B, {self.config.data_dim}), got {tuple(x.shape)}; "
                             f"flatten images to rows first")
        return x

    def _check_y(self, y) -> None:
        if y is not None:
            raise ValueError("this VAE is unconditional and takes no labels y; use ConditionalVAE for p(x|z, y)")

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        r"""The posterior :math:`q(z\mid x)`: its mean ``mu`` and log-variance ``logvar``, each ``(B, D)``."""
        self._check_y(y)
        mu, logvar = self.encoder(self._check_x(x)).chunk(2, dim=-1)  # (B, D) each
        return mu, logvar

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Decoder outputs for latents ``(..., D)``: Bernoulli logits or Gaussian means, ``(..., data_dim)``."""
        self._check_y(y)
        if z.dim() > 2:  # fold sample dims into the batch once, not in every layer: (L*B, D)
            return self.decoder(z.reshape(-1, z.shape[-1])).unflatten(0, z.shape[:-1])  # (..., data_dim)
        return self.decoder(z)

    def decoder_mean(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        r""":math:`\mathbb E[x\mid z]`: pixel probabilities :math:`\sigma(\ell)` or the Gaussian mean, ``(..., data_dim)``."""
        out = self.decode(z, y)
        return torch.sigmoid(out) if self.config.likelihood == "bernoulli" else out

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        r""":math:`\log p_\theta(x\mid z)` summed over pixels: ``x`` ``(B, data_dim)``, ``z`` ``(L, B, D)`` -> ``(L, B)``."""
        out = self.decode(z, y)  # (L, B, data_dim)
        if self.config.likelihood == "bernoulli":  # out is our decoder's own: only x needs checking
            return _bernoulli_log_likelihood(out, require_bernoulli_data("x", self._check_x(x)))
        return gaussian_log_likelihood(x, out, self.decoder_logvar)

    def latent_prior(self, y: torch.Tensor | None = None):
        """The prior :math:`p(z)`: an object with ``log_prob``, ``sample`` and ``kl_per_dim`` (:mod:`vaecourse.core.priors`)."""
        self._check_y(y)
        return self.mixture_prior if self.config.prior == "mixture" else self.standard_normal_prior

    @property
    def standard_prior(self) -> bool:
        """Whether :math:`p(z) = \\mathcal N(0, I)` (then the KL has the closed form of ``gaussian_kl``)."""
        return self.config.prior == "standard"

    def prior(self, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Mean and log-variance of a label-conditional Gaussian prior, or ``None`` (not a Gaussian of y)."""
        self._check_y(y)
        return None

    def log_prior(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        r""":math:`\log p(z)` summed over latent dimensions, shape ``z.shape[:-1]``."""
        return self.latent_prior(y).log_prob(z)

    def kl_per_dimension(self, mu: torch.Tensor, logvar: torch.Tensor, z: torch.Tensor | None = None,
                         y: torch.Tensor | None = None) -> torch.Tensor:
        r"""Per-example, per-dimension :math:`\mathrm{KL}(q(z_j\mid x)\,\|\,p(z_j))`, shape ``(B, D)``.

        The prior's closed form where it has one (``latent_prior(y).kl_per_dim``); for the mixture prior,
        a Monte Carlo estimate at the samples ``z`` ``(L, B, D)`` against each coordinate's marginal.
        """
        prior = self.latent_prior(y)
        per_dim = prior.kl_per_dim(mu, logvar)  # (B, D) or None
        if per_dim is not None:
            return per_dim
        if z is None:
            raise ValueError("the mixture prior's per-dimension KL is estimated at samples: pass z (L, B, D)")
        return prior.marginal_kl_per_dim(mu, logvar, z)  # (B, D)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None, *, num_samples: int = 1,
                beta: float = 1.0, eps: torch.Tensor | None = None, log_weights: bool = False,
                per_dim: bool = True) -> VAEOutput:
        r"""Encode, sample ``num_samples`` latents per example and score them: a :class:`VAEOutput`.

        :func:`~vaecourse.core.bounds.elbo_sample` (the ELBO and the importance weights, written once)
        with this model's decoder and prior:

        .. math:: z^{(\ell)} = \mu + e^{s/2}\odot\varepsilon^{(\ell)}, \qquad
                  \mathrm{ELBO}(x) \approx \frac1L\sum_\ell \log p_\theta(x\mid z^{(\ell)}) - \mathrm{KL}(q\,\|\,p)

        ``eps`` (shape ``(num_samples, B, D)``) fixes the noise; ``beta`` weights the KL in
        ``terms.objective`` only (``terms.elbo`` is always the true bound). ``log_weights=True`` also
        returns the importance log-weights of the samples (for the IWAE objective). The per-dimension
        KL comes free with a Gaussian prior's closed form; for the mixture prior it is an extra Monte
        Carlo estimate, which ``per_dim=False`` skips (``kl_per_dim`` is then ``None``).
        """
        require_positive_int("num_samples", num_samples)
        beta = require_nonnegative_float("beta", beta)
        mu, logvar = self.encode(x, y)  # (B, D) each
        if eps is not None and tuple(require_tensor("eps", eps).shape) != (num_samples, *mu.shape):
            raise ValueError(f"eps must have shape (num_samples, B, D) = {(num_samples, *mu.shape)}, "
                             f"got {tuple(eps.shape)}")
        sample = elbo_sample(lambda z: self.log_likelihood(x, z, y), mu, logvar, self.latent_prior(y),
                             num_samples=num_samples, eps=eps, beta=beta, log_weights=log_weights)
        kl_per_dim = sample.kl_per_dim  # (B, D), or None without a closed form
        if per_dim and kl_per_dim is None:
            kl_per_dim = self.kl_per_dimension(mu, logvar, sample.z, y)  # (B, D)
        return VAEOutput(terms=sample.terms, mu=mu, logvar=logvar, kl_per_dim=kl_per_dim, z=sample.z,
                         log_weights=sample.log_weights)

    def elbo(self, x: torch.Tensor, y: torch.Tensor | None = None, *, num_samples: int = 1,
             beta: float = 1.0, eps: torch.Tensor | None = None) -> ElboTerms:
        """The per-example :class:`~vaecourse.core.bounds.ElboTerms` of ``x`` (each ``(B,)``)."""
        return self.forward(x, y, num_samples=num_samples, beta=beta, eps=eps).terms

    @torch.no_grad()
    def sample(self, n: int, y: torch.Tensor | None = None, *, seed: int | None = None,
               generator: torch.Generator | None = None, mean: bool = True) -> torch.Tensor:
        """Generate ``n`` examples: draw :math:`z \\sim p(z)` and decode, shape ``(n, data_dim)``.

        ``mean=True`` returns :math:`\\mathbb E[x\\mid z]` (pixel probabilities: the usual picture);
        ``mean=False`` also samples :math:`x \\sim p(x\\mid z)`. Pass ``seed`` for reproducible draws.
        """
        require_positive_int("n", n)
        generator = _generator(seed, generator, self.device)
        z = self.latent_prior(y).sample(n, generator)  # (n, D)
        expected = self.decoder_mean(z, y)  # (n, data_dim)
        if mean:
            return expected
        if self.config.likelihood == "bernoulli":
            return torch.bernoulli(expected, generator=generator)
        noise = torch.randn(expected.shape, generator=generator, device=expected.device)
        return expected + torch.exp(0.5 * self.decoder_logvar) * noise

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        r"""Decode the posterior mean: :math:`\mathbb E[x \mid z=\mu_\phi(x)]`, shape ``(B, data_dim)``."""
        mu, _ = self.encode(x, y)
        return self.decoder_mean(mu, y)
