"""The studies behind particular book sessions (experiments that measure, sweep or compare what the sessions state); they may import :mod:`vaecourse.core`, :mod:`vaecourse.data`, :mod:`vaecourse.models` and :mod:`vaecourse.training`.

By session:

- Session 1: :mod:`.convergence` (how Monte Carlo error shrinks with the sample size).
- Session 2: :mod:`.tightness` (the ELBO's gap along a path to the posterior), :mod:`.amortization`
  (amortized versus per-datapoint inference, and the gaps between them; also Session 3).
- Session 3: :mod:`.estimator_variance` (gradient-estimator variance against the sample count).
- Session 5: :mod:`.anomaly`, :mod:`.interpolation`, :mod:`.representation` (what a trained VAE is for),
  :mod:`.iwae_reproduction` (the IWAE paper's Table 1 beside this course's 28x28 run).
- Session 6: :mod:`.collapse` (posterior collapse and its mitigations), :mod:`.rate_distortion`
  (the beta sweep).
- Session 7: :mod:`.diffusion_elbo` (the diffusion ELBO term by term), :mod:`.sample_quality`,
  :mod:`.sampling_cost`.
- Every session: :mod:`.stated` (a float32-trained number printed as the page writes it, once it is
  checked to the stated tolerance).

Import a study by its module, e.g. ``from vaecourse.studies.tightness import path_to_posterior``.
"""
