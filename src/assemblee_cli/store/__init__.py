"""The assembly as stored in git: the trunk and its rules and roster, proposal branches,
publishing refs (push or compare-and-swap), the header cache, reading sections and journal."""
