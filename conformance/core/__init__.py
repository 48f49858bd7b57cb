"""The small core every half shares: errors, data files, asserts, the command runner and its result."""
