"""Payload Inspector: read what a Temporal workflow really carried."""

__version__ = "0.1.0"
