"""Writes of the sign-in with OpenID Connect providers: the flow and its cookie (flow.py), what each of its intents
requires and does when the provider sends the user back (intents.py), which account an identity signs in to
(sign_in.py), connected identities (identities.py), and what a password reset does to them (reset.py)."""
