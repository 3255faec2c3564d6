"""Text <-> data, no git: strict YAML, validation with French errors, the rules and roster files,
proposal files, sections."""
