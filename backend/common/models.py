import uuid

from django.conf import settings
from django.db import models


class BaseModel(models.Model):
    """UUID primary key (exposed as a string) plus creation and update times."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class IdempotencyKey(BaseModel):
    """A write made with an ``Idempotency-Key`` header, and the response it got: a retry with the same key gets that
    response again instead of writing twice (backend/common/idempotency.py).

    Stored with the write, in the same transaction, so either both are committed or neither is, whatever happens
    to Redis, the connection or the process. Keys are per owner: ``(owner, key)`` is unique, which also stops two
    concurrent requests with one key from both writing.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # sha256 of the method, the route and the JSON body: the same key with another request is refused (422).
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.TextField()  # the JSON body, as sent
    etag = models.CharField(max_length=100, blank=True)  # the ETag header, if the response had one
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key_uniq")]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expires_idx")]

    def __str__(self) -> str:
        return self.key
