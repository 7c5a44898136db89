"""An operation's record as one reader may read it, for exports."""
