"""Who may use the dashboard: the access file (users, roles, password hashes), sign-in with a
throttle on failures, sessions that expire, and the audit log. No Streamlit in here, so the
rules are tested without a browser and the CLI (`python -m auth`) shares them with the app."""
