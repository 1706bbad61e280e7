"""Digital case files: opening them and filing submissions in them (operations.py), master data
from the specialist application (master_data.py), known spellings, the person, staff notes
(notes.py), the timeline of documents and notes, the PDF export of the whole file, and retention
(when a file is due for deletion, and deleting it). Changes write their own audit entries.

Domain code: takes a session and plain values, never flask.request; the back office and the
commands call it.
"""
