"""Llamita's mind: deciding, answering, summarising, languages. Knows nothing of Slack, Teams or HTTP."""
