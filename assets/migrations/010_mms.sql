-- MMS photos (issue 14): each inbound message's media, fetched after the text is stored so a
-- photo never holds a text back. Row idx 0 of a message stands for "its media list is still to
-- be fetched"; rows 1..n are the media themselves, encrypted with the vault key (XChaCha20-
-- Poly1305, bound to tenant and row) in `data`. A media that failed (network, 5xx, 404) is
-- retried with back-off; one refused (too large, type not allowed, a redirect off Twilio's
-- hosts) keeps its reason and is not fetched again.
CREATE TABLE sms_media (
  id           INTEGER PRIMARY KEY,
  tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
  message_id   INTEGER NOT NULL REFERENCES sms_messages(id),
  idx          INTEGER NOT NULL CHECK (idx >= 0 AND idx <= 10),
  media_sid    TEXT,
  content_type TEXT,
  size         INTEGER NOT NULL DEFAULT 0,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'stored', 'failed', 'refused')),
  reason       TEXT,
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_try_at  INTEGER NOT NULL DEFAULT 0,
  nonce        BLOB,
  data         BLOB,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (message_id, idx)
);
CREATE INDEX media_due ON sms_media (tenant_id, next_try_at) WHERE state IN ('pending', 'failed');
