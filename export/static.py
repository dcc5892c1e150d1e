"""Static images (PNG, SVG, PDF) of Plotly figures, through Kaleido and a headless Chromium.

Starting Chromium takes a couple of seconds, so the first export starts one browser and keeps
it, on a background thread with its own event loop, for every later export in the process
(it is closed when the process exits). Requests from several threads queue for it.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import threading

from .errors import ExportError

#: What users are told when no browser can be found.
NEED_CHROMIUM = ("Static images need Chromium: on Debian, apt-get install chromium "
                 "(or set BROWSER_PATH to a Chrome or Chromium executable)")
RENDER_TIMEOUT = 60.0  # seconds for one image
START_TIMEOUT = 60.0  # seconds for the browser to start


def chromium_path() -> str | None:
    """The Chrome or Chromium executable Kaleido would use, or None."""
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:
        return None
    try:
        return Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - any failure to look means "not found"
        return None


def available() -> bool:
    """Whether static images can be made here (Kaleido installed and a browser found)."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return False
    return chromium_path() is not None


class _Browser:
    """One Kaleido browser on a private event loop, shared by every export."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None

    def _start(self) -> None:
        try:
            import kaleido
        except ImportError:
            raise ExportError("Static images need the kaleido package: pip install kaleido") \
                from None
        path = chromium_path()
        if path is None:
            raise ExportError(NEED_CHROMIUM)
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="export-chromium", daemon=True)
        thread.start()

        async def open_browser():
            # MathJax is off: the figures use no LaTeX, and loading it would need the network.
            return await kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT, mathjax=False, path=path)

        try:
            k = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(START_TIMEOUT)
        except BaseException as e:  # noqa: BLE001 - report any failure in one line
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            loop.close()
            if isinstance(e, concurrent.futures.TimeoutError):
                raise ExportError("Chromium did not start within "
                                  f"{START_TIMEOUT:.0f} s; static images are unavailable") \
                    from None
            raise ExportError(f"Chromium could not be started ({_short(e)}); "
                              "static images are unavailable") from None
        self._loop, self._thread, self._kaleido = loop, thread, k

    def _ensure(self) -> None:
        with self._lock:
            if self._kaleido is None:
                self._start()

    def close(self) -> None:
        with self._lock:
            loop, thread, k = self._loop, self._thread, self._kaleido
            self._loop = self._thread = self._kaleido = None
        if loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(k.close(), loop).result(10)
        except BaseException:  # noqa: BLE001, S110 - closing is best effort
            pass
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(5)

    def render(self, fig, fmt: str, width: int, height: int, scale: float) -> bytes:
        opts = {"format": fmt, "width": int(width), "height": int(height), "scale": scale}
        spec = fig.to_dict() if hasattr(fig, "to_dict") else fig
        for attempt in (1, 2):
            self._ensure()
            loop, k = self._loop, self._kaleido
            future = asyncio.run_coroutine_threadsafe(k.calc_fig(spec, opts=opts), loop)
            try:
                return future.result(RENDER_TIMEOUT + 10)
            except concurrent.futures.TimeoutError:
                future.cancel()
                self.close()
                raise ExportError(f"Rendering the {fmt.upper()} took longer than "
                                  f"{RENDER_TIMEOUT:.0f} s and was stopped") from None
            except Exception as e:  # noqa: BLE001
                # a browser that died is restarted once; anything else is reported
                gone = _browser_gone(e)
                if gone:
                    self.close()
                if attempt == 2 or not gone:
                    raise ExportError(f"Could not render the {fmt.upper()} "
                                      f"({_short(e)})") from None
        raise AssertionError("unreachable")


def _browser_gone(e: BaseException) -> bool:
    name = type(e).__name__
    return "Closed" in name or "Failed" in name or isinstance(e, ConnectionError | EOFError)


def _short(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 160 else text[:157] + "..."


_BROWSER = _Browser()
atexit.register(_BROWSER.close)


def render(fig, fmt: str, *, width: int, height: int, scale: float = 1.0) -> bytes:
    """``fig`` as PNG, SVG or PDF bytes, ``width`` × ``height`` CSS pixels times ``scale``.

    Raises :class:`ExportError` with a one-line message when Chromium is missing or fails.
    """
    if fmt not in ("png", "svg", "pdf", "jpeg", "webp"):
        raise ExportError(f"{fmt!r} is not an image format Kaleido makes", "input")
    return _BROWSER.render(fig, fmt, width, height, scale)


def warm_up() -> bool:
    """Start the browser now (for instance in a background thread when an app starts), so the
    first export does not wait for it. Returns whether static images are available."""
    try:
        _BROWSER._ensure()
    except ExportError:
        return False
    return True


def shutdown() -> None:
    """Close the browser (it is closed at exit anyway)."""
    _BROWSER.close()
