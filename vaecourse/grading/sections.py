"""The course's sessions and book sections that the checker's feedback points learners to."""

from __future__ import annotations

import os
from dataclasses import dataclass

BOOK_URL_ENV = "VAECOURSE_BOOK_URL"
"""If set (e.g. ``https://example.org/vae-course/``), links in feedback start with it."""


@dataclass(frozen=True)
class Session:
    """One session of the course: its key (``"s4"``), number, title, book page and exercise notebook."""

    key: str
    number: int
    title: str
    page: str  # the book page without suffix, relative to the repository (and site) root
    notebook: str  # the student edition of the graded exercises, relative to the repository root

    @property
    def source_notebook(self) -> str:
        """The instructor edition (with solutions) from which the student edition is generated."""
        folder, name = self.notebook.rsplit("/", 1)
        return f"{folder}/source/{name}"


SESSIONS: dict[str, Session] = {
    s.key: s
    for s in (
        Session("s1", 1, "Bayes refresher", "book/s1_bayes/bayes_refresher", "exercises/s1_bayes.ipynb"),
        Session("s2", 2, "The ELBO", "book/s2_elbo/elbo", "exercises/s2_elbo.ipynb"),
        Session(
            "s3",
            3,
            "The reparameterization trick",
            "book/s3_reparameterization/reparameterization",
            "exercises/s3_reparameterization.ipynb",
        ),
        Session("s4", 4, "Gaussian KL", "book/s4_gaussian_kl/gaussian_kl", "exercises/s4_gaussian_kl.ipynb"),
        Session("s5", 5, "VAEs in practice", "book/s5_practice/vaes_in_practice", "exercises/s5_practice.ipynb"),
        Session("s6", 6, "Posterior collapse", "book/s6_collapse/posterior_collapse", "exercises/s6_collapse.ipynb"),
        Session(
            "s7", 7, "The bridge to diffusion", "book/s7_diffusion/diffusion_bridge", "exercises/s7_diffusion.ipynb"
        ),
        Session(
            "s8", 8, "Capstone: build and train your own VAE", "book/s4_gaussian_kl/vae_from_scratch",
            "exercises/s8_capstone.ipynb",
        ),
    )
}

CAPSTONE = "s8"
"""The capstone session: graded like the others, with no practice variants of its own."""

# Every section label the feedback may cite, with the topic it covers (labels are fixed by the course).
SECTION_TOPICS: dict[str, str] = {
    "s1-latent-variable-models": "latent-variable models and the evidence",
    "s1-conjugate-example": "a conjugate example: the exact posterior",
    "s1-monte-carlo": "Monte Carlo estimates and their standard error",
    "s1-kl-divergence": "KL divergence basics",
    "s2-elbo-derivation": "deriving the ELBO",
    "s2-elbo-decomposition": "reconstruction minus KL",
    "s2-tightness": "when the bound is tight",
    "s2-amortized-inference": "amortized inference",
    "s3-why-sampling-blocks-gradients": "why sampling blocks gradients",
    "s3-score-function": "the score-function estimator",
    "s3-reparameterization": "the reparameterization trick",
    "s3-sgvb": "the SGVB estimator",
    "s3-discrete-latents": "discrete latents",
    "s4-closed-form-kl": "the closed-form Gaussian KL",
    "s4-log-variance": "the log-variance parameterization",
    "s4-reductions": "reductions: sum over dimensions, one value per example",
    "s4-likelihoods": "likelihoods from logits and squared error",
    "s4-first-vae": "the first complete VAE",
    "s4-vae-from-scratch": "a VAE written out in plain PyTorch",
    "s5-generation": "generation",
    "s5-interpolation": "latent interpolation",
    "s5-evaluation": "evaluation: importance-sampled log-likelihood and the reported ELBO",
    "s5-conditional-vae": "the conditional VAE",
    "s5-anomaly-detection": "anomaly detection",
    "s5-iwae": "the IWAE bound",
    "s6-posterior-collapse": "posterior collapse",
    "s6-measuring-collapse": "measuring collapse: active units and mutual information",
    "s6-mitigations": "mitigations",
    "s6-kl-annealing": "KL annealing",
    "s6-free-bits": "free bits",
    "s6-beta-vae": "the beta-VAE",
    "s7-hierarchical": "hierarchical latent-variable models",
    "s7-forward-process": "the forward (noising) process",
    "s7-diffusion-elbo": "the diffusion ELBO",
    "s7-ddpm": "DDPM",
    "s7-vae-vs-diffusion": "VAE versus diffusion",
}


# Sessions whose material spans two pages: labels that live on a page other than the session's first.
# The refreshers of what the course assumes, outside the sessions: label -> (topic, page). The entry
# diagnostic points to them, and the catalogue's mistakes of prerequisites cite them.
PREREQUISITE_SECTIONS: dict[str, tuple[str, str]] = {
    "notation": ("notation", "book/notation"),
    "pytorch-tensors": ("tensors, shapes and reductions", "book/pytorch_refresher"),
    "pytorch-autograd": ("autograd", "book/pytorch_refresher"),
    "pytorch-training-loop": ("the training loop", "book/pytorch_refresher"),
}

SECTION_PAGES: dict[str, str] = {
    "s5-evaluation": "book/s5_practice/iwae",
    "s5-iwae": "book/s5_practice/iwae",
    "s6-beta-vae": "book/s6_collapse/beta_vae",
    "s4-vae-from-scratch": "book/s4_gaussian_kl/vae_from_scratch",
}


def section_page(label: str) -> str:
    """The book page (without suffix, relative to the site root) that holds the section ``label``."""
    return SECTION_PAGES.get(label) or session_of_label(label).page


def session_of_label(label: str) -> Session:
    """The session whose page holds ``label`` (labels start with the session key, e.g. ``s4-``)."""
    if label not in SECTION_TOPICS:
        raise KeyError(f"unknown section label {label!r}; known labels: {', '.join(SECTION_TOPICS)}")
    return SESSIONS[label.split("-", 1)[0]]


def section_url(label: str) -> str:
    """Where the section lives in the built book: ``book/.../page.html#label`` (relative to the site root).

    Jupyter Book 1.x gives each labelled heading an HTML anchor equal to the label. With the
    environment variable ``VAECOURSE_BOOK_URL`` set, the link is absolute.
    """
    url = f"{section_page(label)}.html#{label}"
    base = os.environ.get(BOOK_URL_ENV, "").strip()
    return f"{base.rstrip('/')}/{url}" if base else url


def section_reference(label: str) -> str:
    """A one-line pointer for feedback, e.g. ``Session 4, section s4-log-variance (the log-...): URL``."""
    session = session_of_label(label)
    return f"Session {session.number}, section {label} ({SECTION_TOPICS[label]}): {section_url(label)}"
