"""Adapters: how the suite drives the software under test."""
