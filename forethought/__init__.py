"""Forethought: web and GUI agents that look before they click."""

__version__ = "0.1.0"
