"""The only code that runs git (GitPython, subprocess): named questions and writes, batch reads,
commits built in memory."""
