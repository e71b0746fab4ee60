"""Take docs/web.png: a screenshot of the ``einderiv serve`` page with a checked claim.

Input: none (options: ``--out PATH``, ``--chromium PATH``). Output: a 1200x900 PNG of the page
opened at a shared link (the notes' DT6 identity, checked and found wrong).
Invariants: the server runs in this process on a free port of 127.0.0.1 and is stopped at the
end; the browser is headless Chromium with a throw-away profile.

    python docs/make_screenshot.py
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlencode

from einderiv.web.server import make_server

HERE = Path(__file__).resolve().parent
QUERY = {"expr": "tr(inv(X) A)", "wrt": "X", "claim": "-X^-T A X^-T"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "web.png")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args()
    server = make_server("127.0.0.1", 0, time_limit=10.0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/?{urlencode(QUERY)}"
    try:
        with tempfile.TemporaryDirectory() as profile:
            done = subprocess.run(
                [
                    args.chromium,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--hide-scrollbars",
                    f"--user-data-dir={profile}",
                    "--virtual-time-budget=5000",
                    f"--screenshot={args.out}",
                    "--window-size=1200,900",
                    url,
                ],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
    finally:
        server.shutdown()
        server.server_close()
    if done.returncode != 0 or not args.out.exists():
        print(f"chromium failed ({done.returncode}):\n{done.stderr[-2000:]}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
