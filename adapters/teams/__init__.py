"""Microsoft Teams: hand-over cards in each team's channel, Claim/Transfer/Resolve, a reply chain per case.

Through the Microsoft 365 Agents SDK (`microsoft-agents-*`), the successor of botbuilder: Activity,
ConversationReference, proactive messages, Adaptive Cards. `TeamsChannel` (channel.py) is the staff
channel and the edge the server mounts at /api/messages; bot.py handles what Teams sends; cards.py
renders the Adaptive Cards; text.py keeps customer text literal; auth.py checks Teams' tokens;
package.py builds the app package from manifest.json and the icons. See docs/teams.md.
"""
from adapters.teams.channel import TeamsChannel

__all__ = ["TeamsChannel"]
