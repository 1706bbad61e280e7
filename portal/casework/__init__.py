"""Casework on submissions: the caseworker's actions and the status history they write."""
