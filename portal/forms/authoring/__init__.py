"""Making and changing form definitions: checks, versions, workflow (back office)."""
