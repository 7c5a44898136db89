"""Results: what the agencies of an operation achieved (arrests, seizures...)."""
