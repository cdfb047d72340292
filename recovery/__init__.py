"""The recovery check: outcome instruments entered as data, answered over time."""
