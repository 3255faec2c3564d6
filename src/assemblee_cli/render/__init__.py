"""Output shaping shared by the skins, as plain text (no terminal or web framework): JSON
documents, French descriptions, agenda markdown, export HTML, announcements, ICS."""
