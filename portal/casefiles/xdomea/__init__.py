"""Case files handed over between offices as xdomea 3.0 messages (KoSIT's standard for e-files
between authorities): `Abgabe.Abgabe.0401` out (portal.casefiles.xdomea.export), in
(portal.casefiles.xdomea.package reads and checks it; portal.intake.transfer files it), and the
answer `Abgabe.ImportBestaetigen.0402` (portal.casefiles.xdomea.receipt).

What the portal writes, and reads back:
- the message `<ProzessID>_Abgabe.Abgabe.0401.xml` and the files in one ZIP, each file named as
  the standard requires (`<UUID>_<original name>`), flat;
- one `Akte`: the file number as `Kennzeichen`, the person as `Kontakt` (name, the date of birth
  when complete) and, complete, in an application-specific extension (date of birth with unknown
  parts, birth name, place of birth, nationality, known spellings with their kinds), retention
  (`ArchivspezifischeMetadaten`), caseworkers' notes (`HistorienProtokollInformation`);
- per document of the timeline, in its order: title (`Betreff`), type (`Typ`), its own date
  (`DatumDesSchreibens`), the day it arrived (`Posteingangsdatum`), one `Version` whose `Format`s
  are the file as received and, where the case file reads a copy (an image as PDF, a PDF without
  password or form scripts), that copy; the SHA-256 of each file in the document's extension.
The schemas are in `schemas/` (MIT licence of the xdomea toolkit, see there)."""
