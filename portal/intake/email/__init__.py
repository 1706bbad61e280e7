"""The e-mail channel: messages from the office's IMAP mailbox or from files (.eml, Maildir,
mbox) become submissions through intake.receive(), like web forms.

parse.py      raw bytes -> ParsedMail (never raises; every header and part guarded)
mime_policy.py  the parser's policy, repaired where mail programs break the rules
headers.py    header fields, with a fallback by hand when the parser's policy fails; raw 8-bit
addresses.py  the sender's address (from the address part only); comparing addresses
text.py       HTML to text, bounded text
language.py   language of the message (py3langid, restricted to the portal's languages)
finding.py    reference numbers and file numbers in subject and body
understanding.py  filled portal forms, attachments through the document checks, drafts (with
              the case file a message names, which intake.receive links), follow-ups to a submission
follow_ups.py whether a message that names a reference may join it (only its applicant's), and
              the caseworker's "add to that submission"
duplicates.py when a message is a copy of an earlier one (Message-ID and content)
replies.py    whether to acknowledge (RFC 3834 and friends), the once-per-hour limit, the mail
process.py    store first, record, then decide: quarantine, duplicate, submission, answer
review.py     the caseworker's "process again" and "dismiss" of a message that made no submission
sources.py    where raw messages come from: files, Maildir, mbox, IMAP (move after commit)
"""
