"""Encryption at rest for secrets (Slack tokens, calendar addresses) with a Fernet key."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken


class SecretsUnavailable(Exception):
    pass


class Vault:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode()) if key else None

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    def _require(self) -> Fernet:
        if self._fernet is None:
            raise SecretsUnavailable("FLOWCOACH_SECRET_KEY is not set; secrets cannot be stored or read")
        return self._fernet

    def encrypt(self, plaintext: str) -> str:
        return self._require().encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._require().decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise SecretsUnavailable("stored secret cannot be decrypted: was FLOWCOACH_SECRET_KEY changed?") from exc
