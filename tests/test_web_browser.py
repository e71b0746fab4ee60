"""``einderiv serve`` in a real browser: headless Chromium loads the page and runs its script.

The page is opened at a shared-link address (``/?expr=...&wrt=...``), Chromium runs the page's
JavaScript (which calls the JSON API of a server started here) and dumps the resulting DOM; the
tests look for KaTeX's rendered markup and the right text in it. Skipped, with the reason, only
when no Chromium can be found (CI installs it: ``.ci/run``).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from urllib.parse import urlencode

import pytest

from einderiv.web.server import make_server

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM = next((path for name in BROWSERS if (path := shutil.which(name))), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found (looked for " + ", ".join(BROWSERS) + "); "
    "install it with: apt-get install chromium",
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
)


@pytest.fixture(scope="module")
def base_url():
    srv = make_server("127.0.0.1", 0, time_limit=10.0, workers=2, quiet=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/"
    srv.shutdown()
    srv.server_close()


def dom(base_url, tmp_path, **query) -> str:
    """The page's DOM after its script ran, opened at ``base_url?query``."""
    url = base_url + "?" + urlencode(query)
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "<body" in done.stdout, done.stderr[-2000:]
    return done.stdout


def element(html: str, ident: str) -> str:
    """The opening tag and text of the element with id ``ident`` (up to its first child tag)."""
    start = html.index(f'id="{ident}"')
    start = html.rindex("<", 0, start)
    return html[start : html.index("<", html.index(">", start))]


def test_a_shared_link_opens_computed_with_rendered_math(base_url, tmp_path):
    html = dom(base_url, tmp_path, expr="tr(X' A X)", wrt="X", layout="denominator")
    math = html[html.index('id="math"') : html.index('id="note"')]
    assert 'class="katex"' in math, "KaTeX did not render the result"
    assert "katex-error" not in math
    assert element(html, "form").endswith(">(A + A') X")  # the text tab: the gradient
    assert "denominator layout" in element(html, "caption")
    assert "hidden" in element(html, "error")


def test_an_error_shows_the_message_with_its_caret(base_url, tmp_path):
    html = dom(base_url, tmp_path, expr="tr(X' A", wrt="X")
    shown = element(html, "error")
    assert "hidden" not in shown.split(">")[0]
    assert "cannot parse the expression at line 1, column 8" in shown
    assert "\n  tr(X' A\n         ^\n" in shown


def test_a_wrong_claim_is_called_wrong_in_words(base_url, tmp_path):
    html = dom(base_url, tmp_path, expr="tr(inv(X) A)", wrt="X", claim="-X^-T A X^-T")
    assert element(html, "verdict").endswith('class="verdict wrong">wrong')
    assert element(html, "correct-text").endswith(">-X^-1 A X^-1")
    counter = html[html.index('id="counter-math"') : html.index('id="check-error"')]
    assert 'class="katex"' in counter and "claimed" in counter
