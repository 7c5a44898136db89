"""jointops domain: operations, tasks, agencies and members. Knows nothing of chat."""
