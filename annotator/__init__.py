"""annotator: a keyboard-first terminal workbench for tagging claims, entities and quantities."""

__version__ = "0.1.0"
