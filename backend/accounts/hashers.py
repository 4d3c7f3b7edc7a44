"""The password hasher: Argon2id with OWASP's first recommended parameters, chosen for the pod's memory.

Django's Argon2PasswordHasher uses memory_cost=102400 (100 MiB per hash), time_cost=2, parallelism=8. A pod
runs up to 8 hashes at once (2 gunicorn workers x 4 threads), and every login hashes, even for an unknown email,
so a burst of logins took each worker from ~100 MiB to ~500 MiB: ~1 GiB for the pod, over its 768 Mi limit (the
kernel OOM-kills a worker). OWASP's Password Storage Cheat Sheet lists m=19 MiB, t=2, p=1 as an equivalent
minimum for Argon2id; with it the same burst peaks at ~330 MiB for the whole pod (docs/security.md, "Passwords",
has the measurement and tests/e2e/test_password_hashing_memory.py keeps it true).

Hashes made with other parameters (Django's defaults) still verify, since each hash records its own; Django
rehashes a password with these parameters at its owner's next successful sign-in (must_update).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class BoundedMemoryArgon2PasswordHasher(Argon2PasswordHasher):
    """Same algorithm name ("argon2"), so it verifies and upgrades every Argon2 hash already stored."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB: 19 MiB per hash
    parallelism = 1
