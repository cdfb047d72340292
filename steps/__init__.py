"""My steps: a member's own small goals, in their own words, shared with their peer by choice."""
