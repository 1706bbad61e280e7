"""Digital case files: the person, the timeline of documents and notes, the PDF export of the
whole file, and retention (when a file is due for deletion, and deleting it).

Domain code: takes a session and plain values, never flask.request; the back office calls it.
"""
