"""The mail adapter: settings from the environment and the person's git configuration, and
sending over SMTP."""
