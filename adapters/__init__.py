"""Every edge to the outside world: the web chat, the staff desk, Slack, the CLI, the server hosting them."""
