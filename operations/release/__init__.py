"""Four-eyes release: actions held until a second person approves them."""
