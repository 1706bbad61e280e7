"""Casework on submissions: the queue and its claims, the caseworker's actions (reject, close,
ask for documents, file in a case file) with the status history and audit entries they write."""
