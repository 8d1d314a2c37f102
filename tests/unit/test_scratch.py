"""Scratch directories: one per gateway process, named after its owner; a dead
owner's directory is removed at the next start, a live one's is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gateway.scratch import OWNER_FILE, Scratch, process_start_ticks

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux /proc")


def leftover(base, pid: int, ticks: int, token: str = "abcd0123"):
    directory = base / f"{pid}-{ticks}-{token}"
    (directory / "lambda-envs-x" / "env" / "task").mkdir(parents=True)
    (directory / OWNER_FILE).write_text(json.dumps({"pid": pid, "start_ticks": ticks}))
    return directory


def test_only_dead_owners_directories_are_removed(tmp_path):
    base = tmp_path / "scratch"
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live_ticks = process_start_ticks(sleeper.pid)
        assert live_ticks
        dead = leftover(base, dead_pid, 12345)
        live = leftover(base, sleeper.pid, live_ticks)
        recycled = leftover(base, sleeper.pid, live_ticks - 1, "ffff0000")  # same pid, another process
        foreign = base / "not-ours"
        foreign.mkdir()

        scratch = Scratch.create(base)
        removed = scratch.remove_dead()

        assert sorted(removed) == sorted([dead, recycled])
        assert not dead.exists() and not recycled.exists()
        assert live.exists() and foreign.exists() and scratch.root.exists()
        owner = json.loads((scratch.root / OWNER_FILE).read_text())
        assert owner["pid"] == os.getpid() and owner["start_ticks"] == process_start_ticks(os.getpid())
        scratch.remove()
        assert not scratch.root.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_base_someone_else_controls_is_not_used(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    base = tmp_path / "scratch"
    base.symlink_to(target)
    scratch = Scratch.create(base)
    try:
        assert not scratch.root.is_relative_to(target)
        assert scratch.remove_dead() == []
    finally:
        scratch.remove()
    assert not scratch.root.parent.exists()  # the fallback parent goes too
