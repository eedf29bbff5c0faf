"""A headless Chromium for the tests: open a report as a reader would, measure what renders.

Debian's `chromium` and `chromium-driver` packages (the Makefile's `browser` target installs
them) driven by selenium. Everything runs offline: the page is a local file and Chromium's
network features that call home are switched off.

    python -m tests.browser runs/demo/audit.html docs/audit-dashboard.png   # a screenshot
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = ("chromedriver",)

# Every rendered text box: the client rects of each visible text node (a Range per node, so
# inline runs that wrap give one rect per line), with the element and a bit of its text.
TEXT_BOXES_JS = """
const boxes = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  if (!n.textContent.trim()) continue;
  const el = n.parentElement;
  if (!el || el.closest('title, style, script')) continue;
  if (!el.checkVisibility()) continue;
  const range = document.createRange();
  range.selectNodeContents(n);
  for (const r of range.getClientRects()) {
    if (r.width < 1 || r.height < 1) continue;
    boxes.push({x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height,
                text: n.textContent.trim().slice(0, 40), tag: el.tagName});
  }
}
return boxes;
"""


def find(names: tuple[str, ...]) -> str | None:
    return next((p for name in names if (p := shutil.which(name))), None)


def available() -> str | None:
    """None when a browser can run here, else why not (the reason a test skips with)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    if find(CHROMIUM) is None or find(DRIVER) is None:
        return "chromium and chromedriver are not installed (make browser)"
    return None


def start(width: int = 1280, height: int = 900) -> Any:
    """A headless Chromium whose viewport is width × height CSS pixels."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = find(CHROMIUM) or ""
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--window-size={width},{height}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(find(DRIVER) or ""))
    # --window-size sets the window; the viewport is what the page sees: make it exact.
    inner = driver.execute_script("return [innerWidth, innerHeight]")
    driver.set_window_size(width + width - inner[0], height + height - inner[1])
    return driver


def open_file(driver: Any, path: Path) -> None:
    driver.get(path.resolve().as_uri())


def text_boxes(driver: Any) -> list[dict[str, Any]]:
    return driver.execute_script(TEXT_BOXES_JS)


def overlaps(boxes: list[dict[str, Any]], tolerance: float = 1.0) -> list[tuple[dict, dict]]:
    """Pairs of text boxes that overlap by more than `tolerance` px both ways."""
    order = sorted(boxes, key=lambda b: b["y"])
    found = []
    for i, a in enumerate(order):
        for b in order[i + 1 :]:
            if b["y"] >= a["y"] + a["h"] - tolerance:
                break
            dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if dx > tolerance and dy > tolerance:
                found.append((a, b))
    return found


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 900) -> None:
    """The first screen of a page, as a reader sees it at width × height."""
    driver = start(width, height)
    try:
        open_file(driver, html)
        png.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(png))
    finally:
        driver.quit()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m tests.browser REPORT.html SCREENSHOT.png")
    screenshot(Path(sys.argv[1]), Path(sys.argv[2]))
