"""Reports of a run: results by requirement, written at the end of the session."""
