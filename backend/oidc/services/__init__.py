"""Writes of the sign-in with OpenID Connect providers: the flow (flow.py), who signed in and what it opens
(sign_in.py), connected identities (identities.py)."""
