"""Which directories may be hot-reloaded (providers/lambda_/hot_reload_rules.py):
system, credential and the gateway's own directories are refused after
resolving symlinks; LAMBDA_HOT_RELOAD_ROOTS restricts the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import Config
from providers.lambda_.hot_reload_rules import HotReloadRefused, HotReloadRules


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home" / "dev"
    (home / ".aws").mkdir(parents=True)
    (home / ".ssh").mkdir()
    (home / "project" / "src").mkdir(parents=True)
    return home


def rules(tmp_path: Path, home: Path, roots: tuple[Path, ...] = ()) -> HotReloadRules:
    return HotReloadRules(protected=((tmp_path / "data").resolve(),), homes=(home.resolve(),), roots=roots)


def refused(rule: HotReloadRules, directory: str) -> str:
    with pytest.raises(HotReloadRefused) as error:
        rule.check(directory)
    return str(error.value)


@pytest.mark.parametrize("directory", ["/", "/etc", "/etc/ssl", "/proc/self", "/sys", "/dev", "/boot", "/usr/lib",
                                       "/bin", "/var/lib/dpkg", "/run", "/home", "/tmp", "/var"])
def test_system_and_shared_directories_are_refused(tmp_path, home, directory):
    message = refused(rules(tmp_path, home), directory)
    assert message.startswith(f"hot reloading is not allowed for {directory}")


def test_credential_and_home_directories_are_refused(tmp_path, home):
    rule = rules(tmp_path, home)
    assert "credential directory" in refused(rule, str(home / ".aws"))
    assert "credential directory" in refused(rule, str(home / ".ssh" / "keys"))
    assert "home directory" in refused(rule, str(home))
    assert "home directory" in refused(rule, str(home.parent))
    # Someone else's home (holds .ssh), and credential directories wherever they are.
    other = tmp_path / "other"
    (other / ".ssh").mkdir(parents=True)
    assert "contains the credential directory" in refused(rule, str(other))
    assert "credential directory" in refused(rule, str(tmp_path / "x" / ".config" / "gcloud"))
    assert rule.check(str(home / "project" / "src")) == (home / "project" / "src").resolve()


def test_the_gateways_data_is_refused_inside_and_around(tmp_path, home):
    rule = rules(tmp_path, home)
    (tmp_path / "data" / "lambda").mkdir(parents=True)
    assert "lies in the gateway's data directory" in refused(rule, str(tmp_path / "data" / "lambda"))
    assert "contains the gateway's data directory" in refused(rule, str(tmp_path))


def test_symlinks_are_resolved_before_checking(tmp_path, home):
    link = home / "project" / "innocent"
    link.symlink_to(home / ".aws")
    message = refused(rules(tmp_path, home), str(link))
    assert f"(resolved: {(home / '.aws').resolve()})" in message
    (home / "project" / "etc-link").symlink_to("/etc")
    assert "system directory /etc" in refused(rules(tmp_path, home), str(home / "project" / "etc-link"))


def test_roots_restrict_hot_reload(tmp_path, home):
    rule = rules(tmp_path, home, roots=((home / "project").resolve(),))
    assert rule.check(str(home / "project" / "src"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert "not under LAMBDA_HOT_RELOAD_ROOTS" in refused(rule, str(elsewhere))


def test_rules_from_config(tmp_path, monkeypatch, home):
    monkeypatch.setenv("HOME", str(home))
    config = Config.from_env({"DATA_DIR": str(tmp_path / "data"),
                              "LAMBDA_HOT_RELOAD_ROOTS": f"{home / 'project'},{tmp_path / 'b'}"})
    rule = HotReloadRules.from_config(config, [tmp_path / "state"])
    assert rule.roots == ((home / "project").resolve(), (tmp_path / "b").resolve())
    assert (tmp_path / "data").resolve() in rule.protected and (tmp_path / "state").resolve() in rule.protected
    assert "home directory" in refused(rule, str(home))
