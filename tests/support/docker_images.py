"""Small Lambda base images built from this machine, for the docker executor's tests.

Images cannot be pulled here, so the tests build their own stand-ins for AWS's
``public.ecr.aws/lambda/*`` images with ``docker import``: a root file system
holding only what a runtime needs, laid out as AWS lays its images out:

- ``/var/lang``: a CPython installation prefix (the standard library without its
  tests), or a Node.js binary;
- ``/var/runtime``: the runtime client (awslambdaric from
  ``.venv/lambda-runtimes/python3.x``; the project's Node.js bootstrap) and a
  ``bootstrap`` script starting it, through ``AWS_LAMBDA_EXEC_WRAPPER`` when set
  (as AWS's runtime bootstraps do: a missing wrapper exits 127, one that is not
  executable 126);
- ``/lambda-entrypoint.sh``: AWS's contract (one argument, the handler;
  ``_HANDLER`` exported; ``exec /var/runtime/bootstrap``);
- the shared libraries those binaries load (found with ``ldd``), ``/bin/sh``, and the
  tools of AWS's images that extensions written in shell use (``TOOLS``: AWS's
  ``python:3.12`` image holds ``bash``, ``coreutils-single``, ``curl-minimal``,
  ``grep`` and ``sed``, as its ``rpm -qa`` lists them);
- AWS's image settings: ``ENV`` (PATH, LD_LIBRARY_PATH, LANG, TZ,
  LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR), ``WORKDIR /var/task``,
  ``ENTRYPOINT ["/lambda-entrypoint.sh"]``.

An image is rebuilt only when what goes into it changes: its tag carries a
digest of the inputs (paths, sizes, modification times), and AWS's names
(``public.ecr.aws/lambda/python:3.12``...) are tags on the same image.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

ROOT = Path(__file__).resolve().parents[2]
NODE_BOOTSTRAP = ROOT / "providers" / "lambda_" / "executors" / "node_bootstrap"
BUILD_REPOSITORY = "lambda-gateway-test/base"
BUILD_FORMAT = "3"  # change when the way images are built changes: every image is rebuilt

ENTRYPOINT_SCRIPT = """#!/bin/sh
# As AWS's base images: exactly one argument, the handler.
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"
exec /var/runtime/bootstrap
"""
IMAGE_ENV = {
    "LANG": "en_US.UTF-8",
    "TZ": ":/etc/localtime",
    "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
    "LAMBDA_TASK_ROOT": "/var/task",
    "LAMBDA_RUNTIME_DIR": "/var/runtime",
}
# Parts of a CPython prefix no function needs.
PYTHON_SKIP = ("test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "site-packages")
# What the tests' functions do not need of the runtime client's directory (boto3 is kept).
_LDD_LINE = re.compile(r"(?:=>\s*)?(/\S+)\s+\(0x")


@dataclass
class RootFs:
    """Files of an image: container path -> host path (or bytes), and directories."""

    files: dict[str, object] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)

    def add_file(self, target: str, source: object, mode: Optional[int] = None) -> None:
        self.files[target] = source
        if mode is not None:
            self.modes[target] = mode

    def add_tree(self, source: Path, target: str, skip: Iterable[str] = ()) -> None:
        skipped = set(skip)
        for directory, subdirs, files in os.walk(source):
            relative = os.path.relpath(directory, source)
            subdirs[:] = [d for d in subdirs if not (relative == "." and d in skipped)]
            base = target if relative == "." else f"{target}/{relative}"
            self.dirs.add(base)
            for name in files:
                path = os.path.join(directory, name)
                if os.path.islink(path) and not os.path.exists(path):
                    continue
                self.files[f"{base}/{name}"] = Path(path)

    def add_libraries_of(self, binaries: Iterable[str]) -> None:
        for library in shared_libraries(binaries):
            self.files.setdefault(library, Path(os.path.realpath(library)))

    def digest(self) -> str:
        hasher = hashlib.sha256(BUILD_FORMAT.encode())
        for target in sorted(self.files):
            source = self.files[target]
            hasher.update(target.encode() + b"\0")
            if isinstance(source, Path):
                info = source.stat()
                hasher.update(f"{source}:{info.st_size}:{info.st_mtime_ns}".encode())
            else:
                hasher.update(hashlib.sha256(source).digest())  # type: ignore[arg-type]
            hasher.update(str(self.modes.get(target, "")).encode())
        for directory in sorted(self.dirs):
            hasher.update(directory.encode() + b"\1")
        return hasher.hexdigest()[:16]

    def write_tar(self, path: Path) -> None:
        with tarfile.open(path, "w") as archive:
            made: set[str] = set()

            def directory(name: str, mode: int = 0o755) -> None:
                parts = name.strip("/").split("/")
                for index in range(1, len(parts) + 1):
                    current = "/".join(parts[:index])
                    if current and current not in made:
                        made.add(current)
                        info = tarfile.TarInfo(current)
                        info.type = tarfile.DIRTYPE
                        info.mode = 0o1777 if current == "tmp" else mode
                        archive.addfile(info)

            for name in sorted(self.dirs):
                directory(name)
            for target in sorted(self.files):
                source = self.files[target]
                directory(os.path.dirname(target))
                info = tarfile.TarInfo(target.lstrip("/"))
                if isinstance(source, Path):
                    stat = source.stat()
                    info.size = stat.st_size
                    info.mode = self.modes.get(target, stat.st_mode & 0o7777)
                    info.mtime = int(stat.st_mtime)  # compiled .pyc files stay valid: no compiling at each start
                    with open(source, "rb") as handle:
                        archive.addfile(info, handle)
                else:
                    data = bytes(source)  # type: ignore[arg-type]
                    info.size = len(data)
                    info.mode = self.modes.get(target, 0o644)
                    archive.addfile(info, io.BytesIO(data))


def shared_libraries(binaries: Iterable[str]) -> set[str]:
    """The shared libraries (and the dynamic loader) ``binaries`` load, as ldd names them."""
    found: set[str] = set()
    for binary in binaries:
        result = subprocess.run(["ldd", binary], capture_output=True, text=True)
        for line in result.stdout.splitlines():
            match = _LDD_LINE.search(line)
            if match and os.path.exists(match.group(1)):
                found.add(match.group(1))
    return found


# Tools of AWS's images the tests' functions use (the hostile function's escaping child; the
# shell extensions of test_extensions.py: bash, curl, coreutils, grep, sed).
TOOLS = {"/bin/sh": "/bin/sh", "/bin/sleep": "/bin/sleep", "/usr/bin/env": "/usr/bin/env",
         "/usr/bin/setsid": "/usr/bin/setsid", "/bin/bash": "/bin/bash", "/usr/bin/curl": "/usr/bin/curl",
         **{f"/usr/bin/{name}": f"/usr/bin/{name}"
            for name in ("grep", "sed", "mktemp", "basename", "cut", "tr", "mkdir", "cat")}}
# A runtime bootstrap's start: through AWS_LAMBDA_EXEC_WRAPPER when it is set, as AWS's bootstraps do.
EXEC_WRAPPER = '''if [ -n "$AWS_LAMBDA_EXEC_WRAPPER" ]; then
  if [ ! -f "$AWS_LAMBDA_EXEC_WRAPPER" ]; then echo "$AWS_LAMBDA_EXEC_WRAPPER: does not exist"; exit 127; fi
  if [ ! -x "$AWS_LAMBDA_EXEC_WRAPPER" ]; then echo "$AWS_LAMBDA_EXEC_WRAPPER: is not an executable"; exit 126; fi
  set -- "$AWS_LAMBDA_EXEC_WRAPPER"
fi
'''


def _base() -> RootFs:
    root = RootFs()
    tools = {target: os.path.realpath(source) for target, source in TOOLS.items() if os.path.exists(source)}
    for target, source in tools.items():
        root.add_file(target, Path(source), 0o755)
    root.add_libraries_of(tools.values())
    if os.path.isdir("/usr/lib/locale/C.utf8"):  # CPython coerces the C locale to it (LC_CTYPE), as on AWS
        root.add_tree(Path("/usr/lib/locale/C.utf8"), "/usr/lib/locale/C.utf8")
    root.add_file("/lambda-entrypoint.sh", ENTRYPOINT_SCRIPT.encode(), 0o755)
    root.add_file("/etc/passwd", b"root:x:0:0:root:/root:/sbin/nologin\n")
    root.add_file("/etc/group", b"root:x:0:\n")
    root.dirs.update({"/var/task", "/opt", "/tmp", "/proc", "/sys", "/dev", "/etc"})
    return root


def python_rootfs(prefix: Path, version: str, ric: Path) -> RootFs:
    root = _base()
    root.add_tree(prefix / "lib" / f"python{version}", f"/var/lang/lib/python{version}",
                  skip=(*PYTHON_SKIP, f"config-{version}-x86_64-linux-gnu"))
    for library in (prefix / "lib").glob("libpython*.so*"):
        root.add_file(f"/var/lang/lib/{library.name}", Path(os.path.realpath(library)))
    binary = prefix / "bin" / f"python{version}"
    root.add_file(f"/var/lang/bin/python{version}", Path(os.path.realpath(binary)), 0o755)
    root.add_file("/var/lang/bin/python3", Path(os.path.realpath(binary)), 0o755)
    root.add_tree(ric, "/var/runtime")
    # AWS's bootstrap.py puts /var/runtime on sys.path itself; PYTHONPATH does it here.
    root.add_file("/var/runtime/bootstrap", (
        f'#!/bin/sh\n[ -n "$PYTHONPATH" ] || export PYTHONPATH=/var/runtime\n{EXEC_WRAPPER}'
        f'exec "$@" /var/lang/bin/python{version} -m awslambdaric "$_HANDLER"\n').encode(), 0o755)
    dynload = prefix / "lib" / f"python{version}" / "lib-dynload"
    extensions = [str(p) for p in dynload.glob("*.so")] + [str(p) for p in ric.rglob("*.so")]
    for library in shared_libraries([str(binary), *extensions]):
        if not library.startswith(str(prefix)):  # libpython is in /var/lang/lib already
            root.files.setdefault(library, Path(os.path.realpath(library)))
    return root


def node_rootfs(node: Path) -> RootFs:
    root = _base()
    root.add_file("/var/lang/bin/node", Path(os.path.realpath(node)), 0o755)
    root.add_tree(NODE_BOOTSTRAP, "/var/runtime")
    root.add_file("/var/runtime/bootstrap",
                  f"#!/bin/sh\n{EXEC_WRAPPER}exec \"$@\" /var/lang/bin/node /var/runtime/index.mjs\n".encode(), 0o755)
    root.add_libraries_of([str(node)])
    return root


def build(client, rootfs: RootFs, tags: Iterable[str]) -> tuple[str, float]:
    """The image of ``rootfs`` (imported unless an identical one exists), tagged
    with ``tags``; returns its name and the seconds spent building (0: cached)."""
    import docker.errors

    name = f"{BUILD_REPOSITORY}:{rootfs.digest()}"
    started = time.perf_counter()
    try:
        client.images.get(name)
        seconds = 0.0
    except docker.errors.ImageNotFound:
        with tempfile.TemporaryDirectory(prefix="lambda-image-") as scratch:
            tar = Path(scratch) / "rootfs.tar"
            rootfs.write_tar(tar)
            changes = [f'ENV {key}="{value}"' for key, value in IMAGE_ENV.items()]
            changes += ["WORKDIR /var/task", 'ENTRYPOINT ["/lambda-entrypoint.sh"]']
            repository, tag = name.split(":")
            client.api.import_image_from_file(str(tar), repository=repository, tag=tag, changes=changes)
        seconds = time.perf_counter() - started
    image = client.images.get(name)
    for tag in tags:
        repository, _, version = tag.rpartition(":")
        image.tag(repository, version)
    return name, seconds


def stand_in_image(client, runtime: str, tags: Iterable[str] = ()) -> Optional[str]:
    """A stand-in for AWS's image of ``runtime`` built from this machine (``pythonX.Y``:
    that CPython with its awslambdaric; ``nodejsNN.x``: a Node.js of that major;
    ``provided.*``: the gateway's own Python's image), tagged with ``tags``; its
    name, or None when this machine lacks what it needs."""
    from providers.lambda_.executors import nodes, pythons

    if runtime.startswith("python") or runtime.startswith("provided"):
        version = runtime[len("python"):] if runtime.startswith("python") else pythons.own_version()
        interpreter = pythons.find_interpreter(version)
        prefix = pythons.installation_prefix(interpreter, version) if interpreter else None
        if prefix is None or not pythons.has_ric(version):
            return None
        rootfs = python_rootfs(Path(prefix), version, pythons.ric_dir(version))
    elif runtime.startswith("nodejs"):
        node = nodes.find_node(nodes.runtime_major(runtime))
        if node is None:
            return None
        rootfs = node_rootfs(Path(node))
    else:
        return None
    return build(client, rootfs, tags)[0]
