"""The life of a case: storage, routing to teams, claiming, relaying, scheduling, stats."""
