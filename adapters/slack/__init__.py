"""Slack: hand-over cards in each team's channel, claim buttons, a thread per conversation.

`SlackChannel` (adapters/slack/channel.py) is the staff channel and the edge the server mounts;
blocks.py renders the Block Kit card and thread messages; text.py keeps customer text literal in
Slack and turns Slack markup back into plain text for the customer. See docs/slack.md.
"""
from adapters.slack.channel import SlackChannel

__all__ = ["SlackChannel"]
