"""Portal content as in a small CMS: pages, service descriptions, FAQ entries and notices,
each in German as the source and in any of the other six languages, with versions and a
publication workflow (private → pending review → published → expired). No Flask request here:
views pass the staff member, the time and the language in.
"""
