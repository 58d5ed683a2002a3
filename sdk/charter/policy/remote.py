"""Where bundles come from: a directory, a `.tar.gz`, or HTTP polled with ETag (how a fleet
picks up a merged policy change within seconds without restarting). A failed fetch or a
broken bundle keeps the old one. Sits above `bundle` (the format) and below the engines."""

from __future__ import annotations

import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from charter.errors import BundleError
from charter.policy.bundle import PolicyBundle, load_directory, load_tarball

log = logging.getLogger("charter.policy")


def is_url(source: object) -> bool:
    return isinstance(source, str) and source.startswith(("http://", "https://"))


def load_bundle(source: str | Path) -> PolicyBundle:
    """Load from a directory, a `.tar.gz` file or an http(s) URL serving one."""
    text = str(source)
    if is_url(text):
        bundle, _etag = fetch_bundle(text)
        if bundle is None:  # only a conditional request can get 304
            raise BundleError(f"{text}: the server answered 304 to an unconditional request")
        return bundle
    path = Path(source)
    if path.is_dir():
        return load_directory(path)
    if path.is_file() and path.name.endswith((".tar.gz", ".tgz")):
        return load_tarball(path.read_bytes(), source=str(path))
    raise BundleError(
        f"policy source {text!r} is neither a directory nor a .tar.gz bundle; "
        "point `policies` at your policies/ folder or a bundle built by `charter policy build`"
    )


def fetch_bundle(
    url: str, etag: str | None = None, *, timeout_s: float = 10.0
) -> tuple[PolicyBundle | None, str | None]:
    """(bundle, etag); bundle is None when the server answered 304 Not Modified."""
    request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            blob = response.read()
            new_etag = response.headers.get("ETag")
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return None, etag
        raise BundleError(f"fetching bundle {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise BundleError(f"fetching bundle {url}: {exc}; is the bundle server up?") from None
    return load_tarball(blob, source=url), new_etag


class BundlePoller:
    """Background thread: fetch with If-None-Match every `interval_s`, hand a changed bundle
    to `swap` (which validates it and raises to keep the old one)."""

    def __init__(
        self,
        swap: Callable[[PolicyBundle], None],
        url: str,
        *,
        interval_s: float = 10.0,
        current: Callable[[], str] = lambda: "the current bundle",
    ) -> None:
        self._swap = swap
        self._current = current
        self._url = url
        self._interval = interval_s
        self._etag: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="charter-bundle-poller", daemon=True)
        self.polls = 0
        self.swaps = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def poll_once(self) -> bool:
        """One fetch; True when a new bundle was swapped in."""
        self.polls += 1
        try:
            bundle, etag = fetch_bundle(self._url, self._etag)
            if bundle is None:
                return False
            self._swap(bundle)
        except Exception as exc:  # keep serving the old bundle
            log.warning(
                "policy bundle update from %s failed, keeping %s: %s",
                self._url,
                self._current(),
                exc,
            )
            return False
        self._etag = etag
        self.swaps += 1
        return True

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.poll_once()
