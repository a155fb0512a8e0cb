"""Identity: one account per person, memberships in schools, district roles, API tokens."""
