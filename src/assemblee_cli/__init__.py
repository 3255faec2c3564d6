"""assemblee — faire vivre le code social d'une assemblée dans git."""

__version__ = "0.1.0"
