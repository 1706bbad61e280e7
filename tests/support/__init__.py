"""What the tests share: app factories, sample files and mails, servers the tests start, helpers."""
