"""The capstone is graded by behaviour: correct styles pass, real bugs are named part by part, and the judge lives apart."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
import torch

from vaecourse.grading import check, get_exercise
from vaecourse.grading.bank import s8_capstone
from vaecourse.grading.bank.s8_capstone import MIN_ACTIVE_UNITS, TARGET_TEST_ELBO, reference_answer
from vaecourse.grading.vae_judge import judge_loss
from vaecourse.grading.vae_probe import TRAIN_BUDGET_S, TRAIN_EPOCHS, TRAIN_LATENT, probe_loss
from vaecourse.instructor.collect import probe_for, report_answer
from vaecourse.instructor.judge import judge_report

sys.path.insert(0, str(Path(__file__).parent))
import capstone_submissions as S  # noqa: E402

SEED = 12345
ROOT = Path(__file__).resolve().parents[1]
PART_TITLES = {"shapes": "1. shapes", "loss": "2. loss", "gradients": "3. gradients", "training": "4. training",
               "samples": "5. prior samples"}


def _failed_parts(feedback: str) -> set[str]:
    return {key for key, title in PART_TITLES.items()
            if any(line.strip().startswith(("[fail]", "[part]")) and title in line for line in feedback.splitlines())}


@pytest.mark.parametrize("style", sorted(S.CORRECT))
def test_correct_styles_pass_every_part(style):
    result = check("capstone_vae", S.CORRECT[style](), seed=SEED, quiet=True)
    assert result.passed and result.score == result.max_score == 10, result.feedback


@pytest.mark.parametrize("name", sorted(S.BUGGY))
def test_real_bugs_are_named_and_lose_only_their_parts(name):
    make, mistake, failing = S.BUGGY[name]
    result = check("capstone_vae", make(), seed=SEED, quiet=True)
    assert not result.passed and result.mistake == mistake, result.feedback
    assert _failed_parts(result.feedback) == failing, result.feedback
    lost = sum(s8_capstone.POINTS[p] for p in failing)
    assert result.score == pytest.approx(10 - lost), result.feedback


def _loss_with(transform):
    """The reference answer with its loss replaced by transform(reconstruction (B,), kl (B,), mu, logvar, logits, x)."""
    answer = reference_answer()

    def loss(x, encoder, decoder, eps=None):
        mu, logvar = encoder(x)
        eps = torch.randn_like(mu) if eps is None else eps
        logits = decoder(mu + torch.exp(0.5 * logvar) * eps)
        reconstruction = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)
        return transform(reconstruction, kl, mu, logvar, logits, x)

    answer["loss"] = loss
    return answer


LOSS_MISTAKES = {
    "bernoulli_mean_over_pixels": lambda r, k, mu, lv, lg, x: (r / x.shape[1] + k).mean(),
    "kl_mean_over_latent": lambda r, k, mu, lv, lg, x: (r + k / mu.shape[1]).mean(),
    "capstone_loss_summed_over_batch": lambda r, k, mu, lv, lg, x: (r + k).sum(),
    "capstone_kl_weighted": lambda r, k, mu, lv, lg, x: (r + 0.25 * k).mean(),
    "kl_wrong_sign": lambda r, k, mu, lv, lg, x: (r - k).mean(),
    "capstone_loss_is_elbo": lambda r, k, mu, lv, lg, x: -(r + k).mean(),
    "mismatched_reductions": lambda r, k, mu, lv, lg, x: r.mean() / x.shape[1] + k.sum(),
    "kl_logvar_as_sigma": lambda r, k, mu, lv, lg, x: (r + 0.5 * (mu**2 + lv**2 - torch.log(lv**2) - 1).sum(-1)).mean(),
    "bernoulli_sigmoid_twice": lambda r, k, mu, lv, lg, x: (
        torch.nn.functional.binary_cross_entropy_with_logits(torch.sigmoid(lg), x, reduction="none").sum(-1) + k).mean(),
    "capstone_squared_error": lambda r, k, mu, lv, lg, x: ((torch.sigmoid(lg) - x).pow(2).sum(-1) + k).mean(),
}


@pytest.mark.parametrize("mistake", sorted(LOSS_MISTAKES))
def test_loss_mistakes_are_named_from_behaviour(mistake):
    records = json.loads(json.dumps(probe_loss(_loss_with(LOSS_MISTAKES[mistake]), SEED)))  # plain data only
    kl_mistakes = get_exercise("gaussian_kl").mistakes
    earned, message, name = judge_loss(records, 3.0, kl_mistakes)
    assert earned == 0 and name == mistake, message
    right = judge_loss(json.loads(json.dumps(probe_loss(reference_answer(), SEED))), 3.0, kl_mistakes)
    assert right[0] == 3.0 and right[2] is None


def test_effective_beta_is_reported_for_a_weighted_kl():
    records = probe_loss(_loss_with(LOSS_MISTAKES["capstone_kl_weighted"]), SEED)
    _, message, _ = judge_loss(records, 3.0, get_exercise("gaussian_kl").mistakes)
    assert "effective beta (KL weight over reconstruction weight) is 0.25" in message


def test_stubs_are_not_attempted_and_cost_nothing():
    class Encoder(torch.nn.Module):
        def __init__(self, data_dim, latent_dim):
            super().__init__()

        def forward(self, x):
            raise NotImplementedError("implement Encoder")

    def stub(*args):
        raise NotImplementedError("implement me")

    answer = {"Encoder": Encoder, "Decoder": Encoder, "loss": stub, "train": stub}
    result = check("capstone_vae", answer, seed=SEED, quiet=True)
    assert result.status == "not_attempted" and result.score == 0
    assert check("capstone_vae", None, seed=SEED, quiet=True).status == "not_attempted"


def test_a_partly_done_answer_keeps_the_points_of_its_finished_parts():
    answer = reference_answer()
    answer["train"] = lambda *args: (_ for _ in ()).throw(NotImplementedError("train"))
    result = check("capstone_vae", answer, seed=SEED, quiet=True)
    assert result.score == 6 and "[todo] 4. training" in result.feedback, result.feedback


def test_the_instructor_grader_judges_the_replayed_record_without_running_the_answer():
    exercise = get_exercise("capstone_vae")
    answer = S.BUGGY["keras_pixel_mean"][0]()
    probe = probe_for(exercise, SEED)  # what the kernel receives: the probe (outside the bank), not the judge
    report = json.loads(json.dumps(report_answer(probe, answer, "answer", seed=SEED, timeout=10.0)))  # crosses processes
    assert report["kind"] == "answer"
    judged, flags = judge_report(exercise, report, seed=SEED, timeout=10.0)
    direct = check("capstone_vae", answer, seed=SEED, quiet=True)
    assert judged.to_dict() == direct.to_dict() and flags == []
    assert judged.mistake == "bernoulli_mean_over_pixels"
    forged = {"kind": "outcome", "outcome": {"status": "ok", "value": {"shapes": "all right"}}}
    result, _ = judge_report(exercise, forged, seed=SEED, timeout=10.0)
    assert result.score == 0


def test_the_notebook_states_the_checker_budget_and_target():
    text = "\n".join(c.source for c in nbformat.read(str(ROOT / "exercises/s8_capstone.ipynb"), 4).cells)
    assert f"**{TRAIN_EPOCHS} epochs**" in text and f"**{TRAIN_BUDGET_S:g} s of one" in text
    assert f"**{TARGET_TEST_ELBO:g} nats**" in text and f"**{MIN_ACTIVE_UNITS} active latent dimensions**" in text
    assert f"({TRAIN_LATENT} latent dimensions)" in text


def test_instructors_page_states_the_capstone_training_settings_of_the_probe():
    """book/instructors.md states the grader's retraining settings in prose: they must be the probe's."""
    page = " ".join((ROOT / "book" / "instructors.md").read_text(encoding="utf-8").split())
    for words in (f"{TRAIN_LATENT} latent dimensions", f"{TRAIN_EPOCHS} epochs of the digits",
                  f"a budget of {TRAIN_BUDGET_S:g} s of one CPU core"):
        assert words in page, f"book/instructors.md no longer states {words!r}: update the capstone paragraph"
