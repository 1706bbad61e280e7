"""Online forms as data: a definition (JSON, docs/forms.md) and what code makes of it."""
