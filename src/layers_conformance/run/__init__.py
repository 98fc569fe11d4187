"""A run outside pytest, in time order: options, start, tally, finish."""
