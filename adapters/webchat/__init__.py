"""The website chat: the embeddable widget, the demo page, and the customer's WebSocket (/chat/ws).

channel.py       routes, the hello, and what one address may open (limits.py)
conversation.py  one open socket: the customer's frames in, numbered messages out
frames.py        the frames of the protocol (docs/webchat-protocol.md), parsed and built
"""
from adapters.webchat.channel import WebChat

__all__ = ["WebChat"]
