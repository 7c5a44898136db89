"""Rate-limit slots shared by every process on one database."""
