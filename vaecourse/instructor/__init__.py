"""Instructor tools: assign sessions, grade a class safely in parallel, write the gradebook and feedback; it may import only :mod:`vaecourse.grading`.

From Python::

    from vaecourse.instructor import assign, grade_class, merge
    assign(["s4"], "assignment/")                      # student notebooks, README.md, manifest.json
    grade_class("submissions/", "graded/", manifest="assignment/manifest.json")
    merge(["graded-1/", "graded-2/"], "graded/")       # shards of a large class

The same from the shell: ``vaecourse assign s4 --out assignment`` and ``vaecourse grade submissions
--out graded --manifest assignment/manifest.json`` (``--shard I/N``, ``--merge DIR...``, ``--roster``,
the late policy, ``--overrides``, ``--format``); ``vaecourse export`` writes Canvas, Moodle and
nbgrader gradebooks and ``vaecourse gradescope`` a Gradescope autograder.
"""

from .assign import assign
from .execute import Limits
from .grade import grade_class
from .merge import merge

__all__ = ["Limits", "assign", "grade_class", "merge"]
