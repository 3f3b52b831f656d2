"""The JSON API of matters: create with an idempotency key, read, list, and every command."""

from ninja import Router

router = Router(tags=["matters"])
