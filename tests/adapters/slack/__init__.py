"""The Slack adapter against a fake Web API on loopback (real Bolt, real HTTP, signed requests)."""
