"""The Discord adapter (`tutor serve discord`). Importing this package imports nothing from discord.py:
the CLI loads `adapters.discord.app` only when asked to serve Discord."""
