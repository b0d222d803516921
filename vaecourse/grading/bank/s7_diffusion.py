"""Session 7 exercises: the forward diffusion sample, the alpha-bar schedule, the signal left after T steps, VAE vs diffusion."""

from __future__ import annotations

import math

import torch

from ..compare import records_agree
from ..exercise import ChoiceExercise, FunctionExercise, Mistake, ValueExercise
from ..noise_predicates import noise_ignored
from ..observe import Case, as_floats
from . import _draw

# --- forward diffusion sample -------------------------------------------------------------------


def _forward_reference(x0, alpha_bar, eps):
    a = alpha_bar[:, None]  # (B, 1): one noise level per example
    return a.sqrt() * x0 + (1 - a).sqrt() * eps  # (B, D)


def _forward_cases(seed: int) -> list[Case]:
    g = _draw.generator(7001)
    levels = torch.tensor([0.9, 0.5, 0.1, 1.0])
    cases = [
        Case(
            "fixed-1",
            "fixed",
            (_draw.normal(g, 4, 3), levels, _draw.normal(g, 4, 3)),
            "a fixed batch of 4 examples with 3 features",
        ),
        Case(
            "fixed-square",
            "fixed",
            (_draw.normal(g, 4, 4), torch.tensor([0.99, 0.7, 0.3, 0.05]), _draw.normal(g, 4, 4)),
            "a fixed batch of 4 examples with 4 features",
        ),
    ]
    # eps = 0 and eps = 1 read the answer's two parts apart: the signal term, and the noise's coefficient
    x0, levels = _draw.normal(g, 4, 3), torch.tensor([0.8, 0.4, 0.15, 0.6])
    cases += [
        # no gradient to eps where eps = 0: the values there cannot tell whether eps is used at all
        Case("noise-0", "fixed", (x0, levels, torch.zeros(4, 3)), "a fixed batch of 4 examples with 3 features and every eps = 0", grad_args=(0,)),
        Case("noise-1", "fixed", (x0, levels, torch.ones(4, 3)), "the same batch with every eps = 1"),
    ]
    g = _draw.generator(seed)
    b = _draw.integer(g, 2, 6)
    d = _draw.integer(g, 2, 7, avoid=(b,))
    args = (_draw.normal(g, b, d), _draw.uniform(g, b, low=0.01, high=0.99), _draw.normal(g, b, d))
    cases.append(Case("random-1", "random", args, f"a random batch of {b} examples with {d} features"))
    return cases


def _draws_own_noise(student, reference, cases) -> bool:
    """The given eps does not decide x_t, and noise enters anyway: two equal calls differ, or eps = 0 and eps = 1
    give the same output, which differs from the noise-free one by more than a multiple of x0 in some row (an answer
    with no noise term and a wrong coefficient on x0 is another mistake)."""
    if not noise_ignored(student, reference, cases):
        return False
    if any(s.get("deterministic") is False for s in student):
        return True
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    case = next((c for c in cases if c.name == "noise-0"), None)
    s0, r0 = s_by.get("noise-0"), r_by.get("noise-0")
    got = as_floats(s0["value"]) if s0 and "raised" not in s0 else None
    want = as_floats(r0["value"]) if r0 and "raised" not in r0 else None
    if case is None or got is None or want is None or len(got) != len(want):
        return False
    x0 = case.args[0].double()
    r = torch.tensor(got, dtype=torch.float64).reshape(x0.shape) - torch.tensor(want, dtype=torch.float64).reshape(x0.shape)
    c = (r * x0).sum(-1, keepdim=True) / (x0 * x0).sum(-1, keepdim=True)  # (B, 1): each row's best multiple of x0
    return not bool(torch.allclose(c * x0, r, rtol=1e-4, atol=1e-5))


_FWD = "s7-forward-process"
FORWARD_MISTAKES = (
    Mistake(
        "diffusion_no_sqrt",
        "alpha_bar itself where its square root belongs",
        "q(x_t | x_0) = N(sqrt(alpha_bar) x_0, (1 - alpha_bar) I): the coefficients are the square roots, so that the variance of x_t stays 1 for unit-variance data. "
        "Without them the noised data shrink toward zero variance in the middle of the schedule, and the network is "
        "trained on inputs it never sees when sampling.",
        _FWD,
        # Ryota-Kawamura/How-Diffusion-Models-Work#1: the square root on the signal only
        variants=(
            lambda x0, a, e: a[:, None] * x0 + (1 - a[:, None]) * e,
            lambda x0, a, e: a[:, None].sqrt() * x0 + (1 - a[:, None]) * e,
            lambda x0, a, e: a[:, None] * x0 + (1 - a[:, None]).sqrt() * e,
        ),
    ),
    Mistake(
        "diffusion_noise_subtracted",
        "the noise subtracted instead of added",
        "With eps given, x_t = sqrt(alpha_bar) x_0 + sqrt(1 - alpha_bar) eps exactly: the noise is added. Subtracting it "
        "draws from the same distribution, but the network is trained to predict the eps that was added, so its target "
        "has the wrong sign.",
        _FWD,
        variants=(lambda x0, a, e: a[:, None].sqrt() * x0 - (1 - a[:, None]).sqrt() * e,),
    ),
    Mistake(
        "diffusion_noise_dropped",
        "the noise term left out",
        "x_t = sqrt(alpha_bar) x_0 + sqrt(1 - alpha_bar) eps: without the second term x_t is the shrunk data alone, "
        "the same for every eps, and the network would learn to denoise inputs that carry no noise.",
        _FWD,
        variants=(lambda x0, a, e: a[:, None].sqrt() * x0,),
    ),
    Mistake(
        "diffusion_signal_not_scaled",
        "x0 not scaled by sqrt(alpha_bar)",
        "The data's coefficient is sqrt(alpha_bar), which shrinks x_0 as the noise grows so that the variance of x_t "
        "stays 1; x_0 + sqrt(1 - alpha_bar) eps only adds noise, and at the last step it is still the data plus noise.",
        _FWD,
        variants=(lambda x0, a, e: x0 + (1 - a[:, None]).sqrt() * e,),
    ),
    Mistake(
        "diffusion_alpha_bar_as_root",
        "alpha_bar used as if it were its square root",
        "The argument is alpha_bar itself; the data's coefficient is its square root, sqrt(alpha_bar), and the noise's "
        "sqrt(1 - alpha_bar). Using alpha_bar as the coefficient (and sqrt(1 - alpha_bar^2) for the noise) treats it as "
        "sqrt(alpha_bar): a sample from another noise level.",
        _FWD,
        variants=(lambda x0, a, e: a[:, None] * x0 + (1 - a[:, None] ** 2).sqrt() * e,),
    ),
    Mistake(
        "diffusion_swapped",
        "the two coefficients are swapped",
        "The data keeps the weight sqrt(alpha_bar) (close to 1 at small t) and the noise gets sqrt(1 - alpha_bar).",
        _FWD,
        variants=(lambda x0, a, e: (1 - a[:, None]).sqrt() * x0 + a[:, None].sqrt() * e,),
    ),
    # labmlai/annotated_deep_learning_paper_implementations (a reader's variant: sqrt_1m_alpha_bar = alpha_bar ** .5)
    Mistake(
        "diffusion_noise_takes_signal_coefficient",
        "the noise scaled by the data's coefficient",
        "The noise's coefficient is sqrt(1 - alpha_bar), not sqrt(alpha_bar) (or alpha_bar): the two weights differ, so "
        "that their squares add up to 1. With the data's weight on the noise, x_t at small t (alpha_bar near 1) is the "
        "data plus almost unit noise, and at large t the noise vanishes with the data.",
        _FWD,
        variants=(
            lambda x0, a, e: a[:, None].sqrt() * x0 + a[:, None].sqrt() * e,
            lambda x0, a, e: a[:, None].sqrt() * x0 + a[:, None] * e,
        ),
    ),
    Mistake(
        "diffusion_coefficients_sum_to_one",
        "coefficients that sum to 1 instead of squares that sum to 1",
        "sqrt(alpha_bar) x_0 + (1 - sqrt(alpha_bar)) eps mixes like an average; the variances must add up: (sqrt(alpha_bar))^2 + (sqrt(1 - alpha_bar))^2 = 1.",
        _FWD,
        variants=(lambda x0, a, e: a[:, None].sqrt() * x0 + (1 - a[:, None].sqrt()) * e,),
    ),
    # blt2114/twisted_diffusion_sampler#3: scale = sqrt(1 - alpha_bar) * x_start.
    Mistake(
        "diffusion_noise_times_x0",
        "the noise's scale multiplied by x0",
        "The noise of q(x_t | x_0) has standard deviation sqrt(1 - alpha_bar), the same for every x0: it is added, "
        "sqrt(1 - alpha_bar) * eps, not multiplied by the data.",
        _FWD,
        variants=(lambda x0, a, e: a[:, None].sqrt() * x0 + (1 - a[:, None]).sqrt() * x0 * e,),
    ),
    # jcwang-gh/classifier-free-diffusion-guidance-Pytorch#12: var = 1 - sqrt(alpha_bar).
    Mistake(
        "diffusion_wrong_noise_scale",
        "the noise variance 1 - sqrt(alpha_bar) instead of 1 - alpha_bar",
        "q(x_t | x_0) has variance 1 - alpha_bar, so that the signal's variance alpha_bar and the noise's add to 1; "
        "1 - sqrt(alpha_bar) mixes the standard deviation of one with the variance of the other.",
        _FWD,
        variants=(lambda x0, a, e: a[:, None].sqrt() * x0 + (1 - a[:, None].sqrt()).sqrt() * e,),
    ),
    Mistake(
        "diffusion_ignores_eps",
        "the given eps ignored (fresh noise drawn)",
        "The eps passed in does not decide your x_t: eps = 0 and eps = 1 gave the same output, or two equal calls gave "
        "different ones (your function draws its own noise, e.g. torch.randn_like(x0)). The training loss compares the "
        "network's prediction with the eps that made x_t, so x_t must be built from the given eps.",
        _FWD,
        variants=(lambda x0, a, e: a[:, None].sqrt() * x0 + (1 - a[:, None]).sqrt() * torch.randn_like(x0),),
        predicate=_draws_own_noise,
    ),
    Mistake(
        "diffusion_broadcast_over_features",
        "alpha_bar broadcast along the features instead of the examples",
        "alpha_bar has one value per example, shape (B,). Multiplied with x0 of shape (B, D) it is aligned with the last "
        "axis, the features: an error when B != D, and silently wrong values when B == D. Reshape it to (B, 1) with alpha_bar[:, None].",
        _FWD,
        variants=(lambda x0, a, e: a.sqrt() * x0 + (1 - a).sqrt() * e,),
    ),
)

# --- the schedule -------------------------------------------------------------------------------


def _alpha_bar_reference(betas):
    return torch.cumprod(1 - betas, dim=0)  # (T,)


def _schedule_cases(seed: int) -> list[Case]:
    cases = [
        Case("fixed-1", "fixed", (torch.linspace(0.05, 0.3, 6),), "a fixed increasing schedule of 6 betas"),
        Case("fixed-constant", "fixed", (torch.full((4,), 0.1),), "a fixed constant schedule of 4 betas"),
    ]
    g = _draw.generator(seed)
    t = _draw.integer(g, 5, 30)
    cases.append(
        Case(
            "random-1", "random", (_draw.uniform(g, t, low=0.001, high=0.2),), f"{t} random betas between 0.001 and 0.2"
        )
    )
    return cases


def _only_entry_differs(index: int):
    """A predicate: on every ordinary case the answer has the reference's shape (T,) and differs from it at
    ``index`` (0: the first step, -1: the last) and nowhere else."""

    def one_entry_off(student, reference, cases) -> bool:
        by_name, r_by, seen = {c.name: c for c in cases}, {r["case"]: r for r in reference}, 0
        for s in student:
            case = by_name[s["case"]]
            if case.kind not in ("fixed", "random") or "raised" in s:
                return False
            got, want = as_floats(s["value"]), as_floats(r_by[s["case"]]["value"])
            if got is None or want is None or len(got) != len(want) or len(want) < 2:
                return False
            near = [abs(a - b) <= 10 * (case.atol + case.rtol * abs(b)) for a, b in zip(got, want)]
            if near[index] or not all(near[:index] + near[index + 1:] if index >= 0 else near[:index]):
                return False
            seen += 1
        return seen > 0

    return one_entry_off


def _first_set_to_one(b):
    out = torch.cumprod(1 - b, dim=0)
    return torch.cat([torch.ones(1, dtype=b.dtype), out[1:]])


SCHEDULE_MISTAKES = (
    # public GitHub noise-schedule class (held-out set 4): alphas_cumprod = cumsum(log alphas).exp(); alphas_cumprod[0] = 1.0
    Mistake(
        "alpha_bar_first_step_changed",
        "the first step's alpha_bar replaced (by 1), the others right",
        "alpha_bar_1 = 1 - beta_1: the first step already adds noise. Your first value differs from it (set to 1, as "
        "if step 1 were the clean data x_0) while every later value is right. The value 1 belongs to t = 0, which the "
        "schedule of T values, one per step t = 1..T, does not include: return torch.cumprod(1 - betas, 0) unchanged.",
        _FWD,
        variants=(_first_set_to_one,),
        predicate=_only_entry_differs(0),
    ),
    Mistake(
        "alpha_bar_last_step_changed",
        "a terminal value forced onto alpha_bar_T (e.g. 0 for zero terminal SNR)",
        "alpha_bar_T = prod_{s<=T} (1 - beta_s) like every other step. Your last value differs from it while every "
        "earlier one is right: a terminal value forced by hand (0 for a 'zero terminal SNR', or a clamp) changes the "
        "schedule asked for; return torch.cumprod(1 - betas, 0) unchanged.",
        _FWD,
        predicate=_only_entry_differs(-1),
    ),
    Mistake(
        "alpha_bar_cumsum",
        "a cumulative sum of the betas instead of a product",
        "Noise composes multiplicatively: alpha_bar_t = prod_{s<=t} (1 - beta_s). 1 - sum(beta) and exp(-sum(beta)) agree "
        "with it only to first order in beta; 1 - sum(beta) turns negative for long schedules.",
        _FWD,
        variants=(lambda b: 1 - torch.cumsum(b, 0), lambda b: torch.exp(-torch.cumsum(b, 0))),
    ),
    Mistake(
        "alpha_bar_complement",
        "1 - alpha_bar instead of alpha_bar",
        "1 - alpha_bar_t is the variance of the noise in x_t; alpha_bar_t = prod_{s<=t} (1 - beta_s) is the signal's "
        "share, close to 1 at the first steps and falling towards 0.",
        _FWD,
        variants=(lambda b: 1 - torch.cumprod(1 - b, 0),),
    ),
    Mistake(
        "alpha_bar_final_only",
        "only the last alpha_bar instead of the whole schedule",
        "The schedule has one alpha_bar_t per step t = 1..T, shape (T,): the running product torch.cumprod, not the "
        "product of all the factors (torch.prod), which is only alpha_bar_T.",
        _FWD,
        variants=(lambda b: torch.prod(1 - b),),
    ),
    Mistake(
        "alpha_bar_of_betas",
        "the product of the betas instead of (1 - beta)",
        "alpha_t = 1 - beta_t is the signal kept at step t; alpha_bar multiplies the alphas, not the betas.",
        _FWD,
        variants=(lambda b: torch.cumprod(b, 0),),
    ),
    Mistake(
        "alpha_bar_not_cumulative",
        "alpha_t instead of alpha_bar_t",
        "Your values are 1 - beta_t for each step alone; q(x_t | x_0) needs the product over all steps up to t.",
        _FWD,
        variants=(lambda b: 1 - b,),
    ),
    Mistake(
        "alpha_bar_shifted",
        "the product shifted by one step",
        "alpha_bar_1 = 1 - beta_1 already includes the first step, and the schedule has one value per beta, t = 1..T. "
        "Your values start at 1 (the t = 0 of clean data) and lag one step behind, or skip alpha_bar_1 and lead one step "
        "ahead; with the extra value kept (or the first dropped) you return T + 1 (or T - 1) values.",
        _FWD,
        variants=(
            lambda b: torch.cat([torch.ones(1, dtype=b.dtype), torch.cumprod(1 - b, 0)[:-1]]),
            lambda b: torch.cat([torch.ones(1, dtype=b.dtype), torch.cumprod(1 - b, 0)]),  # (T + 1,)
            lambda b: torch.cumprod(1 - b, 0)[1:],  # (T - 1,)
        ),
    ),
)

# --- values and choices --------------------------------------------------------------------------


def _signal(beta=0.02, steps=100, root=True) -> float:
    alpha_bar = torch.cumprod(torch.full((steps,), 1 - beta, dtype=torch.float64), 0)[-1].item()
    return math.sqrt(alpha_bar) if root else alpha_bar


# --- mistakes only the practice variants meet (vaecourse.practice.skills_diffusion) -----------------

PRACTICE_MISTAKES = (
    Mistake(
        "diffusion_std_for_variance",
        "the standard deviation sqrt(1 - alpha_bar) given as the variance",
        "q(x_t | x_0) = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I): the variance is 1 - alpha_bar_t; its square "
        "root is the coefficient of the noise.",
        _FWD,
        behaviour="sqrt(1 - alpha_bar_t) as the variance of q(x_t | x_0)",
    ),
)

EXERCISES = (
    FunctionExercise(
        id="forward_diffusion_sample",
        session="s7",
        title="a sample from the forward process q(x_t | x_0)",
        section=_FWD,
        reference=_forward_reference,
        make_cases=_forward_cases,
        params=("x0", "alpha_bar", "eps"),
        returns="a tensor of shape (B, D)",
        differentiable=(0, 2),  # x0 (an encoder's output in latent diffusion) and eps; alpha_bar is a schedule constant
        mistakes=FORWARD_MISTAKES,
        hints=(
            "x_t = sqrt(alpha_bar) * x0 + sqrt(1 - alpha_bar) * eps, with one alpha_bar per example.",
            "alpha_bar has shape (B,): give it shape (B, 1) before multiplying with (B, D) tensors.",
        ),
    ),
    FunctionExercise(
        id="alpha_bar_schedule",
        session="s7",
        title="alpha_bar from a beta schedule",
        section=_FWD,
        reference=_alpha_bar_reference,
        make_cases=_schedule_cases,
        params=("betas",),
        returns="a tensor of shape (T,)",
        mistakes=SCHEDULE_MISTAKES,
        hints=("alpha_bar_t = prod_{s=1}^{t} (1 - beta_s): look up torch.cumprod.",),
    ),
    ValueExercise(
        id="signal_left_value",
        session="s7",
        title="the signal coefficient after 100 steps",
        section=_FWD,
        expected=_signal,
        mistakes=(
            Mistake(
                "signal_reported_alpha_bar",
                "alpha_bar instead of its square root",
                "The coefficient of x_0 in x_t is sqrt(alpha_bar_T); alpha_bar_T is its square (the signal's variance).",
                _FWD,
                variants=(lambda: _signal(root=False),),
            ),
            Mistake(
                "signal_single_step",
                "one step instead of all 100",
                "alpha_bar_T multiplies (1 - beta) over all T = 100 steps.",
                _FWD,
                variants=(lambda: _signal(steps=1),),
            ),
            Mistake(
                "signal_noise_coefficient",
                "the noise coefficient instead of the signal's",
                "sqrt(1 - alpha_bar_T) multiplies the noise; the question asks for the coefficient of x_0.",
                _FWD,
                variants=(lambda: math.sqrt(1 - _signal(root=False)),),
            ),
            Mistake(
                "step_index_off_by_one",
                "off by one in the diffusion step index",
                "Steps are numbered t = 1..T and tensors from 0: the alpha_bar of step t is alphas_bar[t - 1]. Using "
                "alphas_bar[t] noises every example one step too much and fails with an IndexError at t = T; a product "
                "over T - 1 or T + 1 steps is the same mistake.",
                _FWD,
                variants=(lambda: _signal(steps=99), lambda: _signal(steps=101)),
            ),
        ),
        hints=("With a constant beta, alpha_bar_T = (1 - beta)^T; the coefficient of x_0 is its square root.",),
    ),
    ChoiceExercise(
        id="vae_vs_diffusion_choice",
        session="s7",
        title="what a DDPM learns",
        section="s7-vae-vs-diffusion",
        options={
            "a": "Both the encoder q(x_t | x_{t-1}) and the decoder, like a VAE.",
            "b": "Only the reverse (decoder) steps p_theta(x_{t-1} | x_t); the encoder is a fixed noising process.",
            "c": "Only the encoder; sampling runs the forward process backwards in closed form.",
            "d": "One network that maps pure noise to data in a single step, like a VAE decoder.",
        },
        correct=frozenset("b"),
        mistakes=(
            Mistake(
                "diffusion_learns_encoder",
                "the forward process taken as learned",
                "The forward process only adds Gaussian noise on a fixed schedule; it has no parameters, which is why q(x_t|x_0) has a closed form.",
                "s7-vae-vs-diffusion",
                choices=frozenset("a"),
            ),
            Mistake(
                "diffusion_reverse_analytic",
                "the reverse process taken as analytic",
                "The reverse conditional q(x_{t-1}|x_t) depends on the unknown data distribution; it is what the network learns.",
                "s7-diffusion-elbo",
                choices=frozenset("c"),
            ),
            Mistake(
                "diffusion_single_step",
                "diffusion taken as a one-step decoder",
                "Sampling runs the learned reverse step T times, which is why diffusion sampling is slower than a VAE's.",
                "s7-ddpm",
                choices=frozenset("d"),
            ),
        ),
        hints=("Which distributions in a DDPM have parameters?",),
    ),
)
