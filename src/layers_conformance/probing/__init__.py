"""Talking to one target: the HTTP client, walks by cursor, and the probe that remembers."""
