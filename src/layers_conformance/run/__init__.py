"""A run outside pytest, in time order, and what decides its verdict (waivers, selection)."""
