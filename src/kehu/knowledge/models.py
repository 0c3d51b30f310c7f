"""Tables of the knowledge app."""
