"""Documents: content-addressed storage, type sniffing, checks, image to PDF."""
from portal.documents.checks import AcceptedFile, accept_upload
from portal.documents.refusals import DocumentRefused
from portal.documents.sniff import ACCEPTED_TYPES, sniff
from portal.documents.storage import DocumentStorage

__all__ = [
    "ACCEPTED_TYPES",
    "AcceptedFile",
    "DocumentRefused",
    "DocumentStorage",
    "accept_upload",
    "sniff",
]
