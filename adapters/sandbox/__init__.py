"""The sandbox: the real bot against fake platforms in one process, and the fakes themselves."""
