"""A Python function that looks at, and attacks, the environment it runs in.

The event's ``action`` picks what it does; each answers a JSON object the tests
assert on (the behaviour a function sees on AWS, and what it must not reach)."""

import getpass
import json
import os
import resource
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request


def _introspect(event):
    return {
        "environ": dict(os.environ),
        "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "user": getpass.getuser(),
        "cwd": os.getcwd(), "hostname": socket.gethostname(), "pid": os.getpid(),
        "executable": sys.executable, "sys_path": sys.path[:5],
        "root": sorted(os.listdir("/")),
        "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "limits": {name: list(resource.getrlimit(getattr(resource, name))) for name in (
            "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_CORE", "RLIMIT_MEMLOCK", "RLIMIT_STACK")},
        "stack": traceback.format_stack()[-1],
        "meminfo": open("/proc/meminfo").read().splitlines()[:3],
    }


def _read(event):
    found = {}
    for path in event["paths"]:
        try:
            if os.path.isdir(path):
                found[path] = sorted(os.listdir(path))
            else:
                with open(path, "rb") as handle:
                    found[path] = handle.read(200).decode("utf-8", "replace")
        except OSError as error:
            found[path] = f"{type(error).__name__}: {error.strerror}"
    return found


def _write(event):
    found = {}
    for path in event["paths"]:
        try:
            with open(path, "wb") as handle:
                remaining = event.get("bytes", 1)
                chunk = b"x" * min(remaining, 1024 * 1024)
                while remaining > 0:
                    remaining -= handle.write(chunk[:remaining])
            found[path] = "written"
        except OSError as error:
            found[path] = f"{type(error).__name__}: {error.strerror}"
    return found


def _allocate(event):
    block = bytearray(event["mb"] * 1024 * 1024)
    for index in range(0, len(block), 4096):
        block[index] = 1
    return {"allocated_mb": event["mb"]}


def _escape(event):
    """A child that leaves the session and clears its environment, then outlives the invocation."""
    child = subprocess.Popen(["/bin/sh", "-c", f"exec setsid env -i /bin/sleep {event.get('seconds', 300)}"],
                             start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return {"started": child.pid}


def _runtime_apis(event):
    """Every loopback port listening here that is not our own Runtime API: try each as
    someone else's Runtime API (take their next invocation, answer for them)."""
    own = os.environ["AWS_LAMBDA_RUNTIME_API"]
    answers = {}
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as handle:
                next(handle)
                for line in handle:
                    fields = line.split()
                    if fields[3] == "0A":  # LISTEN
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except OSError:
            continue
    if event.get("only"):
        ports = set(event["only"])
    for port in sorted(ports):
        address = f"127.0.0.1:{port}"
        if address == own or port in event.get("skip", []):
            continue
        try:
            with urllib.request.urlopen(f"http://{address}/2018-06-01/runtime/invocation/next", timeout=0.5) as reply:
                request_id = reply.headers.get("Lambda-Runtime-Aws-Request-Id")
                if request_id:
                    forged = urllib.request.Request(
                        f"http://{address}/2018-06-01/runtime/invocation/{request_id}/response",
                        data=b'"forged"', method="POST")
                    urllib.request.urlopen(forged, timeout=2).read()
                    answers[address] = "answered for another function"
                else:
                    answers[address] = f"status {reply.status}"
        except Exception as error:  # noqa: BLE001 - every refusal shape is fine
            answers[address] = type(error).__name__
    return {"ports": sorted(ports), "answers": answers}


def _print(event):
    line = "y" * 1024
    for _ in range(event["kb"]):
        print(line)
    return {"printed_kb": event["kb"]}


def _respond(event):
    return "z" * event["bytes"]


def _sleep(event):
    time.sleep(event["seconds"])
    return {"slept": event["seconds"]}


def _environ_of(event):
    """Other processes' environments, as /proc shows them to this function."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/environ", "rb") as handle:
                    found[entry] = handle.read().decode("utf-8", "replace")
            except OSError as error:
                found[entry] = type(error).__name__
    return found


def _call_gateway(event):
    """The gateway's API from inside: as another account, as itself, and an admin call."""
    import boto3

    seen = {}
    other = boto3.client("lambda", aws_access_key_id=event["other_account"], aws_secret_access_key="x",
                         aws_session_token="")
    try:
        seen["other_account"] = other.get_function_configuration(FunctionName=event["target"]).get("Environment")
    except Exception as error:  # noqa: BLE001 - the answer is what the test asserts on
        seen["other_account"] = error.response["Error"] if hasattr(error, "response") else repr(error)
    own = boto3.client("lambda")  # the execution role's credentials
    seen["own_functions"] = [f["FunctionName"] for f in own.list_functions()["Functions"]]
    try:
        seen["invoke_granted"] = own.invoke(FunctionName=event["target"])["Payload"].read().decode()
    except Exception as error:  # noqa: BLE001
        seen["invoke_granted"] = error.response["Error"] if hasattr(error, "response") else repr(error)
    request = urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + "/_localstack/state/reset", data=b"",
                                     method="POST")
    try:
        seen["reset"] = urllib.request.urlopen(request).status
    except urllib.error.HTTPError as error:
        seen["reset"] = error.code
    return seen


ACTIONS = {
    "introspect": _introspect, "read": _read, "write": _write, "allocate": _allocate, "escape": _escape,
    "runtime_apis": _runtime_apis, "print": _print, "respond": _respond, "sleep": _sleep,
    "environ_of": _environ_of, "call_gateway": _call_gateway,
}


def handler(event, context):
    result = ACTIONS[event["action"]](event)
    json.dumps(result)
    return result
