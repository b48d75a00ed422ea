"""Loopback fakes of the chat platforms (Slack Web API, Discord REST and gateway) for the adapter tests."""
