"""Starting a function's external extensions (``/opt/extensions/*``) inside its
environment, before its runtime, as AWS orders the Init phase: every extension
starts at once, each registers with the Extensions API, and only then does the
runtime start (``Extension init`` -> ``Runtime init`` -> ``Function init``).

The executors run the runtime's command through a small bash launcher (only
when the function's layers hold an ``extensions`` directory with files in it):

1. it tells the environment's Runtime API which extensions it starts
   (``POST /_gateway/extensions/launched``, one file name a line);
2. starts each executable file of ``/opt/extensions`` (in name order) in the
   background, without the variables AWS keeps from extensions, its output
   lines marked with the extension's name (``MARK`` name ``SEPARATOR`` line:
   the gateway routes them to the function's log and to the Telemetry API as
   ``extension`` lines), and reports each one's exit
   (``POST /_gateway/extensions/exited?status=N``, the name as the body);
3. waits until every extension registered (``GET /_gateway/extensions/registered``:
   ``204`` when they did, ``500`` when one failed or crashed first), then
   ``exec``s the runtime, or exits 1 so that the environment's init fails with
   the extension's error.

Only the environment's own processes reach its Runtime API (``peer.py``), so
these endpoints serve nobody else. Bash's ``/dev/tcp`` is the HTTP client:
``/bin/bash`` is all it needs (AWS's images and this machine's ``/usr`` have it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

#: Variables AWS does not give external extensions (the runtime's own).
RUNTIME_ONLY_VARIABLES = (
    "AWS_EXECUTION_ENV", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_XRAY_CONTEXT_MISSING",
    "AWS_XRAY_DAEMON_ADDRESS", "LAMBDA_RUNTIME_DIR", "LAMBDA_TASK_ROOT", "_AWS_XRAY_DAEMON_ADDRESS",
    "_AWS_XRAY_DAEMON_PORT", "_HANDLER",
)
#: An extension's output line as the launcher writes it: MARK name SEPARATOR text.
MARK = "\x1e"
SEPARATOR = "\x1f"

_SCRIPT = r"""
dir="$1"; shift
api="$AWS_LAMBDA_RUNTIME_API"; host="${api%:*}"; port="${api##*:}"
call() {  # METHOD PATH [BODY]: one request to the Runtime API; prints the status code
  local body="${3-}" status=000 line
  exec 9<>"/dev/tcp/$host/$port" || { echo 000; return; }
  printf '%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' \
    "$1" "$2" "$api" "$(LC_ALL=C; echo ${#body})" "$body" >&9
  IFS=' ' read -r _ status _ <&9 || true
  while IFS= read -r line <&9; do :; done
  exec 9<&-
  echo "$status"
}
names=()
for file in "$dir"/*; do
  if [ -f "$file" ] && [ -x "$file" ]; then names+=("${file##*/}"); fi
done
if [ ${#names[@]} -eq 0 ]; then exec "$@"; fi
printf -v listed '%s\n' "${names[@]}"
call POST /_gateway/extensions/launched "$listed" >/dev/null
for name in "${names[@]}"; do
  (
    unset __RUNTIME_ONLY__
    "$dir/$name" > >(while IFS= read -r line || [ -n "$line" ]; do printf '\036%s\037%s\n' "$name" "$line"; done) 2>&1
    status=$?
    call POST "/_gateway/extensions/exited?status=$status" "$name" >/dev/null
  ) &
done
if [ "$(call GET /_gateway/extensions/registered)" != 204 ]; then exit 1; fi
exec "$@"
""".replace("__RUNTIME_ONLY__", " ".join(RUNTIME_ONLY_VARIABLES))


def has_extensions(opt_dir: Optional[Path]) -> bool:
    """Whether the merged layers (host path of ``/opt``) hold any file under ``extensions/``."""
    if opt_dir is None:
        return False
    directory = opt_dir / "extensions"
    try:
        return directory.is_dir() and any(entry.is_file() for entry in directory.iterdir())
    except OSError:
        return False


def with_extensions(command: list[str], opt_dir: Optional[Path], seen_opt: str) -> list[str]:
    """``command`` started through the launcher when the layers ship extensions
    (``seen_opt``: where the environment sees ``/opt``); else ``command`` itself."""
    if not has_extensions(opt_dir):
        return command
    return ["/bin/bash", "-c", _SCRIPT, "lambda-extensions", f"{seen_opt}/extensions", *command]
