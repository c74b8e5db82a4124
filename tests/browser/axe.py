"""axe-core and the sideways-scroll check, shared by the accessibility tests.

axe-core comes from the npm registry (`make setup-test` installs it into tools/axe/); it is run
with `page.evaluate`, which the page's Content-Security-Policy does not apply to."""

import warnings
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

AXE_JS = Path(__file__).resolve().parents[2] / "tools/axe/node_modules/axe-core/axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact,
                  targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
                  summary: v.nodes[0] && v.nodes[0].failureSummary}));
}"""

# The outermost elements that stick out of the viewport: where to look when a page scrolls.
TOO_WIDE = """(width) => {
  const clipped = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const wide = (el) => el.getBoundingClientRect().right > width + 1;
  return [...document.querySelectorAll("body *")]
    .filter((el) => wide(el) && !wide(el.parentElement) && !clipped(el))
    .slice(0, 5)
    .map((el) => el.outerHTML.slice(0, 120));
}"""


def keep_screenshot(page, path) -> None:
    """A full-page screenshot for the CI artefacts, not an assertion: Chromium under load now
    and then answers "Unable to capture screenshot"; one retry, then a warning, never a fail."""
    for attempt in (1, 2):
        try:
            page.screenshot(path=str(path), full_page=True)
            return
        except PlaywrightError as exc:
            if attempt == 2:
                warnings.warn(f"no screenshot {path}: {exc}", stacklevel=2)
            else:
                page.wait_for_timeout(500)


def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing from {AXE_JS}: run `make setup-test`")
    return AXE_JS.read_text()


def page_problems(page, source: str, label: str, width: int) -> list[str]:
    """Serious or critical axe violations of the page as it stands (a menu left open stays
    open), and at phone width any sideways scroll of the page itself. Motion is reduced (as
    Bootstrap honours) so no colour is measured halfway through a transition."""
    page.emulate_media(reduced_motion="reduce")
    page.evaluate(source)
    problems = [
        f"{label} @{width}px [{v['impact']}] {v['id']}: {v['targets']}\n    {v['summary']}"
        for v in page.evaluate(RUN_AXE)
    ]
    if width < 400:
        scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
        if scroll_width > width:
            problems.append(
                f"{label} @{width}px scrolls sideways: {scroll_width}px wide; "
                f"too wide: {page.evaluate(TOO_WIDE, width)}"
            )
    return problems
