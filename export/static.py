"""Static images (PNG, SVG, PDF) of Plotly figures, through Kaleido and a headless Chromium.

Starting Chromium takes a couple of seconds, so the first export starts one browser and keeps
it, on a background thread with its own event loop, for every later export in the process
(it is closed when the process exits). Requests from several threads queue for it.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import re
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


def render(fig, fmt: str, *, width: int, height: int, scale: float = 1.0,
           title: str | None = None) -> bytes:
    """``fig`` as PNG, SVG or PDF bytes, ``width`` × ``height`` CSS pixels times ``scale``;
    a PDF gets ``title`` as its document title (else the browser's page title would show).

    Raises :class:`ExportError` with a one-line message when Chromium is missing or fails.
    """
    if fmt not in ("png", "svg", "pdf", "jpeg", "webp"):
        raise ExportError(f"{fmt!r} is not an image format Kaleido makes", "input")
    data = _BROWSER.render(fig, fmt, width, height, scale)
    if fmt == "pdf" and title:
        data = pdf_with_title(data, title)
    return data


_INFO_TITLE = re.compile(rb"/Title\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)")


def pdf_with_title(pdf: bytes, title: str) -> bytes:
    """``pdf`` with its document information's /Title set to ``title``, by an incremental
    update (a new copy of the information dictionary, a cross-reference section for it and a
    trailer pointing back to the old one), so nothing already in the file moves. A PDF whose
    trailer cannot be read (a cross-reference stream) is returned as it is."""
    tail = pdf[-2048:]
    trailer = re.search(rb"trailer\s*<<(.*?)>>\s*startxref\s*(\d+)\s*%%EOF\s*$", tail, re.S)
    if trailer is None:
        return pdf
    body, prev = trailer.group(1), int(trailer.group(2))
    size = re.search(rb"/Size\s+(\d+)", body)
    root = re.search(rb"/Root\s+(\d+\s+\d+\s+R)", body)
    if size is None or root is None:
        return pdf
    text = "".join(ch for ch in title if ch.isprintable())[:500]
    hex_title = b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"
    info = re.search(rb"/Info\s+(\d+)\s+(\d+)\s+R", body)
    entries = b""
    if info is not None:
        old = re.search(rb"(?<![0-9])" + info.group(1) + rb"\s+" + info.group(2)
                        + rb"\s+obj\s*<<(.*?)>>\s*endobj", pdf, re.S)
        if old is not None:
            entries = _INFO_TITLE.sub(b"", old.group(1)).strip()
        number = int(info.group(1))
    else:
        number = int(size.group(1))
    new_size = max(int(size.group(1)), number + 1)
    out = bytearray(pdf)
    if not out.endswith(b"\n"):
        out += b"\n"
    offset = len(out)
    out += b"%d 0 obj\n<</Title %s\n%s>>\nendobj\n" % (number, hex_title, entries)
    xref = len(out)
    out += b"xref\n%d 1\n%010d 00000 n \n" % (number, offset)
    out += (b"trailer\n<</Size %d\n/Root %s\n/Info %d 0 R\n/Prev %d>>\nstartxref\n%d\n%%%%EOF\n"
            % (new_size, root.group(1), number, prev, xref))
    return bytes(out)


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
