"""The command-line skin: typer only. Each command parses its arguments, calls one use case and
renders the result (rich text or JSON). No rule lives here."""
