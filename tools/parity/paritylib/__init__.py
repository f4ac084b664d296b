"""Captum parity and speed tooling for salient's explainers (tools/parity/README.md)."""
