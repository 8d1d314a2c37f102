"""Event-source checkpoints: where a mapping's poller got to, written through
(``PERSISTENCE=1``) like every other resource, gone with the mapping."""

from __future__ import annotations

from providers.lambda_.store import Stores

UUID = "6f1c5a1e-0c3e-4b43-9a1f-0d1f8a0e2b11"


def test_a_checkpoint_survives_a_restart_and_goes_with_its_mapping(tmp_path):
    store = Stores(tmp_path, persistent=True).get("000000000000", "us-east-1")
    assert store.checkpoint(UUID) == {}
    store.event_source_mappings[UUID] = {"UUID": UUID, "State": "Enabled"}
    store.save_event_source_mapping(UUID)
    store.save_checkpoint(UUID, {"shardId-000000000000": "4959"})
    store.save_checkpoint(UUID, {"shardId-000000000001": "4960"})
    store.save_checkpoint(UUID, {"shardId-000000000000": "4971"})

    restored = Stores(tmp_path, persistent=True).get("000000000000", "us-east-1")  # no clean shutdown needed
    assert restored.checkpoint(UUID) == {"shardId-000000000000": "4971", "shardId-000000000001": "4960"}

    del restored.event_source_mappings[UUID]
    restored.delete_event_source_mapping(UUID)
    assert restored.checkpoint(UUID) == {}
    assert Stores(tmp_path, persistent=True).get("000000000000", "us-east-1").checkpoint(UUID) == {}


def test_without_persistence_checkpoints_live_in_memory(tmp_path):
    store = Stores(tmp_path, persistent=False).get("000000000000", "us-east-1")
    store.save_checkpoint(UUID, {"partition-0": 12})
    assert store.checkpoint(UUID) == {"partition-0": 12}
    assert not (tmp_path / "state").exists()
