"""Photos and documents: what a file may be (checks.py), receiving uploads and serving signed links (web.py)."""
