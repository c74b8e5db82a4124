"""The password hasher new and upgraded passwords use."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's 46 MiB / 1 pass / 1 lane: memory-hard, so GPUs gain little, and about
    50 ms of CPU a login where PBKDF2 at Django's 1,000,000 iterations costs about 250 ms
    (`bench/password_hashing.py`). Same algorithm name as Django's, so hashes stay standard; a
    hash made with other parameters is upgraded at the next login."""

    time_cost = 1
    memory_cost = 47104
    parallelism = 1
