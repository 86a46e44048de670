"""Regie Analytics: where residents' social and physical signals cluster, per buurt."""

__version__ = "0.1.0"
