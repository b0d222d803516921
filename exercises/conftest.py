"""pytest settings for running the exercise notebooks under nbval.

The mastery gate at the end of each notebook records progress. Under pytest it must not write into
the real user's data directory, so point ``VAECOURSE_DATA_DIR`` (read by ``vaecourse.grading``) at a
temporary directory before nbval starts the notebook kernels, which inherit the environment.
"""

import os
import shutil
import tempfile

_created: list[str] = []


def pytest_configure(config):
    if not os.environ.get("VAECOURSE_DATA_DIR"):
        path = tempfile.mkdtemp(prefix="vaecourse-nbval-")
        _created.append(path)
        os.environ["VAECOURSE_DATA_DIR"] = path


def pytest_unconfigure(config):
    for path in _created:
        shutil.rmtree(path, ignore_errors=True)
