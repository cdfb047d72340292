"""A member's own page (`/me/`): what is next, at every stage of the journey."""
