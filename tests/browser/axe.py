"""axe-core in the page: the accessibility rules a browser test checks on every main page.

axe.min.js comes from npm (scripts/vendor_axe.sh) and is injected by the test only; the
site never serves it. The page's Content-Security-Policy refuses inline scripts, so it is
loaded as a same-origin script whose answer Playwright fulfils from the vendored file.
"""

from __future__ import annotations

import json
from pathlib import Path

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
AXE_PATH = "/__tests__/axe.min.js"  # never reaches the site: the route below answers it
BLOCKING = {"serious", "critical"}


def audit(page) -> list[dict]:
    """The serious and critical violations on the page as it is now, one dict per rule."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        if not getattr(page, "_axe_routed", False):
            page.route(
                "**" + AXE_PATH,
                lambda route: route.fulfill(body=AXE.read_text(), content_type="application/javascript"),
            )
            page._axe_routed = True
        page.add_script_tag(url=page.evaluate("location.origin") + AXE_PATH)
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in BLOCKING]


def describe(found: dict[str, list[dict]]) -> str:
    return json.dumps(found, indent=1, ensure_ascii=False)
