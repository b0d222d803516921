"""Layout checks of a loaded page, at a laptop's 1280 px and a phone's 390 px, in light and dark mode.

``test_book_pages.test_page`` runs them on every page of the built book, in the one load of that page
(light at 1280 px, then the same page resized to 390 px, then switched to dark mode):

- Nothing is wider than the content column unless it sits in a block that scrolls horizontally
  (``overflow-x: auto`` or ``scroll``) and itself fits: equations, tables, code and outputs; the page
  never scrolls sideways.
- At 1280 px no display equation and no table scrolls at all, not even inside its own block: each fits
  the column (code and printed outputs may scroll in their blocks). On a phone an equation may scroll.
- No console error, no uncaught exception, at either width.
- Every figure (``img`` in the article, players included) has alt text that is not a file name.
- In the theme's dark mode every figure stays legible: its pixels are opaque (a figure with its own
  background), or the page gives it a light background behind its transparent parts.
- The rendered code shows none of the tests' scaffolding (``# NBVAL_CHECK_OUTPUT``, ``assert``).

Screenshots of each page at 390 px go to ``_build/screenshots/``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

WIDTHS = {"laptop": 1280, "phone": 390}

OVERFLOW_REPORT = """() => {
  const column = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const box = column.getBoundingClientRect();
  const scrolls = el => { const s = getComputedStyle(el); return s.overflowX === 'auto' || s.overflowX === 'scroll'; };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].slice(0, 3).join('.') : '');
  const offenders = [];
  for (const el of column.querySelectorAll('*')) {
    if (offenders.some(o => o.contains(el))) continue;
    if (el.closest('mjx-assistive-mml')) continue;  // MathJax's copy for screen readers: visually hidden
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right <= box.right + 1 && r.left >= box.left - 1) continue;
    let inside = el.parentElement, held = false;
    while (inside && inside !== column.parentElement) {
      if (scrolls(inside)) {
        const s = inside.getBoundingClientRect();
        if (s.right <= box.right + 1 && s.left >= box.left - 1) { held = true; break; }
      }
      inside = inside.parentElement;
    }
    if (!held) offenders.push(el);
  }
  const page = document.documentElement;
  return {
    offenders: offenders.slice(0, 8).map(el => {
      const r = el.getBoundingClientRect();
      return `${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)} px, the column ${Math.round(box.left)}..${Math.round(box.right)}: ` +
        JSON.stringify((el.textContent || el.getAttribute('src') || '').trim().slice(0, 60));
    }),
    pageWidth: page.scrollWidth, viewport: window.innerWidth,
  };
}"""

# Display equations and tables whose content is wider than their box (they would scroll inside it):
# the equation's TeX (MathJax keeps it) or the table's first text, the content's width and the box's.
SCROLLING_REPORT = """() => {
  const column = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const columnWidth = column.getBoundingClientRect().width;
  const tex = new Map();
  if (window.MathJax && MathJax.startup && MathJax.startup.document) {
    for (const item of MathJax.startup.document.math) { if (item.typesetRoot) tex.set(item.typesetRoot, item.math); }
  }
  // The content's width and the widest box around it, up to the column: the first box it overflows.
  const measure = (el, content) => {
    let width = content;
    for (let box = el; box && box !== column; box = box.parentElement) {
      width = Math.max(width, box.scrollWidth);
      if (box.scrollWidth > box.clientWidth + 1) return {width, box: box.clientWidth};
    }
    return width > columnWidth + 1 ? {width, box: columnWidth} : null;
  };
  const found = [];
  const short = text => text.trim().replace(/\\s+/g, ' ').slice(0, 50);
  for (const el of column.querySelectorAll('mjx-container[display="true"]')) {
    const math = el.querySelector('mjx-math');
    const wide = measure(el, math ? math.getBoundingClientRect().width : 0);
    if (wide) found.push({what: 'equation', text: short(tex.get(el) || el.textContent), ...wide});
  }
  for (const el of column.querySelectorAll('table')) {
    if (el.closest('mjx-container')) continue;
    const wide = measure(el, el.getBoundingClientRect().width);
    if (wide) found.push({what: el.closest('.cell_output') ? 'printed table' : 'table', text: short(el.textContent), ...wide});
  }
  return found.map(f => ({...f, width: Math.round(f.width), box: Math.round(f.box)}));
}"""

FIGURE_REPORT = """async () => {
  const images = [...document.querySelectorAll('article.bd-article img')];
  const report = [];
  for (const img of images) {
    if (!img.complete) { await new Promise(done => { img.onload = img.onerror = done; }); }
    const src = img.getAttribute('src') || '';
    const alt = (img.getAttribute('alt') || '').trim();
    const fileName = /\\.(png|svg|jpe?g|gif)$/i.test(alt) || alt === src || alt.includes('_images/');
    let opaque = null;
    if (img.naturalWidth > 0) {
      const canvas = document.createElement('canvas');
      canvas.width = Math.min(img.naturalWidth, 200); canvas.height = Math.min(img.naturalHeight, 200);
      const context = canvas.getContext('2d');
      try {
        context.drawImage(img, 0, 0, canvas.width, canvas.height);
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
        let solid = 0;
        for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 200) solid += 1; }
        opaque = solid / (pixels.length / 4);
      } catch (error) { opaque = null; }
    }
    const background = getComputedStyle(img).backgroundColor;
    const lightBackground = (() => {
      const m = background.match(/rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)(?:, ([\\d.]+))?\\)/);
      if (!m || (m[4] !== undefined && Number(m[4]) < 0.9)) return false;
      return 0.299 * m[1] + 0.587 * m[2] + 0.114 * m[3] > 180;
    })();
    const visible = img.getBoundingClientRect().width > 0;
    report.push({src: src.slice(0, 60), alt, fileName, opaque, lightBackground, visible});
  }
  return report;
}"""

SCAFFOLDING_REPORT = """() => [...document.querySelectorAll('article.bd-article .cell_input pre')]
  .map(pre => pre.textContent)
  .filter(text => text.includes('NBVAL_CHECK_OUTPUT') || /^\\s*assert\\b/m.test(text))
  .map(text => text.trim().slice(0, 80))"""


def check_width(page, width_name: str, path: str, screenshot_dir: Path) -> list[str]:
    """Resize the loaded page to ``WIDTHS[width_name]`` and report what is wider than the column (and, at the
    laptop's width, any equation or table that scrolls); at the phone's width, screenshot it."""
    width = WIDTHS[width_name]
    page.set_viewport_size({"width": width, "height": 900})
    report = page.evaluate(OVERFLOW_REPORT)
    scrolling = page.evaluate(SCROLLING_REPORT) if width_name == "laptop" else []
    if width_name == "phone":
        page.screenshot(path=str(screenshot_dir / f"{path.removesuffix('.html').replace('/', '_')}_390px.png"), full_page=True)
    problems = [f"at {width} px: wider than the column, not in a scrolling block: {text}" for text in report["offenders"]]
    problems += [f"at {width} px: {item['what']} scrolls sideways ({item['width']} px of content in a {item['box']} px box): "
                 f"{item['text']!r}" for item in scrolling]
    if report["pageWidth"] > report["viewport"] + 1:
        problems.append(f"at {width} px: the page scrolls sideways: {report['pageWidth']} px wide in a {report['viewport']} px window")
    return problems


def check_scaffolding(page) -> list[str]:
    return [f"test scaffolding shown in a code cell: {text!r}" for text in page.evaluate(SCAFFOLDING_REPORT)]


def check_dark_figures(page) -> list[str]:
    """Switch the loaded page to dark mode (the theme follows the system's colour scheme) at 1280 px and
    report figures without alt text, or transparent with no light backing."""
    page.set_viewport_size({"width": WIDTHS["laptop"], "height": 900})
    page.emulate_media(color_scheme="dark")
    try:  # the theme's listener on the colour scheme runs at the browser's next frame
        page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'", timeout=10_000)
    except PlaywrightTimeout:
        pass
    theme = page.evaluate("() => document.documentElement.dataset.theme")
    if theme != "dark":
        return [f"the theme did not switch to dark mode (data-theme={theme!r})"]
    problems = []
    for figure in page.evaluate(FIGURE_REPORT):
        if not figure["alt"] or figure["fileName"]:
            problems.append(f"figure without alt text: {figure['src']} (alt={figure['alt']!r})")
        if figure["visible"] and figure["opaque"] is not None and figure["opaque"] < 0.9 and not figure["lightBackground"]:
            problems.append(f"figure with a transparent background and no light backing in dark mode: {figure['src']} "
                            f"({100 * figure['opaque']:.0f}% opaque)")
    return problems
