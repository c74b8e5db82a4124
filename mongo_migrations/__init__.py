"""Migrations of contrib and third-party apps for MongoDB (ObjectId keys).

Generated, never edited by hand: `make mongo-migrations`. CI fails when they are stale.
"""
