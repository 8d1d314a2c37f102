"""The resource browser (``/_gateway/ui/``), end to end in a real headless Chromium.

A person's path through the pages, checked with boto3 against the same gateway:
create a function in the inline editor, see it listed, invoke it with a payload
and read the result, the log tail and the duration, see its configuration and
its log events, publish a layer from a zip upload, delete selected functions
and layer versions after a confirmation step. Hostile text (a description and
log lines carrying markup) is shown as text, never run. A page on another site
(``evil.example.com``) that posts the create and delete forms, even with a
valid form token (the test hands it over), tries to read a page to steal the
token, or reaches the gateway under its own name (DNS rebinding), fails; so does
a post without the token, and a function calling the pages.

Screenshots are kept (``tests/support/ui_browser.py`` says where).
"""

from __future__ import annotations

import html
import io
import json
import re
import uuid
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from tests.support.browser_attack import ROLE, client
from tests.support.gateway_process import GatewayProcess
from tests.support.attacker_site import AttackerSite
from tests.support.ui_browser import Screenshots, find_binaries, start_chromium, wait_for

HOSTILE = "<img src=x id=injected onerror=\"document.title='pwned'\">"
HANDLER = (
    "import json\n"
    "def lambda_handler(event, context):\n"
    "    print('seen: ' + json.dumps(event))\n"
    "    print('<script>document.title=\"pwned\"</script><b id=\"bold\">log</b>')\n"
    "    return {'greeting': 'hello ' + event.get('name', '?')}\n"
)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def ui_gateway(gateway: GatewayProcess) -> GatewayProcess:
    """The session's gateway: the pages' rules depend on no setting (``DISABLE_CORS_CHECKS``
    and ``EXTRA_CORS_ALLOWED_ORIGINS`` do not widen them), and its create is asynchronous
    (the function page refreshes itself while ``Pending``)."""
    return gateway


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    browser, chromedriver = find_binaries()
    if browser is None or chromedriver is None:
        pytest.skip("chromium or chromedriver is not installed (`make test-tools` installs Debian's "
                    "chromium and chromium-driver)")
    try:
        chromium = start_chromium(browser, chromedriver, tmp_path_factory.mktemp("ui-profile"))
    except Exception as error:  # noqa: BLE001 - any reason the browser cannot start here is a skip
        pytest.skip(f"Chromium cannot start under chromedriver here: {error!r}"[:500])
    chromium.set_page_load_timeout(60)
    try:
        yield chromium
    finally:
        chromium.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Screenshots:
    return Screenshots(Screenshots.directory_for(tmp_path_factory.mktemp("ui-screenshots")))


@pytest.fixture(scope="module")
def attacker() -> Iterator[AttackerSite]:
    site = AttackerSite()
    yield site
    site.close()


def by_id(driver: Any, element_id: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id)


def by_css(driver: Any, selector: str) -> list:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def select(element: Any, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(element).select_by_value(value)


def type_into(element: Any, text: str) -> None:
    element.clear()
    element.send_keys(text)


def layer_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("python/shared_helpers.py", "VALUE = 42\n")
    return path


def test_create_invoke_and_read_a_function(ui_gateway: GatewayProcess, driver: Any, shots: Screenshots) -> None:
    name = unique("ui")
    driver.get(f"{ui_gateway.url}/_gateway/ui/")
    by_id(driver, "new-function").click()
    wait_for(driver, lambda d: by_id(d, "create-function"))

    # The script swaps the sample code, handler and file name with the runtime's family.
    code = by_id(driver, "code")
    assert "def lambda_handler" in code.get_attribute("value")
    select(by_id(driver, "runtime"), "nodejs22.x")
    assert "export const handler" in code.get_attribute("value")
    assert by_id(driver, "handler").get_attribute("value") == "index.handler"
    assert by_id(driver, "file_name").get_attribute("value") == "index.mjs"
    select(by_id(driver, "runtime"), "python3.12")
    assert by_id(driver, "file_name").get_attribute("value") == "lambda_function.py"

    type_into(by_id(driver, "name"), name)
    type_into(by_id(driver, "role"), ROLE)
    type_into(by_id(driver, "description"), HOSTILE)
    type_into(by_id(driver, "tags"), "team=browser\nstage=test")
    type_into(code, HANDLER)
    by_id(driver, "publish").click()
    shots.take(driver, "create-function-form")
    by_id(driver, "create").click()

    # The function page refreshes itself until the function is Active.
    wait_for(driver, lambda d: by_id(d, "state").text == "Active", 60, "the function never became Active")
    assert driver.current_url.endswith(f"/_gateway/ui/functions/{name}")
    shots.take(driver, "function-created")
    configuration = client(ui_gateway.url).get_function(FunctionName=name)["Configuration"]
    assert configuration["Description"] == HOSTILE
    assert configuration["Handler"] == "lambda_function.lambda_handler"
    assert client(ui_gateway.url).list_tags(Resource=configuration["FunctionArn"])["Tags"] == {
        "team": "browser", "stage": "test"}
    configuration_text = by_id(driver, "configuration").text
    assert HOSTILE in configuration_text and "lambda_function.lambda_handler" in configuration_text

    # Listed, with what the list promises.
    driver.get(f"{ui_gateway.url}/_gateway/ui/")
    row = by_css(driver, f"tr[data-function='{name}']")[0]
    cells = [cell.text for cell in row.find_elements("css selector", "td")]
    assert cells[1:4] == [name, "python3.12", "Active"]
    assert cells[5] == "1"  # published version 1
    assert "team=browser" in cells[9] and "stage=test" in cells[9]
    shots.take(driver, "functions-listed")

    # Invoke with a payload: result, log tail, duration.
    row.find_element("css selector", "a").click()
    wait_for(driver, lambda d: by_id(d, "invoke-form"))
    type_into(by_id(driver, "payload"), json.dumps({"name": "selenium"}))
    by_id(driver, "invoke").click()
    wait_for(driver, lambda d: by_id(d, "result"))
    assert json.loads(by_id(driver, "response").text) == {"greeting": "hello selenium"}
    assert by_id(driver, "status-code").text == "200"
    tail = by_id(driver, "log-tail").text
    assert 'seen: {"name": "selenium"}' in tail and "REPORT RequestId:" in tail
    assert '<script>document.title="pwned"</script><b id="bold">log</b>' in tail  # shown as text
    assert re.match(r"^\d+(\.\d+)? ms", by_id(driver, "duration").text)
    shots.take(driver, "invoked")

    # Recent log events of $LATEST, from CloudWatch Logs (delivered in batches: reload until there).
    def logs_shown(d: Any) -> bool:
        d.get(f"{ui_gateway.url}/_gateway/ui/functions/{name}")
        return bool(by_css(d, "#logs")) and 'seen: {"name": "selenium"}' in by_id(d, "logs").text

    wait_for(driver, logs_shown, 30, "the invocation's log events never showed")
    assert '<b id="bold">log</b>' in by_id(driver, "logs").text
    driver.execute_script("arguments[0].scrollIntoView()", by_id(driver, "logs"))
    shots.take(driver, "function-logs")

    # Version 1 has its own page; an invoke error is shown, not raised.
    by_css(driver, "a[href$='version=1']")[0].click()
    wait_for(driver, lambda d: "version 1" in d.find_element("tag name", "h1").text)
    type_into(by_id(driver, "payload"), "{not json")
    by_id(driver, "invoke").click()
    wait_for(driver, lambda d: by_id(d, "error"))
    assert "InvalidRequestContentException" in by_id(driver, "error").text

    # Nothing hostile ran anywhere.
    assert driver.title != "pwned"
    assert not by_css(driver, "#injected") and not by_css(driver, "#bold")


def test_publish_a_layer_and_delete_selected(ui_gateway: GatewayProcess, driver: Any, shots: Screenshots,
                                             tmp_path: Path) -> None:
    lambda_client = client(ui_gateway.url)
    layer = unique("layer")
    driver.get(f"{ui_gateway.url}/_gateway/ui/layers/new")
    type_into(by_id(driver, "name"), layer)
    type_into(by_id(driver, "description"), "helpers for the browser test")
    select(by_id(driver, "runtimes"), "python3.12")
    by_id(driver, "zip").send_keys(str(layer_zip(tmp_path / "layer.zip")))
    shots.take(driver, "create-layer-form")
    by_id(driver, "create").click()
    wait_for(driver, lambda d: by_css(d, f"tr[data-layer='{layer}']"))
    shots.take(driver, "layers-listed")
    published = lambda_client.list_layer_versions(LayerName=layer)["LayerVersions"]
    assert [(v["Version"], v["CompatibleRuntimes"]) for v in published] == [(1, ["python3.12"])]

    kept, doomed = unique("kept"), [unique("doomed"), unique("doomed")]
    for function in (kept, doomed[0]):
        lambda_client.create_function(FunctionName=function, Runtime="python3.12", Role=ROLE,
                                      Handler="index.handler", Code={"ZipFile": _zip_bytes()})
    # A function from a zip upload (choosing the file selects "Upload a .zip").
    driver.get(f"{ui_gateway.url}/_gateway/ui/functions/new")
    type_into(by_id(driver, "name"), doomed[1])
    select(by_id(driver, "runtime"), "nodejs22.x")
    (tmp_path / "function.zip").write_bytes(_zip_bytes())
    by_id(driver, "zip").send_keys(str(tmp_path / "function.zip"))
    assert by_id(driver, "source-zip").is_selected()
    type_into(by_id(driver, "handler"), "index.handler")
    by_id(driver, "create").click()
    wait_for(driver, lambda d: d.current_url.endswith(f"/functions/{doomed[1]}"))
    uploaded = lambda_client.get_function(FunctionName=doomed[1])["Configuration"]
    assert (uploaded["Runtime"], uploaded["CodeSize"]) == ("nodejs22.x", len(_zip_bytes()))

    # Delete two of three functions: a confirmation page first; cancel deletes nothing.
    driver.get(f"{ui_gateway.url}/_gateway/ui/")
    for function in doomed:
        by_css(driver, f"input[name=name][value='{function}']")[0].click()
    by_id(driver, "delete-selected").click()
    wait_for(driver, lambda d: by_id(d, "to-delete"))
    assert sorted(by_id(driver, "to-delete").text.splitlines()) == sorted(doomed)
    shots.take(driver, "confirm-delete-functions")
    by_id(driver, "cancel").click()
    wait_for(driver, lambda d: by_css(d, "#functions"))
    assert all(_function_exists(lambda_client, function) for function in (kept, *doomed))

    for function in doomed:
        by_css(driver, f"input[name=name][value='{function}']")[0].click()
    by_id(driver, "delete-selected").click()
    wait_for(driver, lambda d: by_id(d, "confirm-delete")).click()
    wait_for(driver, lambda d: by_id(d, "deleted"))
    shots.take(driver, "functions-deleted")
    assert not any(_function_exists(lambda_client, function) for function in doomed)
    assert _function_exists(lambda_client, kept)

    # Delete the layer version.
    driver.get(f"{ui_gateway.url}/_gateway/ui/layers")
    by_css(driver, f"input[value='{layer}:1']")[0].click()
    by_id(driver, "delete-selected").click()
    wait_for(driver, lambda d: by_id(d, "confirm-delete")).click()
    wait_for(driver, lambda d: by_id(d, "deleted"))
    assert lambda_client.list_layer_versions(LayerName=layer)["LayerVersions"] == []


def _function_exists(lambda_client: Any, name: str) -> bool:
    try:
        lambda_client.get_function(FunctionName=name)
    except lambda_client.exceptions.ResourceNotFoundException:
        return False
    return True


def _form_token(url: str) -> str:
    page = requests.get(f"{url}/_gateway/ui/functions/new", timeout=30).text
    return html.unescape(re.search(r'name="csrf" value="([^"]+)"', page).group(1))


def test_another_site_cannot_post_the_forms(ui_gateway: GatewayProcess, driver: Any, attacker: AttackerSite,
                                            shots: Screenshots) -> None:
    """Even holding a valid token (the test hands it over), another origin's posts are refused."""
    lambda_client = client(ui_gateway.url)
    victim, planted = unique("victim"), unique("planted")
    lambda_client.create_function(FunctionName=victim, Runtime="python3.12", Role=ROLE, Handler="index.handler",
                                  Code={"ZipFile": _zip_bytes()})
    token = _form_token(ui_gateway.url)
    base = f"{ui_gateway.url}/_gateway/ui"

    def auto_post(action: str, fields: dict[str, str], enctype: str) -> str:
        inputs = "".join(f'<input name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in fields.items())
        return (f'<!doctype html><form method="post" enctype="{enctype}" action="{html.escape(action)}">{inputs}'
                "</form><script>document.forms[0].submit()</script>")

    create = attacker.add("create.html", auto_post(f"{base}/functions", {
        "csrf": token, "name": planted, "runtime": "python3.12", "role": ROLE, "source": "inline",
        "code": "def lambda_handler(e, c):\n    return 1\n"}, "multipart/form-data"))
    delete = attacker.add("delete.html", auto_post(f"{base}/functions/delete", {
        "csrf": token, "name": victim, "confirm": "yes"}, "application/x-www-form-urlencoded"))
    for page in (create, delete):
        driver.get(page)
        wait_for(driver, lambda d: "Request refused" in d.find_element("tag name", "body").text)
        assert "same origin" in driver.find_element("tag name", "body").text
    shots.take(driver, "cross-site-post-refused")
    assert not _function_exists(lambda_client, planted)
    assert _function_exists(lambda_client, victim)
    logs = ui_gateway.logs()
    origin = f"http://evil.example.com:{attacker.port}"
    assert "refused POST /_gateway/ui/functions: " in logs and f"carries origin '{origin}'" in logs

    # Nor can it read a page (to take the token): no CORS answer, so the read fails.
    reader = attacker.add("read.html", f"""<!doctype html><p id="out">started</p><script>
fetch({json.dumps(base + '/functions/new')}).then(r => r.text()).then(
  t => "read:" + t.length, e => "blocked:" + e.name).then(s => {{ document.getElementById("out").textContent = s; }});
</script>""")
    driver.get(reader)
    outcome = wait_for(driver, lambda d: (lambda text: text if text != "started" else None)(by_id(d, "out").text))
    assert outcome.startswith("blocked:"), outcome

    # Nor through DNS rebinding (its name resolving to the gateway): the guard refuses the Host.
    driver.get(f"http://evil.example.com:{ui_gateway.port}/_gateway/ui/functions/new")
    body = driver.find_element("tag name", "body").text
    assert "Request refused" in body and "GATEWAY_HOSTNAMES" in body and token not in driver.page_source


def _zip_bytes_of(lambda_client: Any, name: str) -> bytes:
    return requests.get(lambda_client.get_function(FunctionName=name)["Code"]["Location"], timeout=30).content


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def test_posts_need_the_form_token(ui_gateway: GatewayProcess) -> None:
    """Same origin is not enough: a post without the pages' token changes nothing."""
    name = unique("tokenless")
    origin = {"Origin": ui_gateway.url}
    form = {"name": name, "runtime": "python3.12", "role": ROLE, "source": "inline", "code": "x = 1\n"}
    for extra in ({}, {"csrf": "forged"}):
        answer = requests.post(f"{ui_gateway.url}/_gateway/ui/functions", data=form | extra, headers=origin, timeout=30)
        assert answer.status_code == 403 and "token" in answer.text
    assert not _function_exists(client(ui_gateway.url), name)
    answer = requests.post(f"{ui_gateway.url}/_gateway/ui/functions", data=form | {"csrf": _form_token(ui_gateway.url)},
                           headers=origin, allow_redirects=False, timeout=30)
    assert answer.status_code == 303, answer.text
    assert _function_exists(client(ui_gateway.url), name)
    # The API's errors come back on the form, in AWS's words, with what was typed kept.
    again = requests.post(f"{ui_gateway.url}/_gateway/ui/functions", data=form | {"csrf": _form_token(ui_gateway.url)},
                          headers=origin, timeout=30)
    assert again.status_code == 409
    assert "ResourceConflictException" in again.text and f"Function already exist: {name}" in again.text
    assert f'value="{name}"' in again.text
    # A GET never changes anything; the pages forbid framing and scripts of other origins.
    page = requests.get(f"{ui_gateway.url}/_gateway/ui/", timeout=30)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "Access-Control-Allow-Origin" not in page.headers


FUNCTION_CALLING_THE_PAGES = (
    "import os, urllib.error, urllib.request\n"
    "def handler(event, context):\n"
    "    url = os.environ['AWS_ENDPOINT_URL'] + '/_gateway/ui/?account=111111111111'\n"
    "    try:\n"
    "        with urllib.request.urlopen(url, timeout=10) as answer:\n"
    "            return {'status': answer.status}\n"
    "    except urllib.error.HTTPError as error:\n"
    "        return {'status': error.code, 'body': error.read().decode()}\n"
)


def test_functions_cannot_use_the_pages(ui_gateway: GatewayProcess) -> None:
    """The pages act in any account they are asked for; a function acts only in its own."""
    lambda_client = client(ui_gateway.url)
    name = unique("prober")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", FUNCTION_CALLING_THE_PAGES)
    lambda_client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="index.handler",
                                  Code={"ZipFile": buffer.getvalue()})
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2})
    answer = json.loads(lambda_client.invoke(FunctionName=name)["Payload"].read())
    assert answer["status"] == 403, answer
    assert "execution environments" in answer["body"]


def test_pages_show_aliases_urls_and_mappings(ui_gateway: GatewayProcess) -> None:
    lambda_client = client(ui_gateway.url)
    name = unique("wired")
    lambda_client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="index.handler",
                                  Code={"ZipFile": _zip_bytes()}, Publish=True)
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2})
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    url = lambda_client.create_function_url_config(FunctionName=name, Qualifier="live", AuthType="NONE")["FunctionUrl"]
    queue = client(ui_gateway.url, "sqs").create_queue(QueueName=unique("queue"))["QueueUrl"]
    queue_arn = client(ui_gateway.url, "sqs").get_queue_attributes(
        QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lambda_client.create_event_source_mapping(FunctionName=name, EventSourceArn=queue_arn, Enabled=False)

    listing = requests.get(f"{ui_gateway.url}/_gateway/ui/", timeout=30)
    row = re.search(rf'<tr data-function="{name}">.*?</tr>', listing.text, re.S).group(0)
    assert ">live<" in row and html.escape(url) in row and queue_arn in row
    details = requests.get(f"{ui_gateway.url}/_gateway/ui/functions/{name}?version=1", timeout=30)
    assert details.status_code == 200
    assert "version 1" in details.text and html.escape(url) in details.text and queue_arn in details.text
    assert '<option value="live">live</option>' in details.text
    download = html.unescape(re.search(r'href="([^"]+)" id="download"', details.text).group(1))
    assert download == f"/_gateway/ui/functions/{name}/code?version=1"  # the pages' own origin
    got = requests.get(ui_gateway.url + download, timeout=30)
    assert got.headers["Content-Disposition"] == f'attachment; filename="{name}-1.zip"'
    assert got.content == _zip_bytes_of(lambda_client, name)
    elsewhere = requests.get(f"{ui_gateway.url}/_gateway/ui/?account=555566667777&region=mx-central-1", timeout=30)
    assert name not in elsewhere.text and 'id="no-functions"' in elsewhere.text
    assert 'value="555566667777"' in elsewhere.text  # the forms act there too
    missing = requests.get(f"{ui_gateway.url}/_gateway/ui/functions/{name}-gone", timeout=30)
    assert missing.status_code == 404 and "ResourceNotFoundException" in missing.text
