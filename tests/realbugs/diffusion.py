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


@bug(
    "alpha_bar_schedule",
    "held-out set 6: 55utah/diffusion-model ddpm.py (b_t = betas.sqrt(); a_t = (1 - b_t ** 2).sqrt(); a_bar_t = cumsum(a_t.log()).exp(); a_bar_t[0] = 1)",
    "sqrt(alpha_bar) (a product of sqrt(1 - beta)) returned, and its first entry overwritten with 1",
    expect=("output_transformed",),
)
def sched_55utah_sqrt_first_one(betas):
    b_t = betas.sqrt()
    a_t = (1 - b_t**2).sqrt()
    a_bar_t = torch.cumsum(a_t.log(), dim=0).exp()
    a_bar_t[0] = 1
    return a_bar_t


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


# --- held-out sets 4 and 5 (graded before the checker was tuned on them; issue 21) --------------------------


@bug(
    'forward_diffusion_sample',
    'set 4: labmlai/annotated_deep_learning_paper_implementations issue #152 (labml_nn/diffusion/stable_diffusion/sampler/ddpm.py before d4c19008: sqrt_1m_alpha_bar = alpha_bar ** .5)',
    'the noise is scaled by sqrt(alpha_bar) instead of sqrt(1 - alpha_bar) (sqrt_1m_alpha_bar = alpha_bar ** .5)',
    expect=('diffusion_noise_takes_signal_coefficient',),
)
def diff_labml_sqrt_1m_is_sqrt(x0, alpha_bar, eps):
    sqrt_alpha_bar = alpha_bar ** .5
    sqrt_1m_alpha_bar = alpha_bar ** .5
    return sqrt_alpha_bar[:, None] * x0 + sqrt_1m_alpha_bar[:, None] * eps


@correct('forward_diffusion_sample', 'set 4: B-LED-LUE/DDPM_DDIM_MNIST-study noise_schedule.py DDPM.forward (view(-1,1,1,1) written view(-1, 1) for (B, D) data)')
def ok_diff_bledlue(x0, alpha_bar, eps):
    sqrt_alphas_bars = torch.sqrt(alpha_bar).view(-1, 1)
    sqrt_one_minus_alphas_bars = torch.sqrt(1 - alpha_bar).view(-1, 1)
    return sqrt_alphas_bars * x0 + sqrt_one_minus_alphas_bars * eps


@correct('alpha_bar_schedule', 'set 4: jawline/Reflector Upscaler/src/ddpm_scheduler.py (alpha = 1 - beta; cumprod(alpha, dim=0))')
def ok_alphabar_reflector(betas):
    alpha = 1 - betas
    return torch.cumprod(alpha, dim=0)


@bug(
    'alpha_bar_schedule',
    'set 4: Adenialzz/SimpleImageGeneration diffusion/stable_diffusion/sd_infer/samplers/sampler_util.py get_alphas_cumprod (np.cumprod)',
    'near-correct in the set-4 judgement: the right values (np.cumprod), but a NumPy array where a tensor is asked for',
    expect=('not_a_tensor',),
)
def alphabar_adenialzz_numpy_array(betas):
    betas = np.asarray(betas, dtype=np.float32)
    alphas = 1.0 - betas
    alphas_cumprod = np.cumprod(alphas, axis=0)
    return alphas_cumprod


@correct('alpha_bar_schedule', 'set 4: cvignac/DiGress src/diffusion/noise_schedule.py PredefinedNoiseScheduleDiscrete (alphas = 1 - clamp(betas, 0, 0.9999); exp(cumsum(log(alphas))))')
def ok_alphabar_digress(betas):
    alphas = 1 - torch.clamp(betas, min=0, max=0.9999)
    log_alpha = torch.log(alphas)
    log_alpha_bar = torch.cumsum(log_alpha, dim=0)
    return torch.exp(log_alpha_bar)


@bug(
    'forward_diffusion_sample',
    'set 4: huggingface/diffusion-models-class unit1/02_diffusion_models_from_scratch.ipynb corrupt(x, amount): x*(1-amount) + noise*amount, with amount = 1 - alpha_bar and the given eps as the noise',
    'linear mixing x0*(1-a) + eps*a (coefficients that sum to 1) instead of sqrt(alpha_bar) and sqrt(1 - alpha_bar)',
    expect=('diffusion_no_sqrt',),
)
def diff_hfclass_corrupt(x0, alpha_bar, eps):
    amount = 1 - alpha_bar
    amount = amount.view(-1, 1)
    noise = eps
    return x0 * (1 - amount) + noise * amount


@correct('alpha_bar_schedule', 'set 4: public GitHub file (DDPM class: self.alphas = 1-self.betas; self.alphas_cumprod = torch.cumsum(self.alphas.log(), dim=0).exp()  # take log to avoid float precision issue); code-index file id 11953497779 (owner/repo not exposed)')
def ok_alphabar_logspace(betas):
    alphas = 1 - betas
    alphas_cumprod = torch.cumsum(alphas.log(), dim=0).exp()
    return alphas_cumprod


@bug(
    'forward_diffusion_sample',
    'set 5: Malk97sc/Noise_to_Images src/diffusion/forward.py (q_sample: the single-timestep version, sqrt(alphas_bar[t]) * x0 without reshaping, used on a batch)',
    'alpha_bar of shape (B,) multiplied with (B, D) without reshaping to (B, 1): aligned with the feature axis',
    expect=('diffusion_broadcast_over_features',),
)
def fwd_malk_no_reshape(x0, alpha_bar, eps):
    sqrt_ab = torch.sqrt(alpha_bar)
    sqrt_one_minus_ab = torch.sqrt(1 - alpha_bar)
    return sqrt_ab * x0 + sqrt_one_minus_ab * eps


@correct('forward_diffusion_sample', 'set 5: Malk97sc/Noise_to_Images src/diffusion/forward.py (q_sample_ddpm: ab_t = alphas_bar[t].view(-1, 1, 1, 1), here view(-1, 1))')
def fwd_ok_malk_batched(x0, alpha_bar, eps):
    ab_t = alpha_bar.view(-1, 1)
    return torch.sqrt(ab_t) * x0 + torch.sqrt(1.0 - ab_t) * eps


@correct('alpha_bar_schedule', 'set 5: satojkovic/mini-imagen-inference minimagen/diffusion_model.py (alphas = 1.0 - betas; torch.cumprod(alphas, axis=0))')
def abar_ok_minimagen(betas):
    alphas = 1.0 - betas
    return torch.cumprod(alphas, axis=0)


@correct('alpha_bar_schedule', 'set 5: a2eas/Diffusion_model noise_scheduler.py (alphas_bar = torch.cumprod(1.0 - beats, dim=0))')
def abar_ok_a2eas(betas):
    alphas = 1.0 - betas
    return torch.cumprod(alphas, dim=0)


# --- held-out set 7 (collected this session for tuning; graded before the changes for it) --------------------


@correct('forward_diffusion_sample', 'set 7: chelseaadrienne/vipfall2024 GaussianDiffusion.py (q_sample: extract(sqrt_alphas_cumprod, t, x_start.shape) * x_start + extract(sqrt_one_minus_alphas_cumprod, t, x_start.shape) * noise; extract reshapes to (B, 1, ...)), per-example alpha_bar given')
def fwd_ok_vipfall(x0, alpha_bar, eps):
    def extract(a, x_shape):
        return a.reshape(a.shape[0], *((1,) * (len(x_shape) - 1)))
    sqrt_alphas_cumprod = torch.sqrt(alpha_bar)
    sqrt_one_minus_alphas_cumprod = torch.sqrt(1.0 - alpha_bar)
    return extract(sqrt_alphas_cumprod, x0.shape) * x0 + extract(sqrt_one_minus_alphas_cumprod, x0.shape) * eps


@bug(
    'forward_diffusion_sample',
    'set 7: JackYuan18/prac noise_scheduler.py (add_noise: alpha_t = self.alpha_cumprod[t].view(-1,1,1,1); noisy = x*alpha_t + noise*(1-alpha_t)), view(-1, 1) for (B, D)',
    'alpha_bar and 1-alpha_bar used as the coefficients without square roots (signal sqrt(alpha_bar), noise sqrt(1-alpha_bar))',
    expect=('diffusion_no_sqrt',),
)
def fwd_jack_no_sqrt(x0, alpha_bar, eps):
    alpha_t = alpha_bar.view(-1, 1)
    return x0 * alpha_t + eps * (1 - alpha_t)


@bug(
    'forward_diffusion_sample',
    'set 7: Datastar07/cat_image_generation noise_scheduler.py (add_noise: how_much_noise = sqrt(1 - (T - t)/T); noisy = tensor + randn_like*how_much_noise; clamp(-1, 1)), (T - t)/T read as alpha_bar, given eps',
    'x0 is not scaled by sqrt(alpha_bar) (noise only added), and the result is clamped to [-1, 1]',
    expect=('diffusion_signal_not_scaled',),
)
def fwd_datastar_unscaled_clamp(x0, alpha_bar, eps):
    how_much_noise = torch.sqrt(1 - alpha_bar).view(-1, 1)
    noise = eps * how_much_noise
    noisy_tensor = x0 + noise
    noisy_tensor = torch.clamp(noisy_tensor, -1, 1)
    return noisy_tensor


@bug(
    'forward_diffusion_sample',
    'set 7: Null-byte-00/Catfusion noise_scheduler.py (add_noise: how_much_noise = sqrt(1 - (T - t)/T); noise = randn_like * 0.6 * how_much_noise; tensor + noise; clamp(-1, 1)), (T - t)/T read as alpha_bar, given eps',
    'x0 not scaled by sqrt(alpha_bar), the noise scaled by an extra 0.6, and the result clamped to [-1, 1]',
    expect=('diffusion_signal_not_scaled',),
)
def fwd_catfusion_06(x0, alpha_bar, eps):
    how_much_noise = torch.sqrt(1 - alpha_bar).view(-1, 1)
    noise = eps * 0.6 * how_much_noise
    return torch.clamp(x0 + noise, -1, 1)


@correct('forward_diffusion_sample', 'set 7: knightwalker96/Diffusion-Model-from-Scratch noise_scheduler.py (LinearNoiseScheduler.add_noise: reshape(batch_size) then unsqueeze(-1) per extra dim)')
def fwd_ok_knightwalker(x0, alpha_bar, eps):
    original_shape = x0.shape
    batch_size = original_shape[0]
    sqrt_alpha_cum_prod = torch.sqrt(alpha_bar).reshape(batch_size)
    sqrt_one_minus_alpha_cum_prod = torch.sqrt(1 - alpha_bar).reshape(batch_size)
    for _ in range(len(original_shape) - 1):
        sqrt_alpha_cum_prod = sqrt_alpha_cum_prod.unsqueeze(-1)
        sqrt_one_minus_alpha_cum_prod = sqrt_one_minus_alpha_cum_prod.unsqueeze(-1)
    return sqrt_alpha_cum_prod * x0 + sqrt_one_minus_alpha_cum_prod * eps


@correct('forward_diffusion_sample', 'set 7: Matthew-AI-Developer/Simple-Diffusion-Model noise_scheduler.py (NoiseScheduler.add_noise: s_acp_t.view(-1,1,1,1) * images + s_om_acp_t.view(-1,1,1,1) * noise; the attribute-name typo sqrt_alphas_cum_pred/_prod aside), view(-1, 1)')
def fwd_ok_matthew(x0, alpha_bar, eps):
    s_acp_t = torch.sqrt(alpha_bar).view(-1, 1)
    s_om_acp_t = torch.sqrt(1.0 - alpha_bar).view(-1, 1)
    return s_acp_t * x0 + s_om_acp_t * eps


@correct('alpha_bar_schedule', 'set 7: AlyssaVMeczkowska/ddpm-from-scratch noise_scheduler.py (DDPMScheduler: self.alphas = 1.0 - self.betas; torch.cumprod(self.alphas, dim=0))')
def abar_ok_alyssa(betas):
    alphas = 1.0 - betas
    return torch.cumprod(alphas, dim=0)


@correct('alpha_bar_schedule', 'set 7: EthanNCai/VanilaDiffusion noise_scheduler.py (self.alphas = 1. - self.betas; self.alphas_cumprod = torch.cumprod(self.alphas, axis=0))')
def abar_ok_ethan(betas):
    alphas = 1. - betas
    return torch.cumprod(alphas, axis=0)
