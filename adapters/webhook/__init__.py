"""A loopback "webhook" platform: JSON events in over HTTP, replies out; what the tutor posts in a class's
channel or sends a learner directly goes to an outbox (recorded, and POSTed to an outgoing URL when one is
set). The smallest chat platform there is, written to show what a new one needs: a parser, a renderer, and the
Platform port that the shared worker runs."""
