"""What today's checker does with each real case it falls short on (the test is a strict xfail; remove an entry when it is caught).

Regenerate with ``PYTHONPATH=$PWD .venv/bin/python -m tests.realbugs.report --gaps`` after a checker change.
"""

GAPS: dict[str, str] = {}
