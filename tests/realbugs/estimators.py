"""Real answers for ``mc_estimate``, ``conjugate_posterior``, ``interpolate_latents``, ``score_function_estimate`` and ``elbo_from_log_densities`` (Sessions 1, 2, 3 and 5)."""

import math

import numpy as np
import torch

from . import bug, correct

# --- Monte Carlo estimate with its standard error ----------------------------------------------------


@bug(
    "mc_estimate",
    "DataMedSci/pymchelper#162 (stderr = stddev / n: 'sqrt() missing?')",
    "the standard deviation divided by n instead of sqrt(n)",
    expect=("se_divided_by_n",),
)
def mc_pymchelper_divided_by_n(values):
    stddev = values.std()
    return values.mean(), stddev / values.numel()


@bug(
    "mc_estimate",
    "statsmodels/statsmodels#8295 (descriptivestats std_err /= count), in numpy with python floats returned",
    "the standard deviation divided by the count n instead of sqrt(n)",
    expect=("se_divided_by_n",),
)
def mc_statsmodels_std_err_over_count(values):
    x = values.detach().cpu().numpy().astype(np.float64)
    std_err = x.std(ddof=1)
    std_err /= x.size
    return float(x.mean()), float(std_err)


@bug(
    "mc_estimate",
    "UBC-DSCI/introduction-to-datascience-python#115 (std used where the standard error, sem, belongs)",
    "the standard deviation of the draws reported as the standard error of their mean",
    expect=("se_missing_sqrt_n",),
)
def mc_ubc_std_for_sem(values):
    return values.mean(), values.std()


@bug(
    "mc_estimate",
    "NatLabRockies/PRAS#5 (standard errors of Monte Carlo estimates from the uncorrected, divide-by-n sample variance)",
    "the variance divided by n instead of n - 1 before the standard error",
    expect=("se_population_std",),
)
def mc_pras_uncorrected_variance(values):
    n = values.numel()
    mean = values.mean()
    variance = ((values - mean) ** 2).sum() / n
    return mean, torch.sqrt(variance / n)


@bug(
    "mc_estimate",
    "mwegrzyn/language-performance#27 ('whenever np.std() do np.std(ddof=1)'): numpy's default ddof=0",
    "np.std with its default ddof=0 (divide by n) in the standard error",
    expect=("se_population_std",),
)
def mc_numpy_default_ddof(values):
    x = values.numpy()
    return torch.tensor(np.mean(x), dtype=values.dtype), torch.tensor(np.std(x) / np.sqrt(len(x)), dtype=values.dtype)


@correct("mc_estimate", "torch: values.std() / sqrt(n) (unbiased, torch's default)")
def mc_ok_torch(values):
    return values.mean(), values.std() / math.sqrt(values.numel())


@correct("mc_estimate", "torch.std_mean with correction=1, then / sqrt(n)")
def mc_ok_std_mean(values):
    std, mean = torch.std_mean(values, correction=1)
    return mean, std / values.numel() ** 0.5


@correct("mc_estimate", "computed in float64 with an explicit n - 1 (Bessel) and cast back, as mwegrzyn/language-performance#27 asks")
def mc_ok_float64_bessel(values):
    v = values.double()
    n = v.numel()
    mean = v.sum() / n
    s2 = ((v - mean) ** 2).sum() / (n - 1)
    return mean.to(values.dtype), (s2 / n).sqrt().to(values.dtype)


@bug(
    "mc_estimate",
    "zsyOAOA/ResShift#25 (the average loss additionally divided by len(loss)), with Python floats returned",
    "the mean divided by n a second time",
    expect=("mc_mean_divided_twice",),
)
def mc_resshift_double_division(values):
    n = len(values)
    mean = values.sum() / n / n
    se = values.std() / math.sqrt(n)
    return float(mean), float(se)


@bug(
    "mc_estimate",
    "Jij-Inc/OpenJij#338 (the standard deviation returned as the standard error)",
    "the standard deviation of the draws instead of the standard error of their mean (no / sqrt(n))",
    expect=("se_missing_sqrt_n",),
)
def mc_openjij_std_not_se(values):
    return float(values.mean()), float(values.std())


@correct("mc_estimate", "wouterkool/attention-learn-to-route#43 eval.py (std / sqrt(len)), in float64 with .item()")
def mc_ok_std_over_sqrt_len(values):
    v = values.double()
    return v.mean().item(), (v.std() / math.sqrt(len(v))).item()


# --- the score-function (REINFORCE) estimate -------------------------------------------------------------


@bug(
    "score_function_estimate",
    "Farama-Foundation/Gymnasium#1336 (loss = -sum(log_probs.mean() * deltas): the log-probabilities averaged apart from the returns)",
    "the score averaged before multiplying by f: mean(score) * sum(f) instead of mean(f * score)",
    expect=("score_averaged_apart_from_f",),
)
def score_gymnasium_mean_logprob(f_values, z, mu, sigma):
    score = (z - mu) / sigma.pow(2)
    return score.mean() * f_values.sum()


@bug(
    "score_function_estimate",
    "hill-a/stable-baselines#1060 (the standard deviation used where the variance belongs in the Gaussian log-prob)",
    "divided by sigma instead of sigma^2",
    expect=("score_divides_by_sigma",),
)
def score_baselines_std_as_var(f_values, z, mu, sigma):
    return (f_values * (z - mu) / sigma).mean()


# --- the ELBO from log-densities ---------------------------------------------------------------------------


@bug(
    "elbo_from_log_densities",
    "NetManAIOps/OmniAnomaly#37 (log p(x|z) - log q(z|x): the log p(z) term missing)",
    "the prior term log p(z) left out",
    expect=("elbo_missing_prior",),
)
def elbo_omni_missing_prior(log_px_given_z, log_pz, log_qz):
    return (log_px_given_z - log_qz).mean(dim=0)


@bug(
    "elbo_from_log_densities",
    "probml/pml2-book#23 (q_phi(z|x) written where log q_phi(z|x) belongs)",
    "the density q(z|x) itself (exp of the log-density) subtracted instead of log q(z|x)",
    expect=("elbo_density_for_log_density",),
)
def elbo_pml_q_not_logq(log_px_given_z, log_pz, log_qz):
    return (log_px_given_z + log_pz - log_qz.exp()).mean(dim=0)


# --- conjugate Gaussian posterior (prior N(0, 1), known noise variance) ------------------------------------


@bug(
    "conjugate_posterior",
    "SMPyBandits/SMPyBandits#192 (Policies/Posterior/Gauss.py update): new_mu = sum / n, new_sigma from n alone, "
    "'only written for a flat prior'",
    "the prior is left out: the maximum-likelihood mean x-bar and variance noise_var / n",
    expect=("posterior_ignores_prior",),
)
def post_smpybandits_flat_prior(x, noise_var):
    nb_data = x.numel()
    new_mu = x.sum() / nb_data
    new_var = noise_var / nb_data
    return new_mu, new_var


@correct("conjugate_posterior", "precisions add (Bishop PRML 2.141-2.142 with prior N(0, 1)), written with torch")
def post_ok_precisions(x, noise_var):
    n = x.numel()
    precision = 1.0 + n / noise_var
    return x.sum() / noise_var / precision, torch.tensor(1.0 / precision, dtype=x.dtype)


@correct("conjugate_posterior", "the shrinkage form: mean = n / (n + noise_var) * x-bar, variance = noise_var / (n + noise_var)")
def post_ok_shrinkage(x, noise_var):
    n = x.numel()
    weight = n / (n + noise_var)
    return weight * x.mean(), torch.tensor(noise_var / (n + noise_var), dtype=x.dtype)


# --- latent interpolation ----------------------------------------------------------------------------


@bug(
    "interpolate_latents",
    "ljleb/prompt-fusion-extension#13 (tensor interpolation changed to exclude the last interpolation point): t = i / steps",
    "t runs over arange(steps) / steps: the path never reaches z2",
    expect=("interp_endpoint_missing",),
)
def interp_prompt_fusion_exclusive(z1, z2, steps):
    return torch.stack([z1 + (i / steps) * (z2 - z1) for i in range(steps)])


@bug(
    "interpolate_latents",
    "igul222/improved_wgan_training#40 (the asker's reading: interpolates = (1 - alpha) * real_data + alpha * differences)",
    "the two forms of the mix combined: (1 - t) z1 + t (z2 - z1), whose weights do not add up to 1",
    expect=("interp_off_the_segment",),
)
def interp_wgan_mixed_forms(z1, z2, steps):
    alpha = torch.linspace(0, 1, steps)[:, None]
    differences = z2 - z1
    return (1 - alpha) * z1 + alpha * differences


@bug(
    "interpolate_latents",
    "Zardinality/WGAN-tensorflow#7 (proposed: interpolated = train + alpha * (train - real_data))",
    "the difference taken the wrong way round: z1 + t (z1 - z2) runs away from z2",
    expect=("interp_off_the_segment",),
)
def interp_wgan_difference_reversed(z1, z2, steps):
    alpha = torch.linspace(0, 1, steps)[:, None]
    return z1 + alpha * (z1 - z2)


@correct(
    "interpolate_latents",
    "google/compare_gan#24 (penalty_lib.py: interpolates = x + alpha * (x_fake - x), equal to (1 - alpha) x + alpha x_fake)",
)
def interp_ok_compare_gan(z1, z2, steps):
    alpha = torch.linspace(0, 1, steps, dtype=z1.dtype)[:, None]
    return z1 + alpha * (z2 - z1)


@correct(
    "interpolate_latents",
    "yuval-alaluf/restyle-encoder#5: [src] + ratios i / (n + 1) for i = 1..n + [target], with n = steps - 2",
)
def interp_ok_restyle(z1, z2, steps):
    n_interpolations = steps - 2
    results = [z1]
    for i in range(1, n_interpolations + 1):
        ratio = i / (n_interpolations + 1)
        results.append(z1 + ratio * (z2 - z1))
    results.append(z2)
    return torch.stack(results)


@correct("interpolate_latents", "torch.lerp with torch.linspace weights")
def interp_ok_lerp(z1, z2, steps):
    weights = torch.linspace(0, 1, steps, dtype=z1.dtype)[:, None]  # (steps, 1)
    return torch.lerp(z1.expand(steps, -1), z2.expand(steps, -1), weights)


# --- held-out sets 4 and 5 (graded before the checker was tuned on them; issue 21) --------------------------


@bug(
    'mc_estimate',
    'set 4: pbhowmic/partho-dev estimate_pi_mcse.rst (estimate_pi: sd = np.std(insides); return mean, sd/sqrt(n))',
    'np.std default ddof=0: the population standard deviation (1/n) instead of the sample one (1/(n-1))',
    expect=('se_population_std',),
)
def mc_partho_np_std(values):
    insides = np.asarray(values, dtype=float)
    n = len(insides)
    mean = np.mean(insides)
    sd = np.std(insides)
    return mean, sd / math.sqrt(n)


@bug(
    'interpolate_latents',
    'set 4: juan-garassino/formCollapse src/utils/gan_interpolations.py (interpolated_z = alpha * z1 + (1 - alpha) * z2)',
    'weights swapped: the path starts at z2 and ends at z1',
    expect=('interp_reversed',),
)
def interp_formcollapse_reversed(z1, z2, steps):
    alpha = torch.linspace(0, 1, steps).unsqueeze(1)
    interpolated_z = alpha * z1 + (1 - alpha) * z2
    return interpolated_z


@correct('interpolate_latents', 'set 4: BMThi/High-Dimensional-Deep-Learning autoencoders_vae/vae/solutions/latent_interp.py (stack of z1*(1-t)+z2*t)')
def ok_interp_bmthi_stack(z1, z2, steps):
    return torch.stack([z1 * (1 - t) + z2 * t for t in torch.linspace(0, 1, steps)])


@bug(
    'conjugate_posterior',
    'set 4: Thiago11gamal/ultra-dashboard2 src/engine/bayesianEngine.js updatePosteriorNormal (returns the prior when n < 2), ported from JS',
    'with a single observation (n < 2) the data are ignored and the prior N(0, 1) is returned',
    expect=('posterior_returns_prior',),
)
def conj_ultradashboard_n_lt_2(x, noise_var):
    priorMean, priorVariance = 0.0, 1.0
    n = x.numel()
    sampleMean = x.mean()
    sampleVariance = noise_var
    if n < 2 or sampleVariance == 0:
        return torch.tensor(priorMean), torch.tensor(priorVariance)
    posteriorVariance = 1 / ((1 / priorVariance) + (n / sampleVariance))
    posteriorMean = posteriorVariance * ((priorMean / priorVariance) + (n * sampleMean / sampleVariance))
    return posteriorMean, torch.tensor(posteriorVariance)


@correct('conjugate_posterior', 'set 4: burakbayramli/books murphy_ubc_ca_machine_learning_lecture/gaussBayesDemo.m (sigma2_N = sigma2*sigma2_0/(N*sigma2_0 + sigma2); mu_N = sigma2_N*(N*mu_ML/sigma2 + mu_0/sigma2_0)), ported from MATLAB')
def ok_conj_murphy(x, noise_var):
    mu_0, sigma2_0 = 0.0, 1.0
    mu_ML = x.mean()
    N = x.numel()
    sigma2 = noise_var
    sigma2_N = (sigma2 * sigma2_0) / (N * sigma2_0 + sigma2)
    mu_N = sigma2_N * (N * mu_ML / sigma2 + mu_0 / sigma2_0)
    return mu_N, torch.tensor(sigma2_N, dtype=x.dtype)


@bug(
    'score_function_estimate',
    'set 4: biaslab/ClosedFormExpectations.jl test/Normal/normal_utils.jl (score(q, x) = [-(x - q.mu)/q.sigma^2, ...]), Julia ported; estimate = mean(f * score_mu)',
    'the score of the mean has its sign flipped: -(z - mu)/sigma^2',
    expect=('score_wrong_sign',),
)
def score_closedform_sign(f_values, z, mu, sigma):
    score_mu = -(z - mu) / sigma ** 2
    return torch.mean(f_values * score_mu)


@correct('score_function_estimate', "set 4: pytorch.org/docs/stable/distributions.html 'Score function' recipe (loss = -m.log_prob(action) * reward; loss.backward()), gradient taken w.r.t. mu with torch.autograd.grad")
def ok_score_autograd_logprob(f_values, z, mu, sigma):
    mu_ = mu.detach().clone().requires_grad_(True)
    m = torch.distributions.Normal(mu_, sigma)
    surrogate = (m.log_prob(z) * f_values).mean()
    (g,) = torch.autograd.grad(surrogate, mu_)
    return g


@bug(
    'mc_estimate',
    'set 4: JensRL/PPaNM Homeworks/MonteCarlo/A/mc.cs mcint (sigma = Sqrt(sum2/N - mean*mean); error = sigma*V/Sqrt(N)), C# ported with V = 1',
    'one-pass population variance E[f^2] - E[f]^2 (divides by n, and cancels catastrophically when the mean is large)',
    expect=('se_population_std',),
)
def mc_ppanm_onepass(values):
    N = values.numel()
    s = values.sum()
    sum2 = (values * values).sum()
    mean = s / N
    sigma = torch.sqrt(sum2 / N - mean * mean)
    return mean, sigma / math.sqrt(N)


@bug(
    'conjugate_posterior',
    'set 4: Omega-Spinti/udacity kalman_filters/maximize_gaussian.py update(mean1, var1, mean2, var2) used as the posterior update with the prior N(0, 1) and the sample mean as one measurement of variance noise_var',
    'the n observations are fused as a single measurement: the sample mean is given variance noise_var instead of noise_var / n',
    expect=('posterior_forgets_n',),
)
def conj_udacity_single_measurement(x, noise_var):
    def update(mean1, var1, mean2, var2):
        new_mean = (var2 * mean1 + var1 * mean2) / (var1 + var2)
        new_var = 1 / (1 / var1 + 1 / var2)
        return [new_mean, new_var]
    m, v = update(0.0, 1.0, x.mean(), noise_var)
    return m, torch.tensor(v, dtype=x.dtype)


@bug(
    'interpolate_latents',
    'set 4: mathijspieters/Natural-Language-Processing-2 Assignment2/utils.py interpolation (a*np.sqrt(s) + b*np.sqrt(1-s) over linspace(0, 1, n_steps-2), then [b] + row + [a]); b = z1, a = z2',
    'square-root weights instead of linear ones, and the endpoints are duplicated (z1 twice at the start, z2 twice at the end)',
    expect=('interp_off_the_segment',),
)
def interp_nlp2_sqrt_weights(z1, z2, steps):
    a, b = z2, z1
    row = []
    for s in np.linspace(0, 1, steps - 2):
        row.append(a * np.sqrt(s) + b * np.sqrt(1 - s))
    return torch.stack([b] + row + [a]).reshape(steps, -1)


@correct('score_function_estimate', 'set 4: https://a2c.fyi/1910.05268v1 (evolution-strategies gradient: 1/sigma * expectation(f(theta + sigma eps) * eps)), with eps recovered as (z - mu) / sigma')
def ok_score_es_form(f_values, z, mu, sigma):
    eps = (z - mu) / sigma
    return 1 / sigma * (f_values * eps).mean()


@correct('mc_estimate', 'set 4: public GitHub file (Greek-estimate aggregation: value = float(np.mean(samples)); stderr = float(np.std(samples, ddof=1) / np.sqrt(n))); code-index file id 12015664881 (owner/repo not exposed)')
def ok_mc_numpy_ddof1(values):
    samples = np.asarray(values, dtype=float)
    n = len(samples)
    value = float(np.mean(samples))
    stderr = float(np.std(samples, ddof=1) / np.sqrt(n))
    return value, stderr


@bug(
    'score_function_estimate',
    "set 4: gokererdogan/Notebooks 'Reparameterization Trick.ipynb' (q = N(theta, 1); grad1 = lambda x: np.sum(np.square(x)*(x-theta)) / x.size), np -> torch, x^2 -> the given f_values",
    'the unit-variance score (z - mu) carried over to a general sigma: the 1/sigma^2 is missing (right only when sigma = 1, as in the notebook)',
    expect=('score_missing_variance',),
)
def score_erdogan_unit_variance(f_values, z, mu, sigma):
    x, theta = z, mu
    return torch.sum(f_values * (x - theta)) / x.numel()


@bug(
    'mc_estimate',
    'set 5: meghanallen/DSCI_524_2017W2_Python mfMath/util.py (standard_deviation with ssq/n; standard_error = sd/len(x)**0.5)',
    'population standard deviation (divides by n) in the standard error instead of the n-1 sample standard deviation',
    expect=('se_population_std',),
)
def mc_meghan_population_sd(values):
    x = values.tolist()
    n = len(x)
    mean = sum(x) / n
    ssq = sum((x_i - mean) ** 2 for x_i in x)
    stdev = (ssq / n) ** 0.5
    return torch.tensor(mean, dtype=values.dtype), torch.tensor(stdev / n ** 0.5, dtype=values.dtype)


@correct('mc_estimate', "set 5: cakhigbe/econ753 mcintegral.jl (return mean(y), std(y)/sqrt(n)), Julia -> torch (Julia's std is the n-1 one)")
def mc_ok_julia(values):
    n = values.numel()
    return values.mean(), values.std() / math.sqrt(n)


# NEAR-CORRECT: algebraically s/sqrt(n), but computed from E[x^2]-E[x]^2 (cancellation in float32 for large means)
@correct('mc_estimate', 'set 5: michaelfaulkner/xy-type-models src/get_monte_carlo_error.f90 (((mean_squared - mean**2)/(n-1))**0.5), Fortran -> torch')
def mc_near_fortran(values):
    n = values.numel()
    mean = values.mean()
    mean_squared = (values ** 2).mean()
    return mean, ((mean_squared - mean ** 2) / (n - 1)) ** 0.5


@correct('conjugate_posterior', "set 5: tensorflow/tensorflow g3doc tf.contrib.distributions.normal_conjugates_known_sigma_posterior (sigma'^2 = 1/(1/sigma0^2 + n/sigma^2); mu' = (mu0/sigma0^2 + s/sigma^2) sigma'^2), prior N(0,1)")
def post_ok_tf_contrib(x, noise_var):
    mu0, sigma0_sq = 0.0, 1.0
    n, s = x.numel(), x.sum()
    var = 1.0 / (1.0 / sigma0_sq + n / noise_var)
    mean = (mu0 / sigma0_sq + s / noise_var) * var
    return mean, torch.tensor(var, dtype=x.dtype)


@bug(
    'score_function_estimate',
    'set 5: brynhayder/reinforcement_learning_an_introduction PR#5 (proposed grad log pi wrt mu = (a - mu)/sigma^3; rejected by the maintainer)',
    'the score of a Gaussian mean divided by sigma^3 instead of sigma^2',
    expect=('scale_power_wrong',),
)
def score_brynhayder_sigma3(f_values, z, mu, sigma):
    return (f_values * (z - mu) / sigma ** 3).mean()


@correct('score_function_estimate', 'set 5: SlopDotCash/asi PR#2864 (new form: z = (a - mu)/sigma; mean_grad = z / sigma)')
def score_ok_slop_new(f_values, z, mu, sigma):
    zz = (z - mu) / sigma
    return (f_values * (zz / sigma)).mean()


# NEAR-CORRECT: a 1e-8 variance floor (negligible for sigma in the exercise's range; wrong only for sigma ~ 1e-4)
@correct('score_function_estimate', 'set 5: SlopDotCash/asi PR#2864 (old form: mean_grad = (a - mu) / (sigma**2 + 1e-8))')
def score_near_slop_old(f_values, z, mu, sigma):
    return (f_values * (z - mu) / (sigma ** 2 + 1e-8)).mean()


@bug(
    'interpolate_latents',
    'set 5: FrederikMR/diffusion_interp torch_geometry/interpolation/linear.py (LinearInterpolation(T): linspace(0,1,T+1)[1:-1], vstack z0, curve, zT)',
    'steps read as the number of intervals: returns steps+1 points',
    expect=('interp_wrong_count',),
)
def interp_frederik_intervals(z1, z2, steps):
    T = steps
    shape = z1.shape
    z0 = z1.reshape(-1)
    zT = z2.reshape(-1)
    curve = (zT - z0) * torch.linspace(0.0, 1.0, T + 1, dtype=z0.dtype)[1:-1].reshape(-1, 1) + z0
    curve = torch.vstack((z0, curve, zT))
    return curve.reshape(-1, *shape)


@correct('interpolate_latents', "set 5: miguelgondu/Mario_plays_on_a_manifold interpolations/linear_interpolation.py (vstack of (1-t)*z + t*z' over linspace)")
def interp_ok_mario(z1, z2, steps):
    zs = [(1 - t) * z1 + (t * z2) for t in torch.linspace(0, 1, steps)]
    return torch.vstack(zs)


@correct('interpolate_latents', 'set 5: AmmarKothari/ROB541_GeometricMecahnics Project/linearAlphaPath.m (per-dimension linspace into a pts x s matrix), MATLAB -> numpy/torch')
def interp_ok_matlab_port(z1, z2, steps):
    s = z1.shape[0]
    pts = np.zeros((steps, s))
    a, b = z1.detach().numpy().astype(np.float64), z2.detach().numpy().astype(np.float64)
    for i in range(s):
        pts[:, i] = np.linspace(a[i], b[i], steps)
    return torch.from_numpy(pts).to(z1.dtype)


@bug(
    'conjugate_posterior',
    'set 5: jsupratman13/workspace pyfiles/udacity_ai_robot/lesson2_kalman_filter/gaussian.py (update(mean1, var1, mean2, var2): new_var = 1/(1/var1 + 1/var2)), applied as update(0, 1, x.mean(), noise_var)',
    'the one-measurement Kalman update used with the sample mean as a single observation of variance noise_var: the n observations count as one (no n/noise_var)',
    expect=('posterior_forgets_n',),
)
def post_udacity_single_update(x, noise_var):
    def update(mean1, var1, mean2, var2):
        new_mean = (mean1 * var2 + mean2 * var1) / (var1 + var2)
        new_var = 1 / (1 / var1 + 1 / var2)
        return [new_mean, new_var]
    m, v = update(0.0, 1.0, x.mean(), noise_var)
    return m, torch.tensor(v, dtype=x.dtype)


# --- held-out set 7 (collected this session for tuning; graded before the changes for it) --------------------


@bug(
    'conjugate_posterior',
    'set 7: rudrasohan/AI-for-Robotics gaussian.py (update(mean1, var1, mean2, var2): new_var = var1*var2/(var1+var2)), applied as update(0, 1, x.mean(), noise_var)',
    'the one-measurement update with the sample mean as a single observation of variance noise_var: n observations count as one (no n/noise_var)',
    expect=('posterior_forgets_n',),
)
def post_rudrasohan_single_update(x, noise_var):
    def update(mean1, var1, mean2, var2):
        new_mean = (mean1 * var2 + mean2 * var1) / (var1 + var2)
        new_var = var1 * var2 / (var1 + var2)
        return [new_mean, new_var]
    m, v = update(0.0, 1.0, x.mean(), noise_var)
    return m, torch.tensor(v, dtype=x.dtype)


@bug(
    'interpolate_latents',
    'set 7: lofeodo/IFT6135-DEV3 latent_interpolation.py (alphas = torch.linspace(0, 1, 11); z_alpha = alpha * z0 + (1 - alpha) * z1), steps instead of 11',
    'weights swapped: alpha multiplies the first latent, so the path starts at z2 and ends at z1 (reversed order)',
    expect=('interp_reversed',),
)
def interp_lofeodo_reversed(z1, z2, steps):
    z0_, z1_ = z1, z2
    alphas = torch.linspace(0, 1, steps)
    latent_interpolations = []
    for alpha in alphas:
        z_alpha = alpha * z0_ + (1 - alpha) * z1_
        latent_interpolations.append(z_alpha.view(1, -1))
    return torch.cat(latent_interpolations, dim=0)


@correct('interpolate_latents', 'set 7: chaehunshin/vae latent_interpolation.py (for j in range(11): mu = mu1 + (mu2 - mu1) * j/10), the hard-coded 11 points / 10 intervals written as steps / steps-1')
def interp_ok_chaehun(z1, z2, steps):
    out = []
    for j in range(steps):
        out.append(z1 + (z2 - z1) * j / (steps - 1))
    return torch.stack(out)


@correct('interpolate_latents', 'set 7: youssefifkiren/beta-vae-facial-analysis latent_interpolation.py (interpolate_latents: alphas = np.linspace(0, 1, steps); (1 - alpha)*latent1 + alpha*latent2; torch.stack)')
def interp_ok_youssef(z1, z2, steps):
    alphas = np.linspace(0, 1, steps)
    interpolated = []
    for alpha in alphas:
        interpolated.append((1 - alpha) * z1 + alpha * z2)
    return torch.stack(interpolated)


@bug(
    'mc_estimate',
    'set 7: AbdellahKah/monte-carlo-statistical-modeling monte_carlo.py (_build_result: std = samples.std(); se = std / np.sqrt(n)), numpy -> torch',
    "np.std's default ddof=0: population standard deviation (divides by n) in the standard error instead of the n-1 sample SD",
    expect=('se_population_std',),
)
def mc_abdellah_population_sd(values):
    samples = values.detach().numpy().astype(np.float64)
    n = len(samples)
    mean = samples.mean()
    std = samples.std()
    se = std / np.sqrt(n)
    return torch.tensor(mean, dtype=values.dtype), torch.tensor(se, dtype=values.dtype)
