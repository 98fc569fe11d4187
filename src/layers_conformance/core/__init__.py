"""The vocabulary every layer shares: the spec, what a run records, what it concludes."""
