"""A real headless Chromium driven over the W3C WebDriver protocol (Debian's ``chromium`` and
``chromium-driver``): just the commands the UI's browser test needs, spoken as JSON over HTTP to a
``chromedriver`` started on loopback, so the tests need no client library."""
from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def available() -> bool:
    return shutil.which(CHROMIUM) is not None and shutil.which(CHROMEDRIVER) is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """One Chromium session: ``open(url)``, ``find(css)`` (elements' texts), ``attribute``,
    ``screenshot(path)``; ``close()`` ends the browser and the driver."""

    def __init__(self, width: int = 1400, height: int = 1000):
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.driver = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self._call("GET", "/status")["ready"]:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                self.driver.kill()
                raise RuntimeError("chromedriver did not start")
            time.sleep(0.1)
        options = {"binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                                "--disable-dev-shm-usage", f"--window-size={width},{height}"]}
        session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options}}})
        self.session = f"/session/{session['sessionId']}"

    def _call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"WebDriver {method} {path}: {error.read()[:500]!r}") from None

    def open(self, url: str) -> None:
        self._call("POST", f"{self.session}/url", {"url": url})

    def title(self) -> str:
        return self._call("GET", f"{self.session}/title")

    def _elements(self, css: str) -> list[str]:
        found = self._call("POST", f"{self.session}/elements", {"using": "css selector", "value": css})
        return [next(iter(e.values())) for e in found]

    def find(self, css: str) -> list[str]:
        """The visible text of every element ``css`` selects."""
        return [self._call("GET", f"{self.session}/element/{e}/text") for e in self._elements(css)]

    def count(self, css: str) -> int:
        return len(self._elements(css))

    def attribute(self, css: str, name: str) -> list:
        return [self._call("GET", f"{self.session}/element/{e}/attribute/{name}") for e in self._elements(css)]

    def screenshot(self, path: str) -> None:
        with open(path, "wb") as f:
            f.write(base64.b64decode(self._call("GET", f"{self.session}/screenshot")))

    def close(self) -> None:
        try:
            self._call("DELETE", self.session)
        except Exception:
            pass
        self.driver.terminate()
        try:
            self.driver.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.driver.kill()
