"""The browser attacks, from a real Chromium (headless).

A page served by a small HTTP server on 127.0.0.1, loaded under the name
``evil.example.com`` (Chromium's ``--host-resolver-rules`` maps it to 127.0.0.1),
does what any web site could do to a developer running the gateway:

- ``fetch(..., {mode: "no-cors"})`` a ``text/plain`` CreateFunction and an
  Invoke of an existing function whose code writes a file;
- a form POST to ``/_gateway/reset`` (``PERSISTENCE=1``);
- DNS rebinding: load ``http://evil.example.com:<gateway port>/_gateway/health``
  (same origin as far as the browser knows, so it could read the answer).

Afterwards signed boto3 calls and the disk show nothing happened. The same page
against a gateway started with ``DISABLE_CORS_CHECKS=1`` does create the
function and run the code: the attack is real, and the guard is what stops it.

Chromium runs with ``--dump-dom`` and a virtual time budget: the page's scripts
and navigations complete, and the final DOM is printed (no DevTools client
needed). ``make test`` installs Debian's ``chromium``; without it the tests skip,
saying why.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import signal
import subprocess
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.browser_attack import (
    SECURITY_DEFAULTS,
    create_function_body,
    Marker,
    create_marker_function,
    files_under,
    function_exists,
)
from tests.support.attacker_site import EVIL_HOST, AttackerSite
from tests.support.gateway_process import GatewayProcess

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    f"--host-resolver-rules=MAP {EVIL_HOST} 127.0.0.1",
)


def unique(prefix: str = "web") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Chromium:
    def __init__(self, binary: str, profiles: Path) -> None:
        self.binary = binary
        self.profiles = profiles

    def dump_dom(self, url: str, budget_ms: int = 5000, timeout: float = 60) -> str:
        """Load ``url`` in a fresh profile, let its scripts run, return the final DOM."""
        profile = self.profiles / uuid.uuid4().hex
        command = [self.binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                   f"--virtual-time-budget={budget_ms}", "--dump-dom", url]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        try:
            out, err = process.communicate(timeout=timeout)
        finally:
            if process.poll() is None or _group_alive(process.pid):
                _kill_group(process.pid)
                process.wait()
            shutil.rmtree(profile, ignore_errors=True)
        if process.returncode != 0:
            raise RuntimeError(f"chromium exited {process.returncode}: {err[-2000:]}")
        return out


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except OSError:
        return False
    return True


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Chromium:
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if binary is None:
        pytest.skip("Chromium is not installed (`make test` installs Debian's chromium package)")
    browser = Chromium(binary, tmp_path_factory.mktemp("chromium"))
    try:
        dom = browser.dump_dom("data:text/html,<p>started</p>", budget_ms=100)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as error:
        pytest.skip(f"Chromium cannot start here: {error}")
    if "started" not in dom:
        pytest.skip(f"Chromium started but rendered nothing: {dom[:200]!r}")
    return browser


@pytest.fixture(scope="module")
def pages() -> Iterator[AttackerSite]:
    server = AttackerSite()
    yield server
    server.close()


@pytest.fixture
def marker() -> Iterator[Marker]:
    listener = Marker()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chromium-data")


@pytest.fixture(scope="module")
def guarded(data_dir: Path) -> Iterator[GatewayProcess]:
    with GatewayProcess(env=dict(SECURITY_DEFAULTS, PERSISTENCE="1", DATA_DIR=str(data_dir))) as process:
        yield process


def fetch_attack_page(gateway_url: str, new_function: str, victim: str, marker: Marker) -> str:
    """Create a function and invoke another, as ``no-cors`` fetches with a ``text/plain`` body."""
    create = json.dumps(create_function_body(new_function))
    invoke = json.dumps(marker.payload())
    return f"""<!doctype html><html><body><p id="out">started</p><script>
const gw = {json.dumps(gateway_url)};
const send = (path, body) => fetch(gw + path, {{method: "POST", mode: "no-cors",
    headers: {{"Content-Type": "text/plain"}}, body: body}}).then(r => "sent:" + r.type, e => "failed:" + e);
Promise.all([
  send("/2015-03-31/functions", {create}),
  send("/2015-03-31/functions/{victim}/invocations", {invoke}),
  send("/_localstack/state/reset", "x"),
]).then(results => {{ document.getElementById("out").textContent = results.join(" "); }});
</script></body></html>"""


def test_a_web_page_cannot_create_or_invoke_functions(chromium: Chromium, pages: AttackerSite, guarded: GatewayProcess,
                                                     marker: Marker) -> None:
    new_function, victim = unique(), unique()
    create_marker_function(guarded.url, victim)
    page = pages.add("fetch.html", fetch_attack_page(guarded.url, new_function, victim, marker))
    dom = chromium.dump_dom(page)
    assert "sent:opaque sent:opaque sent:opaque" in dom, dom  # Chromium sent all three
    logs = guarded.logs()
    origin = f"http://{EVIL_HOST}:{pages.port}"
    assert f"refused (origin '{origin}') POST /2015-03-31/functions => 403" in logs, logs[-3000:]
    assert f"refused (origin '{origin}') POST /2015-03-31/functions/{victim}/invocations => 403" in logs
    assert "refused (admin call from a browser) POST /_localstack/state/reset => 403" in logs
    assert not function_exists(guarded.url, new_function)
    assert function_exists(guarded.url, victim)
    assert not marker.was_hit()


def test_the_same_page_succeeds_when_the_checks_are_off(chromium: Chromium, pages: AttackerSite, marker: Marker) -> None:
    """The control: what the page above does to a gateway that lets any origin in."""
    with GatewayProcess(env=dict(SECURITY_DEFAULTS, DISABLE_CORS_CHECKS="1")) as unchecked:
        new_function, victim = unique(), unique()
        create_marker_function(unchecked.url, victim)
        page = pages.add("fetch-unchecked.html", fetch_attack_page(unchecked.url, new_function, victim, marker))
        dom = chromium.dump_dom(page)
        assert "sent:opaque sent:opaque sent:opaque" in dom, dom
        assert function_exists(unchecked.url, new_function)
        assert marker.was_hit()
        assert function_exists(unchecked.url, victim)  # the admin call stays refused even so


def test_a_form_cannot_reset_the_gateway(chromium: Chromium, pages: AttackerSite, guarded: GatewayProcess,
                                         data_dir: Path) -> None:
    kept = unique()
    create_marker_function(guarded.url, kept)
    before = files_under(data_dir)
    action = html.escape(f"{guarded.url}/_gateway/reset")
    page = pages.add("form.html", f"""<!doctype html><html><body>
<form method="POST" enctype="text/plain" action="{action}"><input name="x" value="y"></form>
<script>document.forms[0].submit();</script></body></html>""")
    dom = chromium.dump_dom(page)
    assert "Request refused" in dom and "non-browser clients" in dom, dom  # the browser shows the 403
    assert function_exists(guarded.url, kept)
    assert files_under(data_dir) == before


def test_dns_rebinding_is_refused(chromium: Chromium, guarded: GatewayProcess) -> None:
    rebound = chromium.dump_dom(f"http://{EVIL_HOST}:{guarded.port}/_gateway/health", budget_ms=1000)
    assert "Request refused" in rebound and "GATEWAY_HOSTNAMES" in rebound, rebound
    assert '"services"' not in rebound
    # The developer's own tab on the gateway reads it.
    direct = chromium.dump_dom(f"http://127.0.0.1:{guarded.port}/_gateway/health", budget_ms=1000)
    assert '"services"' in direct, direct
