"""``einderiv serve`` in a real browser: headless Chromium loads the page and runs its script.

The page is opened at a shared-link address (``/?expr=...&wrt=...``), Chromium runs the page's
JavaScript (which calls the JSON API of a server started here) and dumps the resulting DOM; the
tests look for KaTeX's rendered markup and the right text in it. One test types into the page
through chromedriver (the W3C WebDriver protocol, plain HTTP) and watches the result and the
address follow. Skipped, with the reason, only when no Chromium (or, for that test, no
chromedriver) can be found (CI installs both: ``.ci/run``).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
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


# --- typing into the page, through chromedriver's WebDriver protocol ----------------------------

CHROMEDRIVER = shutil.which("chromedriver")


class Browser:
    """A minimal WebDriver client: a headless Chromium session driven over HTTP."""

    def __init__(self, profile) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.driver = subprocess.Popen(
            [CHROMEDRIVER, f"--port={self.port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.call("GET", "/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        args = [*FLAGS[:-1], f"--user-data-dir={profile}"]  # no virtual time: real typing
        options = {"binary": CHROMIUM, "args": args}
        caps = {"browserName": "chrome", "goog:chromeOptions": options}
        self.session = self.call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})
        self.session = self.session["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        url = f"http://127.0.0.1:{self.port}{path}"
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())["value"]

    def do(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def open(self, url) -> None:
        self.do("POST", "/url", {"url": url})

    def element(self, css) -> str:
        found = self.do("POST", "/element", {"using": "css selector", "value": css})
        assert isinstance(found, dict) and len(found) == 1, f"{css}: {found}"
        return next(iter(found.values()))  # the reference, whatever the protocol calls its key

    def type(self, css, text, clear=False) -> None:
        if clear:
            self.do("POST", f"/element/{self.element(css)}/clear", {})
        self.do("POST", f"/element/{self.element(css)}/value", {"text": text})

    def click(self, css) -> None:
        self.do("POST", f"/element/{self.element(css)}/click", {})

    def js(self, code):
        return self.do("POST", "/execute/sync", {"script": code, "args": []})

    def text(self, ident) -> str:
        return self.js(f"return document.getElementById({ident!r}).textContent")

    def wait_text(self, ident, wanted, seconds=30.0) -> None:
        deadline = time.monotonic() + seconds
        while (shown := self.text(ident)) != wanted:
            assert time.monotonic() < deadline, f"#{ident} shows {shown!r}, not {wanted!r}"
            time.sleep(0.1)

    def close(self) -> None:
        try:
            self.do("DELETE", "")
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=30)


@pytest.fixture
def browser(tmp_path):
    if CHROMEDRIVER is None:
        pytest.skip("no chromedriver found; install it with: apt-get install chromium-driver")
    session = Browser(tmp_path / "profile")
    yield session
    session.close()


def test_typing_updates_the_result_and_the_address(base_url, browser):
    browser.open(base_url)
    browser.type("#expr", "x' A x")
    browser.type("#wrt", "x")
    browser.wait_text("form", "x' (A + A')")
    search = browser.js("return location.search")
    assert "expr=x%27+A+x" in search and "wrt=x" in search

    browser.click('input[value="denominator"]')
    browser.wait_text("form", "(A + A') x")
    assert "layout=denominator" in browser.js("return location.search")
    browser.click('button[data-form="python"]')
    assert "def grad(A, x):" in browser.text("form")
    browser.click('button[data-form="named"]')  # nothing repeated: the text itself
    assert browser.text("form") == "(A + A') x"
    browser.click('button[data-form="text"]')

    browser.click('#examples button[data-expr="log|X|"]')
    browser.wait_text("form", "X^-T")
    browser.type("#claim", "inv(X)")
    browser.wait_text("verdict", "wrong")
    browser.type("#claim", "'")  # inv(X)': the gradient of log|X|
    browser.wait_text("verdict", "right")

    browser.open(browser.js("return location.href"))  # the address alone restores the page
    browser.wait_text("form", "X^-T")
    browser.wait_text("verdict", "right")


@pytest.mark.parametrize("line_break", ["\n", "\r\n", "\r"])
def test_declarations_on_new_lines_in_a_shared_link(base_url, tmp_path, line_break):
    # where= separates declarations with a new line (SPEC 1): the one-line field reads it as ;
    # d(tr(S X) + x' S x)/dS for a symmetric S: X and x x' made symmetric
    where = f"S: symmetric(n){line_break}x: vector(n)"
    html = dom(base_url, tmp_path, expr="tr(S X) + x' S x", wrt="S", where=where)
    assert "hidden" in element(html, "error"), element(html, "error")
    assert 'class="katex"' in html[html.index('id="math"') : html.index('id="note"')]


def test_an_unknown_layout_in_the_address_is_an_error_not_a_guess(base_url, tmp_path):
    html = dom(base_url, tmp_path, expr="x' x", wrt="x", layout="foo")
    shown = element(html, "error")
    assert "hidden" not in shown.split(">")[0] and "unknown layout 'foo'" in shown


@pytest.mark.parametrize(
    "expr, wrt, claim, shown",
    [
        ("x_1_2' A x_1_2", "x_1_2", "2 x_1_2' A", "x_1_2"),  # d(u'Au)/du = u'(A + A'), not 2u'A
        ("λ x' x", "x", "λ x'", "λ"),  # d(λ x'x)/dx = 2 λ x', not λ x': λ as the letter
    ],
)
def test_a_counterexample_names_any_variable(base_url, tmp_path, expr, wrt, claim, shown):
    html = dom(base_url, tmp_path, expr=expr, wrt=wrt, claim=claim)
    assert element(html, "verdict").endswith('class="verdict wrong">wrong')
    counter = html[html.index('id="counter-math"') : html.index('id="check-error"')]
    assert 'class="katex"' in counter and "katex-error" not in counter
    assert shown in counter and "mathrm{lambda}" not in counter


def test_a_verdict_is_hidden_as_soon_as_the_claim_changes(base_url, browser):
    # d(x' x)/dx = 2 x': right; edited to 2 x' + x', the old verdict must not stay beside it
    browser.open(base_url + "?" + urlencode({"expr": "x' x", "wrt": "x", "claim": "2 x'"}))
    browser.wait_text("verdict", "right")
    browser.type("#claim", " + x'")
    assert browser.js("return document.getElementById('verdict-box').hidden") is True
    browser.wait_text("verdict", "wrong")
    assert browser.js("return document.getElementById('verdict-box').hidden") is False


def test_an_answer_arriving_after_an_edit_is_never_shown(base_url, browser):
    # d(x' x)/dx = 2 x': the check of "2 x'" is slowed to arrive after the claim was edited
    # to "2 x' + x'" (wrong): "right" must never appear beside the edited claim
    browser.open(base_url + "?" + urlencode({"expr": "x' x", "wrt": "x"}))
    browser.wait_text("form", "2 x'")
    browser.js(
        "const f = window.fetch; window.fetch = (u, o) => new Promise("
        "(r) => setTimeout(r, 1200)).then(() => f(u, o));"
    )
    browser.type("#claim", "2 x'")
    # the first check is on its way (sent after 350 ms, answered at 1.55 s): the edit comes
    # just before, so its answer arrives while the edit waits to be sent (350 ms)
    time.sleep(1.3)
    browser.type("#claim", " + x'")
    seen = set()
    deadline = time.monotonic() + 20
    while "wrong" not in seen and time.monotonic() < deadline:
        shown = browser.js(
            "const b = document.getElementById('verdict-box');"
            "return b.hidden ? '' : document.getElementById('verdict').textContent"
        )
        seen.add(shown)
        time.sleep(0.05)
    assert "wrong" in seen and "right" not in seen, seen


def test_fields_changed_and_changed_back_leave_the_page_idle(base_url, browser):
    # d(x' x)/dx = 2 x': a letter typed and deleted at once, the fields are the shown result's
    browser.open(base_url + "?" + urlencode({"expr": "x' x", "wrt": "x"}))
    browser.wait_text("form", "2 x'")
    browser.type("#expr", "A")
    browser.type("#expr", "\ue003")  # Backspace, within the 350 ms before a request is sent
    deadline = time.monotonic() + 10
    while browser.js("return document.body.classList.contains('busy')"):
        assert time.monotonic() < deadline, "the page stays busy: " + browser.text("status")
        time.sleep(0.1)
    assert browser.text("form") == "2 x'" and browser.text("status") == ""
    browser.click('input[value="denominator"]')  # an example is in the notes' layout
    browser.click('#examples button[data-expr="tr(inv(X) A)"]')
    browser.wait_text(
        "verdict", "wrong"
    )  # DT6's -X^-T A X^-T: the numerator answer is -X^-1 A X^-1
    assert "layout=denominator" not in browser.js("return location.search")


def test_an_error_answer_is_asked_again(base_url, browser):
    # the server unreachable once: the error shows; editing the claim asks for the derivative
    # again (an error is never reused), and d(x' x)/dx = 2 x' and its verdict appear
    browser.open(base_url)
    browser.js(
        "const f = window.fetch; let failed = false; window.fetch = (u, o) => {"
        " if (!failed && String(u).includes('/api/diff')) { failed = true;"
        " return Promise.reject(new TypeError('offline')); } return f(u, o); };"
    )
    browser.type("#expr", "x' x")
    browser.type("#wrt", "x")
    deadline = time.monotonic() + 20
    while "cannot be reached" not in browser.text("error"):
        assert time.monotonic() < deadline, browser.text("error")
        time.sleep(0.1)
    browser.type("#claim", "2 x'")
    browser.wait_text("form", "2 x'")
    browser.wait_text("verdict", "right")


def test_an_answer_for_the_same_fields_is_used_once_the_claim_is_edited(base_url, browser):
    # the derivative of x' x (2 x') arrives while the claim is being typed: it is kept and
    # shown, never asked for again; a "checking" line shows while the verdict is on its way
    browser.open(base_url)
    browser.js(
        "window.diffs = 0; const f = window.fetch; window.fetch = (u, o) => {"
        " if (String(u).includes('/api/diff')) window.diffs += 1;"
        " return new Promise((r) => setTimeout(r, 600)).then(() => f(u, o)); };"
    )
    browser.type("#expr", "x' x")
    browser.type("#wrt", "x")
    time.sleep(0.8)  # the derivative is on its way (sent after 350 ms, answered after 950 ms)
    browser.type("#claim", "2")
    time.sleep(0.3)
    browser.type("#claim", " x'")
    browser.wait_text("verdict", "right")
    assert browser.text("form") == "2 x'"
    assert browser.js("return window.diffs") == 1
    assert browser.js("return document.getElementById('checking').hidden") is True
