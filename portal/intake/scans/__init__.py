"""Scan batches: paper files from other municipalities, scanned by a service provider and
delivered as a directory with `index.csv` and PDF or TIFF files; imported into the case files
through the intake pipeline (see importer.py)."""
from portal.intake.scans.importer import CHUNK_SIZE, import_delivery
from portal.intake.scans.index import DeliveryError, Reason, read_index
from portal.intake.scans.tracking import ImportReport, RowProblem

__all__ = ["CHUNK_SIZE", "DeliveryError", "ImportReport", "Reason", "RowProblem", "import_delivery", "read_index"]
