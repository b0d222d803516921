"""Where the browser test finds the built book and writes its screenshots (overridable by environment)."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HTML_DIR = Path(os.environ.get("BOOK_HTML_DIR", REPO / "_build" / "html")).resolve()
SCREENSHOT_DIR = Path(os.environ.get("BOOK_SCREENSHOT_DIR", REPO / "_build" / "screenshots")).resolve()
