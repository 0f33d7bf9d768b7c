"""connlint: finds database and network connection misuse in Python code."""

__version__ = "0.1.0"
