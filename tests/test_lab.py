"""`make lab`'s JupyterLab opens an exercise and a book page as notebooks (skipped without JupyterLab)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("jupyterlab", reason="JupyterLab is the optional extra of requirements-lab.txt (make lab)")

ROOT = Path(__file__).resolve().parents[1]
EXERCISE = "exercises/s4_gaussian_kl.ipynb"
PAGE = "book/s4_gaussian_kl/gaussian_kl.md"
TOKEN = "course-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(url, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read() or b"null")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A headless JupyterLab on a copy of an exercise, a page and jupytext.toml, as `make lab` starts it."""
    root = tmp_path_factory.mktemp("lab")
    for path in (EXERCISE, PAGE, "jupytext.toml"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, root / path)
    port = _free_port()
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", f"--ServerApp.root_dir={root}",
               f"--IdentityProvider.token={TOKEN}", "--LabApp.default_url=/lab/tree/exercises"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                _call(f"{base}/api")
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"JupyterLab stopped: {server.stderr.read()[-2000:]}")
                time.sleep(0.5)
        yield base, root
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_the_server_answers_and_serves_jupyterlab(lab):
    base, _ = lab
    status, info = _call(f"{base}/api")
    assert status == 200 and "version" in info
    assert urllib.request.urlopen(f"{base}/lab/tree/exercises?token={TOKEN}", timeout=60).status == 200


def test_an_exercise_and_a_book_page_open_as_notebooks(lab):
    base, _ = lab
    for path in (EXERCISE, PAGE):
        status, model = _call(f"{base}/api/contents/{path}?type=notebook")
        assert status == 200 and model["type"] == "notebook", path
        cells = model["content"]["cells"]
        assert any(c["cell_type"] == "code" for c in cells) and any(c["cell_type"] == "markdown" for c in cells)
    assert model["content"]["metadata"]["kernelspec"]["name"] == "python3"  # the page runs on the course's kernel


def test_saving_a_page_opened_as_a_notebook_keeps_its_header(lab):
    base, root = lab
    _, model = _call(f"{base}/api/contents/{PAGE}?type=notebook")
    copy = PAGE.replace(".md", "_saved.md")
    status, _ = _call(f"{base}/api/contents/{copy}", "PUT", {"type": "notebook", "format": "json", "content": model["content"]})
    assert status in (200, 201)

    def header(text):
        return text.split("\n---\n", 1)[0]

    assert header((root / copy).read_text()) == header((ROOT / PAGE).read_text())
