"""REST conventions: problem+json errors, pagination, the core endpoints."""
