"""A run outside pytest (options, start, tally, finish) and the gate's waivers and rechecks."""
