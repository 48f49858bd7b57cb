"""The engine suite: container engines pull, unpack and convert images served like a registry."""
