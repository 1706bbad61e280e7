"""PDFs made with reportlab: receipts and fillable forms, with embedded fonts."""
