"""In-app notifications: reminders that jobs raise for the people of a school who hold a
permission (for example every canteen manager), read and dismissed by each person."""
