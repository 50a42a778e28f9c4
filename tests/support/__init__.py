"""Helpers shared by the tests: starting real servers on loopback."""
