"""The catalogue of practice skills: every ``skills_*`` module listed once, looked up by name or session.

Each skill module defines its skills and lists them in ``SKILLS``; this module imports those modules
explicitly (nothing registers itself on import, so nothing imports back).
"""

from __future__ import annotations

from ..grading.sections import SESSIONS
from . import skills_bayes, skills_collapse, skills_diffusion, skills_elbo, skills_evaluation, skills_gaussian, skills_reparam
from .skill import Skill

# In this order the skills of one session keep the order the practice rotation walks through.
SKILL_MODULES = (
    skills_bayes,
    skills_collapse,
    skills_diffusion,
    skills_elbo,
    skills_evaluation,
    skills_gaussian,
    skills_reparam,
)


def _catalogue() -> dict[str, Skill]:
    skills: dict[str, Skill] = {}
    for module in SKILL_MODULES:
        for skill in module.SKILLS:
            if skill.name in skills:
                raise ValueError(f"skill {skill.name!r} is defined twice (in {module.__name__})")
            skills[skill.name] = skill
    return skills


_SKILLS = _catalogue()


def all_skills() -> list[Skill]:
    """Every skill, in session order."""
    return sorted(_SKILLS.values(), key=lambda s: list(SESSIONS).index(s.session))


def get_skill(name: str) -> Skill:
    if name not in _SKILLS:
        raise ValueError(f"skill must be one of {', '.join(_SKILLS)}, got {name!r}")
    return _SKILLS[name]


def skills_for_session(session: str) -> list[str]:
    """The names of the skills a session's practice draws from, e.g. ``skills_for_session("s4")``."""
    if session not in SESSIONS:
        raise ValueError(f"session must be one of {', '.join(SESSIONS)}, got {session!r}")
    return [s.name for s in all_skills() if s.session == session]
