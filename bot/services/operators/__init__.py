"""Operators' tools: admin actions, broadcasts, the Kie balance watch, backups."""
