"""``einderiv serve``: the JSON API, its bounds and its errors, through real HTTP (SPEC section 10).

A server is started in this process on a free port (its derivations run in worker processes);
requests go through ``http.client``. Right answers are checked numerically: the returned text
is evaluated with ``ed.parse`` on random arrays and compared with central finite differences of
plain numpy code written here; the generated Python is run and compared the same way. Bad
requests must be 4xx with the einderiv message, never 5xx, and the server must go on serving.
"""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import einderiv as ed
from einderiv.web import results
from einderiv.web.server import MAX_CHARS, make_server
from tests.named_forms import substituted

TIME_LIMIT = 2.0
RNG = np.random.default_rng(16)


@pytest.fixture(scope="module")
def server():
    srv = make_server("127.0.0.1", 0, time_limit=TIME_LIMIT, workers=2, quiet=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def request(server, method, path, body=None, raw=None, headers=None, timeout=60):
    """(status, decoded JSON or text, seconds) of one request on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=timeout)
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    start = time.monotonic()
    conn.request(method, path, body=data, headers=headers or {})
    response = conn.getresponse()
    payload = response.read()
    seconds = time.monotonic() - start
    conn.close()
    kind = response.getheader("Content-Type", "")
    decoded = json.loads(payload) if "json" in kind else payload.decode("utf-8", "replace")
    return response.status, decoded, seconds


def diff(server, expr, wrt, where=None, layout="numerator"):
    body = {"expr": expr, "wrt": wrt, "where": where, "layout": layout}
    return request(server, "POST", "/api/diff", body)


def assert_alive(server):
    status, answer, _ = diff(server, "x' A x", "x", layout="denominator")
    assert status == 200, answer
    assert answer["text"] == "(A + A') x"


def fd_gradient(f, x, h=1e-6):
    """Central differences of the scalar function f at x: an array shaped like x."""
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        g[idx] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def value_of(text, **arrays):
    return np.asarray(ed.parse(text)(**arrays), dtype=float)


def run_generated(source, **arrays):
    space: dict = {}
    exec(compile(source, "<einderiv generated>", "exec"), space)  # noqa: S102 - einderiv's output
    return np.asarray(space["grad"](**arrays))


# --- right answers -----------------------------------------------------------------------------


def test_health(server):
    status, answer, _ = request(server, "GET", "/api/health")
    assert status == 200
    assert answer["ok"] is True
    assert answer["version"] == ed.__version__


def test_diff_trace_quadratic_is_numerically_right(server):
    status, answer, _ = diff(server, "tr(X' A X)", "X", layout="denominator")
    assert status == 200, answer
    for key in ("expr", "wrt", "layout", "shape", "text", "latex", "index"):
        assert key in answer
    assert answer["layout"] == "denominator"
    X, A = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 4))
    expected = fd_gradient(lambda x: np.trace(x.T @ A @ x), X)  # (A + A') X
    np.testing.assert_allclose(value_of(answer["text"], X=X, A=A), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(run_generated(answer["python"], X=X, A=A), expected, atol=1e-6)
    assert "\\top" in answer["latex"]
    assert "np.einsum(" in answer["einsum"]  # each product one einsum, in the asked layout
    np.testing.assert_allclose(run_generated(answer["einsum"], X=X, A=A), expected, atol=1e-6)
    assert "delta" in answer["steps"]

    status, numerator, _ = diff(server, "tr(X' A X)", "X")
    assert status == 200
    np.testing.assert_allclose(value_of(numerator["text"], X=X, A=A), expected.T, atol=1e-6)


def test_diff_names_shared_subexpressions(server):
    # d/dx sum(tanh(W2 tanh(W1 x))): the "named" form writes tanh(W1 x) once (t1); put back,
    # the same values as central differences of numpy
    status, answer, _ = diff(server, "sum(tanh(W2 tanh(W1 x)))", "x", layout="denominator")
    assert status == 200, answer
    assert answer["named"].startswith("t1 = tanh(W1 x)\n"), answer["named"]
    W1, W2, x = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3)), RNG.standard_normal(3)
    expected = fd_gradient(lambda v: np.sum(np.tanh(W2 @ np.tanh(W1 @ v))), x)
    got = value_of(substituted(answer["named"]), W1=W1, W2=W2, x=x)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_diff_logistic_regression_by_w(server):
    expr = "sum(log(1 + exp(-y .* (X w))))"
    status, answer, _ = diff(server, expr, "w", layout="denominator")
    assert status == 200, answer
    X, y, w = RNG.standard_normal((6, 3)), np.sign(RNG.standard_normal(6)), RNG.standard_normal(3)
    expected = fd_gradient(lambda v: np.sum(np.log1p(np.exp(-y * (X @ v)))), w)
    np.testing.assert_allclose(value_of(answer["text"], X=X, y=y, w=w), expected, atol=1e-6)
    np.testing.assert_allclose(run_generated(answer["python"], X=X, y=y, w=w), expected, atol=1e-6)


def test_diff_gaussian_by_x_and_logdet(server):
    S = RNG.standard_normal((3, 3))
    S = S @ S.T + 3 * np.eye(3)
    x = RNG.standard_normal(3)
    status, answer, _ = diff(server, "logdet(S) + x' inv(S) x", "x", layout="denominator")
    assert status == 200, answer
    expected = fd_gradient(lambda v: np.linalg.slogdet(S)[1] + v @ np.linalg.solve(S, v), x)
    np.testing.assert_allclose(value_of(answer["text"], S=S, x=x), expected, atol=1e-6)

    status, answer, _ = diff(server, "log|X|", "X", layout="denominator")
    assert status == 200, answer
    expected = fd_gradient(lambda m: np.linalg.slogdet(m)[1], S)
    np.testing.assert_allclose(value_of(answer["text"], X=S), expected, atol=1e-6)


def test_check_wrong_claim_has_a_true_counterexample(server):
    body = {"expr": "tr(inv(X) A)", "wrt": "X", "claim": "-X^-T A X^-T"}
    status, answer, _ = request(server, "POST", "/api/check", body)
    assert status == 200, answer
    assert answer["ok"] is False
    assert answer["verdict"] == "wrong"
    point = {name: np.array(value) for name, value in answer["counterexample"].items()}
    X, A = point["X"], point["A"]
    gradient = fd_gradient(lambda m: np.trace(np.linalg.inv(m) @ A), X)  # numerator: its transpose
    claimed = -np.linalg.inv(X).T @ A @ np.linalg.inv(X).T
    assert not np.allclose(claimed, gradient.T, atol=1e-4)
    np.testing.assert_allclose(np.array(answer["claimed_value"]), claimed, atol=1e-9)
    np.testing.assert_allclose(np.array(answer["true_value"]), gradient.T, atol=1e-5)
    np.testing.assert_allclose(value_of(answer["expected"], X=X, A=A), gradient.T, atol=1e-5)


def test_check_right_claim(server):
    body = {"expr": "x' A x", "wrt": "x", "claim": "x' (A + A')", "layout": "numerator"}
    status, answer, _ = request(server, "POST", "/api/check", body)
    assert status == 200, answer
    assert (answer["ok"], answer["verdict"], answer["counterexample"]) == (True, "right", None)


def test_einderivs_notes_reach_the_page(server):
    status, answer, _ = diff(server, "x'Ax", "x", layout="denominator")
    assert status == 200, answer
    assert answer["text"] == "(A + A') x"
    assert "product" in answer["note"]  # x'Ax was read as x' A x: the page says so
    status, answer, _ = diff(server, "x' A x", "x")
    assert answer["note"] is None


def test_json_object_of_one_derivative_has_the_cli_fields():
    out = results.derivative_json("a' x", "x", layout="denominator")
    assert set(out) == {"expr", "wrt", "layout", "shape", "text", "latex", "index"}
    assert (out["text"], out["shape"]) == ("a", ["n"])
    json.dumps(out, allow_nan=False)
    assert results.plain(np.array([np.inf, -0.0, np.nan])) == ["inf", 0.0, "nan"]


# --- errors, bounds, hostile input ---------------------------------------------------------------


def test_parse_error_is_400_with_the_caret_lines(server):
    status, answer, _ = diff(server, "tr(X' A", "X")
    assert status == 400
    message = answer["error"]
    assert "cannot parse the expression" in message
    assert "\n  tr(X' A\n         ^" in message
    assert message == str(pytest.raises(ed.EinderivError, ed.diff, "tr(X' A", "X").value)
    assert_alive(server)


@pytest.mark.parametrize(
    "body, words",
    [
        ({"expr": "x + A", "wrt": "x", "where": "x: vector(3); A: matrix(2, 2)"}, "shapes"),
        ({"expr": "x' x", "wrt": "x", "layout": "sideways"}, "unknown layout"),
        ({"expr": "x' x", "wrt": "q"}, "q"),
        ({"expr": "x' x"}, '"wrt" is missing'),
        ({"expr": 3, "wrt": "x"}, "must be a string"),
        ({"expr": "   ", "wrt": "x"}, "empty"),
        ({"expr": "x' x", "wrt": "x", "claim": "foo("}, None),
    ],
)
def test_bad_input_is_400_with_a_message(server, body, words):
    path = "/api/check" if "claim" in body else "/api/diff"
    status, answer, _ = request(server, "POST", path, body)
    assert status == 400, answer
    assert answer["error"]
    if words:
        assert words in answer["error"]
    assert_alive(server)


@pytest.mark.parametrize(
    "raw, named",
    [
        (b'{"expr": "a\' X b", "wrt": "X", "layuot": "denominator"}', "layuot"),  # misspelt
        (b'{"expr": "a\' X b", "wrt": "X", "claim": "a b\'"}', "claim"),  # not /api/check's
        (b'{"expr": "a\' X b", "wrt": "X", "layout": "numerator", "layout": "jacobian"}', "twice"),
    ],
)
def test_a_field_that_is_not_read_is_refused_not_ignored(server, raw, named):
    # d(a' X b)/dX is b a' in numerator layout and a b' in the other two: a field the server
    # skipped ("layuot") or one of two values it picked would give an answer to another question
    status, answer, _ = request(server, "POST", "/api/diff", raw=raw)
    assert status == 400, answer
    assert named in answer["error"]
    status, answer, _ = diff(server, "a' X b", "X", layout="denominator")
    assert status == 200, answer
    a, b = RNG.standard_normal(3), RNG.standard_normal(4)
    X = RNG.standard_normal((3, 4))
    want = fd_gradient(lambda Y: a @ Y @ b, X)
    np.testing.assert_allclose(value_of(answer["text"], a=a, b=b), want, atol=1e-6)


@pytest.mark.parametrize(
    "method, path, raw, status",
    [
        ("POST", "/api/diff", b"{not json", 400),
        ("POST", "/api/diff", b'["expr"]', 400),
        ("POST", "/api/check", b"\xff\xfe", 400),
        ("POST", "/api/diff", b"", 400),
        ("GET", "/api/diff", None, 405),
        ("PUT", "/api/check", b"{}", 405),
        ("DELETE", "/", None, 405),
        ("BREW", "/api/diff", None, 405),
        ("POST", "/api/health", b"{}", 405),
        ("GET", "/nowhere", None, 404),
        ("POST", "/api/nowhere", b"{}", 404),
        ("GET", "/static/../server.py", None, 404),
        ("GET", "/static/%2e%2e/server.py", None, 404),
        ("GET", "/static/" + "a" * 300, None, 404),  # a name too long for the file system
        ("POST", "/api/diff", b"[" * 100_000 + b"]" * 100_000, 400),  # nested too deeply
        ("POST", "/api/diff", b'{"expr": "\\ud800", "wrt": "x"}', 400),  # a lone surrogate
        ("POST", "/api/check", b'{"expr": "x", "wrt": "x", "claim": "\\udfff"}', 400),
    ],
)
def test_malformed_requests_are_4xx_never_5xx(server, method, path, raw, status):
    got, answer, _ = request(server, method, path, raw=raw)
    assert got == status, answer
    assert answer["error"]
    assert_alive(server)


def test_hostile_expression_is_not_run(server, tmp_path):
    marker = tmp_path / "ran"
    expr = f"__import__('os').system('touch {marker}')"
    for path, extra in (("/api/diff", {}), ("/api/check", {"claim": expr})):
        body = {"expr": expr, "wrt": "x", **extra}
        status, answer, _ = request(server, "POST", path, body)
        assert status == 400, answer
        assert "cannot parse" in answer["error"]
    status, answer, _ = request(
        server, "POST", "/api/check", {"expr": "x' x", "wrt": "x", "claim": expr}
    )
    assert status == 400 and "cannot parse the claim" in answer["error"]
    assert not marker.exists()
    assert_alive(server)


def test_a_one_megabyte_expression_is_413_naming_its_length(server):
    status, answer, _ = diff(server, "x + " * 250_000, "x")
    assert status == 413
    assert "1,000,000 characters" in answer["error"] and f"{MAX_CHARS:,}" in answer["error"]
    status, answer, _ = request(
        server, "POST", "/api/check", {"expr": "x' x", "wrt": "x", "claim": "x" * (MAX_CHARS + 1)}
    )
    assert status == 413 and f"{MAX_CHARS + 1:,} characters" in answer["error"]
    status, answer, _ = diff(server, "x' x" + " " * (MAX_CHARS - 4), "x")  # at the limit: allowed
    assert status == 200, answer
    assert_alive(server)


def test_an_enormous_body_is_413_without_being_read(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
    conn.putrequest("POST", "/api/diff")
    conn.putheader("Content-Length", str(50_000_000))
    conn.endheaders()
    response = conn.getresponse()
    answer = json.loads(response.read())
    conn.close()
    assert response.status == 413
    assert "50,000,000 bytes" in answer["error"]
    assert_alive(server)


def test_a_long_request_is_stopped_while_others_are_served(server):
    slow = "x"
    for _ in range(80):  # the gradient by W grows as the cube of the depth: tens of seconds
        slow = f"tanh(W {slow})"
    slow = f"sum({slow})"
    outcome = {}

    def slow_request():
        outcome["slow"] = diff(server, slow, "W")

    thread = threading.Thread(target=slow_request)
    thread.start()
    time.sleep(0.3)
    status, answer, seconds = diff(server, "tr(X' A X)", "X")  # another client, meanwhile
    assert status == 200, answer
    assert seconds < TIME_LIMIT, f"a normal request waited {seconds:.2f} s for the slow one"
    assert "slow" not in outcome, "the slow request should still be running"
    thread.join(timeout=TIME_LIMIT + 30)
    status, answer, seconds = outcome["slow"]
    assert status == 422
    assert "stopped" in answer["error"] and f"{TIME_LIMIT:g} s" in answer["error"]
    assert TIME_LIMIT <= seconds < TIME_LIMIT + 5
    for _ in range(3):  # the killed worker is replaced: every later request is answered
        assert_alive(server)


def test_the_page_and_its_static_files_are_served(server):
    status, page, _ = request(server, "GET", "/?expr=x&wrt=x")
    assert status == 200 and "<title>einderiv" in page
    for path in ("/static/app.js", "/static/app.css", "/static/katex/katex.min.js"):
        status, text, _ = request(server, "GET", path)
        assert status == 200 and len(text) > 100, path
        assert "http://" not in text.replace("http://www.w3.org", ""), f"{path} loads from a CDN"
    status, _, _ = request(server, "GET", "/static/katex/fonts/KaTeX_Main-Regular.woff2")
    assert status == 200
    status, license_text, _ = request(server, "GET", "/static/katex/LICENSE")
    assert status == 200 and "MIT" in license_text
    status, head, _ = request(server, "HEAD", "/")
    assert status == 200 and head == ""


# `python -m einderiv serve ...` with Ctrl-C (SIGINT) handled as a terminal's foreground process
# gets it: a test run started in the background by a shell inherits SIGINT ignored, and so would
# the server (Python keeps an ignored SIGINT ignored)
_SERVE_WITH_CTRL_C = (
    "import runpy, signal, sys\n"
    "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "sys.argv = ['einderiv', *sys.argv[1:]]\n"
    "runpy.run_module('einderiv', run_name='__main__', alter_sys=True)\n"
)


def test_cli_serve_starts_answers_and_stops():
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVE_WITH_CTRL_C, "serve", "--port", "0", "--time-limit", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("einderiv serve: http://127.0.0.1:"), line + proc.stderr.read()
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/api/diff", body=json.dumps({"expr": "a' x", "wrt": "x"}))
        answer = json.loads(conn.getresponse().read())
        conn.close()
        assert answer["text"] == "a'"
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_a_server_started_from_any_script_works():
    """Workers are plain subprocesses: a script read from stdin, without a __main__ guard, works
    (multiprocessing's spawn would re-import the caller's main module and fail)."""
    script = (
        "import json, http.client, threading\n"
        "from einderiv.web.server import make_server\n"
        "srv = make_server('127.0.0.1', 0, time_limit=10, workers=1, quiet=True)\n"
        "threading.Thread(target=srv.serve_forever, daemon=True).start()\n"
        "c = http.client.HTTPConnection('127.0.0.1', srv.server_address[1], timeout=60)\n"
        "c.request('POST', '/api/diff', json.dumps({'expr': 'tr(A X)', 'wrt': 'X'}))\n"
        "print(json.loads(c.getresponse().read())['text'])\n"
        "srv.shutdown(); srv.server_close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-"],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "A\n"), done.stderr


@pytest.mark.parametrize("limit", ["0", "inf", "nan", "-1"])
def test_cli_serve_rejects_a_bad_time_limit(limit):
    done = subprocess.run(
        [sys.executable, "-m", "einderiv", "serve", "--time-limit", limit],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--time-limit" in done.stderr and "Traceback" not in done.stderr


@pytest.fixture
def patient_server():
    """Two workers and a 12 s limit: long enough that a request answered while the slow ones run
    is told apart from one queued behind them even on a loaded machine (spawning a worker can
    then take seconds, longer than ``TIME_LIMIT``)."""
    srv = make_server("127.0.0.1", 0, time_limit=12.0, workers=2, quiet=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_more_slow_requests_than_workers_do_not_hold_up_others(patient_server):
    server = patient_server
    slow = "x"
    for _ in range(80):
        slow = f"tanh(W {slow})"
    slow = f"sum({slow})"
    done = []
    threads = [threading.Thread(target=lambda: done.append(diff(server, slow, "W"))) for _ in "abc"]
    for thread in threads:  # three slow requests, two workers: more are started meanwhile
        thread.start()
    time.sleep(0.3)
    status, answer, _ = diff(server, "tr(X' A X)", "X")
    assert status == 200, answer
    assert len(done) == 0, "the slow requests should still be running"
    for thread in threads:
        thread.join(timeout=12.0 + 60)
    assert [status for status, _, _ in done] == [422] * 3
    for _ in range(3):
        assert_alive(server)
    deadline = time.monotonic() + 60  # the extra workers end: two stay, as the pool began
    while len(server.pool._all) > 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(server.pool._all) == 2


def test_a_duplicate_content_length_and_an_http2_preface_are_400():
    srv = make_server("127.0.0.1", 0, time_limit=TIME_LIMIT, workers=1, quiet=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        for raw in (
            b"POST /api/diff HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        ):
            with socket.create_connection(srv.server_address, timeout=10) as sock:
                sock.sendall(raw)
                reply = b""
                while chunk := sock.recv(65536):
                    reply += chunk
            assert reply.startswith(b"HTTP/1.") and b" 400 " in reply.split(b"\r\n")[0], reply
    finally:
        srv.shutdown()
        srv.server_close()


def _recording_server(**spies):
    """A server (time limit 60 s, one warm worker) whose pool records each job's ``Outcome``
    (the list returned) and calls ``spies`` (pool method name -> wrapper) around its methods."""
    srv = make_server("127.0.0.1", 0, time_limit=60.0, workers=1, quiet=True)
    outcomes = []
    run = srv.pool.run

    def recording(*args, **kwargs):
        outcomes.append(run(*args, **kwargs))
        return outcomes[-1]

    srv.pool.run = recording
    for name, wrap in spies.items():
        setattr(srv.pool, name, wrap(getattr(srv.pool, name)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, outcomes


def _send_slow(srv, depth: int) -> socket.socket:
    """A connection that has sent a slow request (the gradient of a tanh chain ``depth`` deep
    by W: seconds of work) and waits for its answer."""
    slow = "x"
    for _ in range(depth):
        slow = f"tanh(W {slow})"
    body = json.dumps({"expr": f"sum({slow})", "wrt": "W"}).encode()
    client = socket.create_connection(("127.0.0.1", srv.server_address[1]))
    client.sendall(
        b"POST /api/diff HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    return client


def _wait_for(outcomes: list, count: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while len(outcomes) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_an_abandoned_request_is_stopped_at_once():
    # the page aborts a request that a newer input replaced: the connection closes, and the
    # server stops that work at once instead of running it to the time limit (60 s here)
    srv, outcomes = _recording_server()
    try:
        with _send_slow(srv, 80):
            time.sleep(0.5)  # the work has started
        _wait_for(outcomes, 1, 10)
        assert [o.status for o in outcomes] == ["gone"]
        assert outcomes[0].seconds < 5, outcomes[0]
        status, answer, _ = request(srv, "POST", "/api/diff", {"expr": "x' x", "wrt": "x"})
        assert status == 200 and answer["text"] == "2 x'"  # d(x'x)/dx = 2x'
    finally:
        srv.shutdown()
        srv.server_close()


def test_abandoned_requests_waiting_for_a_worker_never_take_one():
    # sixteen slow requests, closed while most wait for a worker (at most eight run): the
    # waiting ones end without one, so at most eight workers are ended and replaced
    ended = []

    def counting(replace):
        def count(worker):
            ended.append(worker)
            return replace(worker)

        return count

    srv, outcomes = _recording_server(_replace=counting)
    try:
        clients = [_send_slow(srv, 60) for _ in range(16)]
        time.sleep(0.5)
        for client in clients:
            client.close()
        _wait_for(outcomes, 16, 30)
        assert [o.status for o in outcomes] == ["gone"] * 16
        assert len(ended) <= 8, len(ended)
        status, answer, _ = request(srv, "POST", "/api/diff", {"expr": "x' x", "wrt": "x"})
        assert status == 200 and answer["text"] == "2 x'"
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_burst_of_simultaneous_connections_is_answered(server):
    # 80 clients connecting at once: with socketserver's listen queue of 5 some were reset
    # (ConnectionResetError, no answer) or hung until their timeout
    count = 80
    barrier = threading.Barrier(count)
    answers = []

    def one():
        barrier.wait()
        try:
            status, answer, _ = diff(server, "x' A x", "x", layout="denominator")
            answers.append((status, answer.get("text") if isinstance(answer, dict) else answer))
        except OSError as error:
            answers.append((None, repr(error)))

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert answers == [(200, "(A + A') x")] * count
