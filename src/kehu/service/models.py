"""Tables of the service app."""
