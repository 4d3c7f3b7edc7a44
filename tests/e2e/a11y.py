"""axe-core in the browser tests: each page the tests visit, and each dialog they open, is checked for
WCAG 2.x A/AA (and axe's best-practice) problems; a serious or critical one fails the test.

axe-core is a devDependency of the SPA (frontend/package.json, installed by `npm ci`). Its source is
evaluated in the page through the DevTools protocol (page.evaluate), which the page's CSP does not
govern, so the browser context keeps the real CSP (no bypass_csp) and the CSP watch stays meaningful.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")

# axe judges the settled page: finite animations and transitions (a theme change fades the buttons'
# backgrounds) end first; infinite ones (the spinner) are left running.
RUN_AXE = """async () => {
  const finite = document.getAnimations().filter((animation) => {
    const end = animation.effect?.getComputedTiming().endTime;
    return animation.playState === 'running' && Number.isFinite(end);
  });
  await Promise.all(finite.map((animation) => animation.finished.catch(() => undefined)));
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.slice(0, 5).map((node) => `${node.target.join(' ')}: ${node.failureSummary}`),
  }));
}"""


def _axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is not installed at {AXE_JS}: run `make frontend-install` (npm ci in frontend/)")
    return AXE_JS.read_text()


def axe_violations(page) -> list[dict]:
    """axe's violations on the page as it is now (axe is loaded into the document on first use)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return page.evaluate(RUN_AXE)


def failing(violations: list[dict]) -> list[dict]:
    return [violation for violation in violations if violation["impact"] in FAILING_IMPACTS]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(f"    {node}" for node in v["nodes"])
        for v in violations
    )
