"""One error hierarchy: every foreseeable failure carries a French sentence and an exit code."""

from __future__ import annotations


class AssembleeError(Exception):
    """A refusal or invalid input: one French sentence for the user, exit code 1."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(AssembleeError):
    """The command line itself is wrong (exit code 2)."""

    exit_code = 2


class ConfigError(AssembleeError):
    """A file of `codesocial/` is missing, malformed or invalid."""


class ProposalFileError(AssembleeError):
    """A proposal file is malformed: the message names its path (and line when known)."""


class RuleRefusal(AssembleeError):
    """A decision rule of the code social refuses the action."""


class GitError(AssembleeError):
    """Git refused or failed; the message says what to do."""


class RemoteBusy(GitError):
    """The shared repository cut the connection (a server at its limit of connections, as
    when many members write at the same moment): worth trying again after a pause."""
