"""Pure judgement over recorded pages and answers: no I/O, no pytest, no HTTP."""
