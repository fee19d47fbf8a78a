"""The GraphQL API (strawberry) served by FastAPI."""
