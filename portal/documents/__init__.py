"""Documents: content-addressed storage, type sniffing, checks, image to PDF."""
