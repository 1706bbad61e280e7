"""Matching submissions and callers to case files: name normalisation and transliteration
(names.py), the searchable name keys (index.py), ranked candidates with reasons
(candidates.py), attaching and opening case files (attach.py)."""
from portal.matching.attach import AttachError, attach_submission, maybe_auto_attach, open_case_file_for
from portal.matching.candidates import Candidate, auto_attach_candidate, find_candidates, for_submission
from portal.matching.index import index_case_file, index_case_files, reindex_all

__all__ = ["AttachError", "Candidate", "attach_submission", "auto_attach_candidate", "find_candidates",
           "for_submission", "index_case_file", "index_case_files", "maybe_auto_attach", "open_case_file_for",
           "reindex_all"]
