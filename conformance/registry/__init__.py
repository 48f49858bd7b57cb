"""The registry half: a distribution-spec client, the embedded registry, pushed-content bookkeeping."""
