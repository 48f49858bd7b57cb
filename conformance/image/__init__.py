"""The image half: layouts, digests, layers, the validator and the vector generator."""
