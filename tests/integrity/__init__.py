"""Integrity tests: many members on one shared remote, interruptions, broken input, tampering
detected by `verify` and refused by the pre-receive guard, offline work published by `sync`.

A package (this file) so that its module names cannot clash with other test folders."""
