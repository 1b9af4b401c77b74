"""Helpers shared by tests and benches (start real servers, ...)."""
