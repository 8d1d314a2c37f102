"""Hot reloading: a function whose code (or a layer whose content) is a local
directory (S3Bucket ``hot-reload``, S3Key the directory) runs edits without a
redeploy. File events (watchfiles), one restart per settled burst of writes."""

from __future__ import annotations

import json
import os
import shutil
import time

from .conftest import client_for, make_zip, unique, wait_active, wait_until

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
# The handler answers its code's version and the id of the environment running it.
VERSIONED = ("import uuid\nENVIRONMENT = uuid.uuid4().hex\nVERSION = {version!r}\n"
             "def handler(event, context):\n    return [VERSION, ENVIRONMENT]\n")


def _invoke(client, name: str):
    return json.loads(client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())


def _create(client, directory, **kwargs) -> str:
    name = unique("hot")
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="index.handler",
                           Code={"S3Bucket": "hot-reload", "S3Key": str(directory)}, **kwargs)
    wait_active(client, name)
    return name


def _reloads(gateway, directory) -> int:
    """How many settled changes of ``directory`` the gateway acted on (its log)."""
    return gateway.logs().count(f"hot reload: {os.path.realpath(directory)} changed;")


def test_edits_reach_the_next_invocation(gateway_url, tmp_path):
    client = client_for(gateway_url)
    handler = tmp_path / "index.py"
    handler.write_text("def handler(event, context):\n    return 'v1'\n")
    name = _create(client, tmp_path)
    assert _invoke(client, name) == "v1"

    handler.write_text("def handler(event, context):\n    return 'v2'\n")
    assert wait_until(lambda: _invoke(client, name) == "v2", timeout=10, interval=0.05, message="the edit runs")

    (tmp_path / "helper.py").write_text("VALUE = 'v3'\n")
    handler.write_text("from helper import VALUE\ndef handler(event, context):\n    return VALUE\n")
    assert wait_until(lambda: _invoke(client, name) == "v3", timeout=10, interval=0.05, message="a new file runs")


def test_a_rebuilt_output_folder_restarts_environments_once(gateway, tmp_path):
    """``rm -rf dist`` and 200 writes over about a second (a bundler rebuilding
    its output): one restart, after the writes, and the last write runs."""
    client = client_for(gateway.url)
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.py").write_text(VERSIONED.format(version="v0"))
    name = _create(client, dist)
    version, first_environment = _invoke(client, name)
    assert version == "v0"
    before = _reloads(gateway, dist)

    shutil.rmtree(dist)
    dist.mkdir()
    for number in range(1, 201):
        (dist / f"chunk-{number % 20}.js").write_text(f"// chunk {number}\n")
        (dist / "index.py").write_text(VERSIONED.format(version=f"v{number}"))
        time.sleep(0.005)  # spreads the burst over about a second (the writes, not the assertion)

    version, environment = wait_until(lambda: (lambda answer: answer[0] == "v200" and answer)(_invoke(client, name)),
                                      timeout=15, interval=0.02, message="the rebuilt code runs")
    assert environment != first_environment
    # Live only once the writes were quiet: nothing else is pending, so this count is final.
    assert _reloads(gateway, dist) - before == 1
    assert _invoke(client, name) == ["v200", environment]  # the new environment stays


def test_a_tree_of_50000_entries_is_followed(gateway_url, tmp_path):
    client = client_for(gateway_url)
    modules = tmp_path / "node_modules"
    for package in range(250):
        folder = modules / f"package-{package}" / "lib"
        folder.mkdir(parents=True)
        for number in range(198):
            os.close(os.open(folder / f"file-{number}.js", os.O_CREAT | os.O_WRONLY, 0o644))
    deep = modules / "package-249" / "lib" / "value.txt"
    deep.write_text("first")
    entries = sum(len(dirs) + len(files) for _, dirs, files in os.walk(tmp_path))
    assert entries >= 50_000
    (tmp_path / "index.py").write_text(
        "import os\nVALUE = open(os.path.join(os.path.dirname(__file__), "
        "'node_modules/package-249/lib/value.txt')).read()\n"
        "def handler(event, context):\n    return VALUE\n")
    name = _create(client, tmp_path)
    assert _invoke(client, name) == "first"

    deep.write_text("second")  # read at start-up only: the environment has to restart
    assert wait_until(lambda: _invoke(client, name) == "second", timeout=15, interval=0.05,
                      message="the edit deep in the tree runs")


def test_layers_from_a_hot_reload_directory_reload(gateway_url, tmp_path):
    client = client_for(gateway_url)
    layer_dir = tmp_path / "layer"
    (layer_dir / "python").mkdir(parents=True)
    (layer_dir / "python" / "layer_value.py").write_text("VALUE = 'layer-1'\n")
    published = client.publish_layer_version(LayerName=unique("hot-layer"),
                                             Content={"S3Bucket": "hot-reload", "S3Key": str(layer_dir)})
    assert published["Content"]["Location"] == f"Code location: {layer_dir}"
    assert published["Content"]["CodeSize"] == 0
    zipped = client.publish_layer_version(LayerName=unique("zip-layer"),
                                          Content={"ZipFile": make_zip({"python/zipped_value.py": "VALUE = 'zip'\n"})})
    code = ("import layer_value\ndef handler(event, context):\n    return layer_value.VALUE\n")
    alone = unique("hot-layer-fn")
    client.create_function(FunctionName=alone, Runtime="python3.12", Role=ROLE, Handler="index.handler",
                           Code={"ZipFile": make_zip({"index.py": code})}, Layers=[published["LayerVersionArn"]])
    # With another layer, /opt is a merged tree: it is merged again after each change.
    both = unique("hot-layers-fn")
    client.create_function(
        FunctionName=both, Runtime="python3.12", Role=ROLE, Handler="index.handler",
        Code={"ZipFile": make_zip({"index.py": "import zipped_value\n" + code.replace(
            "return layer_value.VALUE", "return [zipped_value.VALUE, layer_value.VALUE]")})},
        Layers=[zipped["LayerVersionArn"], published["LayerVersionArn"]])
    wait_active(client, alone)
    wait_active(client, both)
    assert _invoke(client, alone) == "layer-1"
    assert _invoke(client, both) == ["zip", "layer-1"]

    (layer_dir / "python" / "layer_value.py").write_text("VALUE = 'layer-2'\n")
    assert wait_until(lambda: _invoke(client, alone) == "layer-2", timeout=10, interval=0.05,
                      message="the layer's edit runs")
    assert wait_until(lambda: _invoke(client, both) == ["zip", "layer-2"], timeout=10, interval=0.05,
                      message="the merged layers' edit runs")
