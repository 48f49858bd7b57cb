"""Certification: profiles and verdicts, DSSE envelopes, in-toto attestations, submissions."""
