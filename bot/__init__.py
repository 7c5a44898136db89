"""jointops command layer: registry, parser, dispatcher and the platform-neutral reply."""
