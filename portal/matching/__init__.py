"""Matching submissions and callers to case files: name normalisation and transliteration
(names.py), the searchable name keys (index.py), ranked candidates with reasons
(candidates.py), and the decision to attach without a caseworker (auto_attach.py, which files
through portal.casefiles.operations; not imported here, as that module uses this package)."""
from portal.matching.candidates import Candidate, find_candidates, for_submission
from portal.matching.index import index_case_file, index_case_files, reindex_all

__all__ = ["Candidate", "find_candidates", "for_submission", "index_case_file", "index_case_files", "reindex_all"]
