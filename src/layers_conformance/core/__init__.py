"""Vocabulary every layer shares: stdlib and yaml only, importing nothing else of ours."""
