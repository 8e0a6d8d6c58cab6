"""Analyses on top of the core pipeline: frontier, stress test, scenarios, map."""
