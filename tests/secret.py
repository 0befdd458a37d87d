"""The server's secret key of the tests (BAOCAO_SECRET_KEY): invite codes are made and checked under it."""

SECRET = "test-secret-key-0123456789abcdef"
