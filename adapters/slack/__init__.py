"""The Slack adapter: slash commands, class rounds with Block Kit buttons, mentions, DMs and the App Home tab."""
