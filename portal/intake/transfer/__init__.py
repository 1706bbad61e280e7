"""The transfer channel: a case file handed over by another office as an xdomea package
(portal.casefiles.xdomea), taken in through the intake like every other channel: its files
through the document checks (virus scan first), the person found through the matching or a case
file opened for them, one submission of channel "transfer" with every document at its own date,
and the answer `Abgabe.ImportBestaetigen.0402` written beside the package."""
