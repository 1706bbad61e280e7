"""Outgoing mail: per-language templates, the transactional outbox, the sender."""
