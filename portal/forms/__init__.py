"""The service catalogue and, per online service, its form (see catalogue.py)."""
