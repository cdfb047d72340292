"""Matching models arrive with the matching engine (scores, requests, matches)."""
