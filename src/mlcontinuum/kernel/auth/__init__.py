"""Users, project roles, API tokens, browser sessions and the login throttle."""
