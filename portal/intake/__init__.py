"""One way in: every channel builds an IntakeDraft; receive() turns it into a submission."""
