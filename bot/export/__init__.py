"""export: an operation's record as a document (Markdown, CSV, PDF with charts)."""
