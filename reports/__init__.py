"""Shared report snapshots: stored once under an unguessable id, read-only afterwards, exportable."""
