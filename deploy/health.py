"""The container's health check (``HEALTHCHECK`` in the Dockerfile), which also restarts a
server that stays stuck.

    python deploy/health.py [URL]      (default http://127.0.0.1:8501/live/health)

Exits 0 when the app's ``/live/health`` answers 200 within four seconds: the server's event
loop answers and its compute workers are not all held past their deadline (Streamlit's own
``/_stcore/health`` answers even then). Otherwise it exits 1, and after :data:`STRIKES` failures
in a row (counted in a file, once the server has answered at least once) it sends SIGTERM to
the container's first process, the server, which stops within seconds; the restart policy
(``restart: unless-stopped`` in compose.yaml) then starts a fresh one.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import urllib.request
from pathlib import Path

URL = "http://127.0.0.1:8501/live/health"
STRIKES = 3
STATE = Path(tempfile.gettempdir()) / "optimizer-race-health"


def probe(url: str, timeout: float = 4.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


def verdict(ok: bool, state: Path = STATE, strikes: int = STRIKES) -> tuple[int, bool]:
    """Record one probe in ``state``; ``(exit status, whether to stop the server)``. Failures
    before the first good answer (the server still starting) are not counted."""
    state.mkdir(parents=True, exist_ok=True)
    seen, count = state / "seen", state / "failures"
    if ok:
        seen.touch()
        count.unlink(missing_ok=True)
        return 0, False
    if not seen.exists():
        return 1, False
    try:
        n = int(count.read_text() or 0) + 1
    except (OSError, ValueError):
        n = 1
    if n >= strikes:
        count.unlink(missing_ok=True)
        seen.unlink(missing_ok=True)  # the next server starts afresh
        return 1, True
    count.write_text(str(n))
    return 1, False


def main(argv: list[str]) -> int:
    status, stop = verdict(probe(argv[0] if argv else URL))
    if stop:
        print(f"no good health answer {STRIKES} times in a row: stopping the server",
              file=sys.stderr)
        try:
            os.kill(1, signal.SIGTERM)
        except OSError as e:
            print(f"could not stop the server: {e}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
