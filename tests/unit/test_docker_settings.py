"""The docker executor's settings: AWS's image per runtime, LAMBDA_RUNTIME_IMAGE_MAPPING
in LocalStack's two forms, LAMBDA_DOCKER_FLAGS' accepted subset, and the start-up check
that refuses bad values whichever executor runs."""

from __future__ import annotations

import re

import pytest

from gateway.config import Config, ConfigError
from providers.lambda_ import config_check
from providers.lambda_.executors.docker.flags import FlagError, parse
from providers.lambda_.executors.docker.images import ImageMapping, MappingError, aws_image, split_reference
from providers.lambda_.executors.docker.network import host_address


@pytest.mark.parametrize("runtime, image", [
    ("python3.12", "public.ecr.aws/lambda/python:3.12"),
    ("python3.9", "public.ecr.aws/lambda/python:3.9"),
    ("nodejs20.x", "public.ecr.aws/lambda/nodejs:20"),
    ("nodejs24.x", "public.ecr.aws/lambda/nodejs:24"),
    ("java21", "public.ecr.aws/lambda/java:21"),
    ("java8.al2", "public.ecr.aws/lambda/java:8.al2"),
    ("dotnet8", "public.ecr.aws/lambda/dotnet:8"),
    ("ruby3.3", "public.ecr.aws/lambda/ruby:3.3"),
    ("provided.al2023", "public.ecr.aws/lambda/provided:al2023"),
    ("provided.al2", "public.ecr.aws/lambda/provided:al2"),
    ("provided", "public.ecr.aws/lambda/provided:alami"),
])
def test_each_runtime_runs_in_awss_image_for_it(runtime: str, image: str) -> None:
    assert aws_image(runtime) == image
    assert ImageMapping("").image_for(runtime) == image


def test_not_a_runtime_has_no_image() -> None:
    assert aws_image("cobol85") is None and ImageMapping("").image_for("cobol85") is None


def test_mapping_as_a_pattern_or_a_json_object() -> None:
    pattern = ImageMapping("myrepo/lambda:<runtime>-custom")
    assert pattern.image_for("python3.12") == "myrepo/lambda:python3.12-custom"
    mapping = ImageMapping('{"python3.12": "myrepo/py:3.12"}')
    assert mapping.image_for("python3.12") == "myrepo/py:3.12"
    assert mapping.image_for("java21") == "public.ecr.aws/lambda/java:21", "unnamed runtimes keep AWS's image"


@pytest.mark.parametrize("setting, message", [
    ('{"python9": "x"}', "unknown runtime(s) python9"),
    ("not-json", "must be a JSON object"),
    ('{"python3.12": 3}', "must map runtimes to image names"),
    ('["python3.12"]', "must map runtimes to image names"),
])
def test_bad_mappings_are_refused(setting: str, message: str) -> None:
    with pytest.raises(MappingError, match=re.escape(message)):
        ImageMapping(setting)


def test_image_references_split_at_their_tag_not_their_registry_port() -> None:
    assert split_reference("localhost:5000/repo/app:1.2") == ("localhost:5000/repo/app", "1.2")
    assert split_reference("localhost:5000/repo/app") == ("localhost:5000/repo/app", None)
    assert split_reference("repo@sha256:abc") == ("repo", "sha256:abc")


def test_flags_accepted() -> None:
    flags = parse("-e A=1 --env B='two words' -eC=3 --env=D=4 -e FROM_GATEWAY -v /data:/data:ro -v cache:/cache "
                  "--add-host db:10.0.0.5 --dns 1.1.1.1 -l team=x --label=tier=y --ulimit nofile=2048:4096 "
                  "--network extra -p 8080:80 -p 0.0.0.0:9090:90/udp", {"FROM_GATEWAY": "yes"})
    assert flags.env == {"A": "1", "B": "two words", "C": "3", "D": "4", "FROM_GATEWAY": "yes"}
    assert [(v.source, v.target, v.read_only) for v in flags.volumes] == [("/data", "/data", True),
                                                                          ("cache", "/cache", False)]
    assert flags.extra_hosts == {"db": "10.0.0.5"} and flags.dns == ["1.1.1.1"]
    assert flags.labels == {"team": "x", "tier": "y"} and flags.ulimits == {"nofile": (2048, 4096)}
    assert flags.networks == ["extra"]
    assert [(p.host_ip, p.host_port, p.container_port) for p in flags.ports] == [
        ("127.0.0.1", "8080", "80/tcp"), ("0.0.0.0", "9090", "90/udp")], "published on loopback unless an IP is named"


@pytest.mark.parametrize("setting, message", [
    ("--privileged", "'--privileged' is not supported"),
    ("-u root", "'-u' is not supported"),
    ("--user=0", "'--user' is not supported"),
    ("--platform linux/arm64", "'--platform' is not supported"),
    ("--cap-add SYS_ADMIN", "'--cap-add' is not supported"),
    ("--network host", "--network 'host'"),
    ("-v /etc:/var/task", "/var/task is where the function's own files live"),
    ("-v relative:/x", None),
    ("-v ./relative:/x", "the source must be an absolute path or a volume name"),
    ("--ulimit nofile=lots", "expected NAME=SOFT[:HARD]"),
    ("--add-host nohost", "expected NAME:IP"),
    ("-e", "-e needs a value"),
    ("-e 'unterminated", "cannot be parsed"),
])
def test_flags_refused_with_the_reason(setting: str, message) -> None:
    if message is None:
        parse(setting, {})  # a named volume
        return
    with pytest.raises(FlagError, match=re.escape(message)):
        parse(setting, {})


def test_startup_check_names_the_variable() -> None:
    for env, message in [
        ({"LAMBDA_DOCKER_FLAGS": "--privileged"}, "LAMBDA_DOCKER_FLAGS"),
        ({"LAMBDA_RUNTIME_IMAGE_MAPPING": "{}x"}, "LAMBDA_RUNTIME_IMAGE_MAPPING"),
        ({"LAMBDA_DOCKER_DNS": "dns.example.com"}, "LAMBDA_DOCKER_DNS"),
        ({"LAMBDA_REMOVE_CONTAINERS": "maybe"}, "LAMBDA_REMOVE_CONTAINERS"),
    ]:
        with pytest.raises(ConfigError, match=message):
            config_check.check(Config.from_env(env))
    config_check.check(Config.from_env({"LAMBDA_DOCKER_DNS": "10.0.0.2,10.0.0.3", "LAMBDA_REMOVE_CONTAINERS": "0"}))


def test_this_machines_address_on_a_network_is_one_it_can_bind() -> None:
    loopback_net = {"IPAM": {"Config": [{"Subnet": "127.0.0.0/8"}]}, "Containers": {}}
    assert host_address(loopback_net) == "127.0.0.1", "the subnet's first address, the gateway's by default"
    elsewhere = {"IPAM": {"Config": [{"Subnet": "192.0.2.0/24", "Gateway": "192.0.2.1"}]},
                 "Containers": {"x": {"IPv4Address": "198.51.100.7/24"}}}
    assert host_address(elsewhere) is None, "no address of this machine (a remote engine's network)"
