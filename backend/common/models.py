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


class OutgoingEmail(BaseModel):
    """An email queued and not yet sent or given up: the outbox that makes delivery survive a killed process
    (backend/common/mail.py, docs/operations.md "Email delivery").

    Written in the transaction that caused it, so it is committed with its cause or not at all; deleted once sent,
    refused for good or out of attempts. The recipient, subject and body are encrypted
    (backend/common/outbox_crypto.py): the body's links carry one-use tokens. ``user_id`` is a plain value, not a
    foreign key: the notice of an account's deletion must outlive the account.
    """

    kind = models.CharField(max_length=64)
    recipient_encrypted = models.TextField()
    subject_encrypted = models.TextField()
    body_encrypted = models.TextField()
    user_id = models.UUIDField(null=True, blank=True)  # the recipient's account, for the log lines
    request_id = models.CharField(max_length=128, blank=True)  # the request that queued it, for the log lines
    attempt = models.PositiveSmallIntegerField(default=0)  # attempts started so far (a claim counts one)
    next_attempt_at = models.DateTimeField()
    # The lease: a sender that claimed the row has it until then. Another claims it only once it is free or expired
    # (its sender was killed mid-attempt), by a conditional update that exactly one claimer wins.
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The sweep's query: rows due by now, earliest first (the lease is checked on the few it finds).
        indexes = [models.Index(fields=["next_attempt_at"], name="outgoing_email_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.pk})"  # never the address or the subject
