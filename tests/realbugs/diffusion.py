"""Real answers for Session 7: ``forward_diffusion_sample(x0, alpha_bar, eps)`` and ``alpha_bar_schedule(betas)``.

x_t = sqrt(alpha_bar) x0 + sqrt(1 - alpha_bar) eps with one alpha_bar per example (shape (B,));
alpha_bar_t = prod_{s <= t} (1 - beta_s).
"""

import numpy as np
import torch

from . import bug, correct

# --- forward sample ---------------------------------------------------------------------------------


@bug(
    "forward_diffusion_sample",
    "Ryota-Kawamura/How-Diffusion-Models-Work#1 (L2_Training.ipynb perturb_input): "
    "ab_t.sqrt()[t, None, None, None] * x + (1 - ab_t[t, None, None, None]) * noise",
    "the noise coefficient lacks its square root: (1 - alpha_bar) where sqrt(1 - alpha_bar) belongs",
    expect=("diffusion_no_sqrt",),
)
def fwd_how_diffusion_models_work(x0, alpha_bar, eps):
    return alpha_bar.sqrt()[:, None] * x0 + (1 - alpha_bar[:, None]) * eps


@bug(
    "forward_diffusion_sample",
    "acids-ircam/diffusion_models#1 (diffusion_02_model.ipynb forward_process): the noise multiplied by beta, not sqrt(beta); "
    "written for the closed form q(x_t | x_0)",
    "the variance (1 - alpha_bar) used as the noise's standard deviation, and alpha_bar as the data's",
    expect=("diffusion_no_sqrt",),
)
def fwd_acids_variance_as_std(x0, alpha_bar, eps):
    a = alpha_bar.reshape(-1, 1)
    return a * x0 + (1 - a) * eps


@bug(
    "forward_diffusion_sample",
    "blt2114/twisted_diffusion_sampler#3 (smc_diffusion.py q_sample): scale = sqrt_one_minus_alphas_cumprod[t] * x_start",
    "the noise's standard deviation multiplied by x0: x_t = sqrt(a) x0 + sqrt(1 - a) x0 eps",
    # proposed: diffusion_noise_times_x0
    expect=("diffusion_noise_times_x0",),
)
def fwd_twisted_scale_times_x0(x0, alpha_bar, eps):
    loc = alpha_bar.sqrt()[:, None] * x0
    scale = (1 - alpha_bar).sqrt()[:, None] * x0
    return loc + scale * eps


@bug(
    "forward_diffusion_sample",
    "jcwang-gh/classifier-free-diffusion-guidance-Pytorch#12 (diffusion.py line 84): var = 1.0 - sqrt_alphas_bar",
    "1 - sqrt(alpha_bar) taken as the variance of q(x_t | x_0): the noise scale is sqrt(1 - sqrt(alpha_bar))",
    # proposed: diffusion_wrong_noise_scale
    expect=("diffusion_wrong_noise_scale", "diffusion_coefficients_sum_to_one"),
)
def fwd_cfg_variance_one_minus_sqrt(x0, alpha_bar, eps):
    sqrt_alphas_bar = alpha_bar.sqrt()[:, None]
    var = 1.0 - sqrt_alphas_bar
    return sqrt_alphas_bar * x0 + var.sqrt() * eps


@bug(
    "forward_diffusion_sample",
    "DSaurus/threestudio-3dgs#17 (threestudio stable_diffusion_guidance.py, fixed by threestudio PR #399): "
    "alpha = self.alphas[t] ** 0.5 used on (B, ...) latents without .view(-1, 1, 1, 1)",
    "alpha_bar of shape (B,) broadcast along the last (feature) axis: an error when B != D, silently wrong when B == D",
    expect=("diffusion_broadcast_over_features",),
)
def fwd_threestudio_no_view(x0, alpha_bar, eps):
    alpha = alpha_bar**0.5
    sigma = (1 - alpha_bar) ** 0.5
    return alpha * x0 + sigma * eps


@bug(
    "forward_diffusion_sample",
    "IrisRainbowNeko/HCP-Diffusion#82 (sampler/base.py: d_alpha, d_sigma of shape [batch_size] multiplied with x_0 and eps)",
    "the per-example coefficients are not reshaped to (B, 1): they line up with the features",
    expect=("diffusion_broadcast_over_features",),
)
def fwd_hcp_diffusion_flat_coefficients(x0, alpha_bar, eps):
    d_alpha, d_sigma = torch.sqrt(alpha_bar), torch.sqrt(1 - alpha_bar)
    return d_alpha * x0 + d_sigma * eps


@bug(
    "forward_diffusion_sample",
    "juraam/stable-diffusion-from-scratch#3 (noise scale written beta_t, should be sqrt(beta_t)), for q(x_t | x_0)",
    "the noise's coefficient (1 - alpha_bar) without the square root",
    expect=("diffusion_no_sqrt",),
)
def fwd_juraam_noise_no_sqrt(x0, alpha_bar, eps):
    a = alpha_bar[:, None]
    return a.sqrt() * x0 + (1 - a) * eps


@correct("forward_diffusion_sample", "matthieuml/GGSP src/ggsp/models/noiser.py (q_sample with extract-ed sqrt tables)")
def fwd_ok_ggsp(x0, alpha_bar, eps):
    sqrt_alphas_cumprod_t = alpha_bar.sqrt().reshape(-1, *([1] * (x0.dim() - 1)))
    sqrt_one_minus_alphas_cumprod_t = (1.0 - alpha_bar).sqrt().reshape(-1, *([1] * (x0.dim() - 1)))
    return sqrt_alphas_cumprod_t * x0 + sqrt_one_minus_alphas_cumprod_t * eps


@correct("forward_diffusion_sample", "hojonathanho/diffusion / lucidrains extract(): coefficients reshaped to (B, 1, ...)")
def fwd_ok_extract(x0, alpha_bar, eps):
    shape = (x0.shape[0],) + (1,) * (x0.dim() - 1)
    sqrt_ab = alpha_bar.sqrt().reshape(shape)
    sqrt_1m_ab = (1.0 - alpha_bar).sqrt().reshape(shape)
    return sqrt_ab * x0 + sqrt_1m_ab * eps


@correct("forward_diffusion_sample", "Ryota-Kawamura/How-Diffusion-Models-Work#1, the corrected line: (1 - ab_t[t, None]).sqrt() * noise")
def fwd_ok_how_diffusion_fixed(x0, alpha_bar, eps):
    return alpha_bar.sqrt()[:, None] * x0 + (1 - alpha_bar[:, None]).sqrt() * eps


@correct(
    "forward_diffusion_sample",
    "Janspiry/Image-Super-Resolution-via-Iterative-Refinement#135 q_sample: c * x_start + (1 - c**2).sqrt() * noise",
)
def fwd_ok_sr3(x0, alpha_bar, eps):
    continuous_sqrt_alpha_cumprod = alpha_bar.sqrt().view(-1, 1)
    return continuous_sqrt_alpha_cumprod * x0 + (1 - continuous_sqrt_alpha_cumprod**2).sqrt() * eps


# --- the schedule -----------------------------------------------------------------------------------


@bug(
    "alpha_bar_schedule",
    "LuChengTHU/dpm-solver#13 (dpm_solver.py#L49, fixed in 6620984): alphas_cumprod = cumprod(betas)",
    "the product of the betas instead of the product of (1 - beta)",
    expect=("alpha_bar_of_betas",),
)
def sched_dpm_solver_cumprod_betas(betas):
    return torch.cumprod(betas, dim=0)


@bug(
    "alpha_bar_schedule",
    "yang-song/score_sde_pytorch#73 (alpha_i = 1 - beta_i used where prod_j (1 - beta_j) is meant)",
    "the per-step alpha_t = 1 - beta_t returned, no cumulative product",
    expect=("alpha_bar_not_cumulative",),
)
def sched_score_sde_no_cumprod(betas):
    return 1.0 - betas


@correct("alpha_bar_schedule", "JAYANDJEAN/learning_manim 04_diffusion_model/09_image_process.py (np.cumprod(1 - betas))")
def sched_ok_numpy_cumprod(betas):
    alphas = 1 - betas.detach().cpu().numpy()
    return torch.as_tensor(np.cumprod(alphas), dtype=betas.dtype)


@correct(
    "alpha_bar_schedule",
    "hojonathanho/diffusion diffusion_utils.py (alphas_cumprod = np.cumprod(1. - betas, axis=0) in float64), written in torch",
)
def sched_ok_float64(betas):
    return torch.cumprod(1.0 - betas.double(), dim=0).to(betas.dtype)


@correct("alpha_bar_schedule", "huggingface/diffusers DDPMScheduler: alphas = 1.0 - betas; torch.cumprod(alphas, dim=0)")
def sched_ok_diffusers(betas):
    alphas = 1.0 - betas
    return torch.cumprod(alphas, dim=0)


@correct("alpha_bar_schedule", "in log space: exp(cumsum(log(1 - beta))) (log1p form)")
def sched_ok_log_space(betas):
    return torch.exp(torch.cumsum(torch.log1p(-betas), dim=0))


@correct("alpha_bar_schedule", "an explicit running product")
def sched_ok_loop(betas):
    out, running = [], torch.ones((), dtype=betas.dtype)
    for b in betas:
        running = running * (1 - b)
        out.append(running)
    return torch.stack(out)


@correct("alpha_bar_schedule", "hosjiu1702/DDPM ddpm.py: a loop appending alphas[step] * prev_prod, stacked into a tensor")
def sched_ok_hosjiu_loop(betas):
    alphas = 1 - betas
    alphas_bar, prev_prod = [], 1.0
    for step in range(len(betas)):
        _alpha_bar = alphas[step] * prev_prod
        alphas_bar.append(_alpha_bar)
        prev_prod = _alpha_bar
    return torch.stack(alphas_bar)
