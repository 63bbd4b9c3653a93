-- Front-desk workflows: assignment, archive, the needs-human triage lane, internal notes,
-- follow-ups of failed deliveries, canned replies. (Send later needs no column: a queued
-- message waits in the outbox until its next_attempt_at.)
ALTER TABLE sms_threads ADD COLUMN assigned_to INTEGER;  -- users.id; 0 = the front desk; NULL = nobody
ALTER TABLE sms_threads ADD COLUMN archived_at INTEGER;  -- done; NULL = open
ALTER TABLE sms_threads ADD COLUMN triage_message_id INTEGER; -- a reply to a reminder a person must read; NULL = none
CREATE INDEX threads_needs_human ON sms_threads (tenant_id) WHERE triage_message_id IS NOT NULL;

-- A new inbound message brings a thread back from the archive (the unread count only rises
-- when one arrives, or when staff mark it unread).
CREATE TRIGGER threads_unarchive AFTER UPDATE OF unread_count ON sms_threads
  WHEN NEW.unread_count > OLD.unread_count AND NEW.archived_at IS NOT NULL
  BEGIN UPDATE sms_threads SET archived_at = NULL WHERE id = NEW.id; END;

-- The failed-delivery worklist walks only failed messages.
CREATE INDEX messages_failed ON sms_messages (tenant_id, created_at) WHERE status IN ('failed', 'undelivered');

-- Internal notes on a thread: never sent, never in a message list.
CREATE TABLE thread_notes (
  id         INTEGER PRIMARY KEY,
  tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
  thread_id  INTEGER NOT NULL REFERENCES sms_threads(id),
  user_id    INTEGER NOT NULL DEFAULT 0,
  username   TEXT NOT NULL,
  body       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX notes_by_thread ON thread_notes (thread_id, created_at);

-- What staff did about a failed delivery; a failed message with a row here has left the worklist.
CREATE TABLE delivery_followups (
  message_id INTEGER PRIMARY KEY REFERENCES sms_messages(id),
  tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
  outcome    TEXT NOT NULL CHECK (outcome IN ('called', 'wrong_number', 'voicemail', 'resent', 'dismissed')),
  note       TEXT,
  user_id    INTEGER NOT NULL DEFAULT 0,
  username   TEXT NOT NULL,
  at         INTEGER NOT NULL
);

-- Per-location quick replies (template variables allowed, checked like reminder templates).
CREATE TABLE canned_replies (
  id         INTEGER PRIMARY KEY,
  tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
  name       TEXT NOT NULL,
  body       TEXT NOT NULL,
  updated_by TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant_id, name)
);

-- Deleting a patient's messages and threads (store/lifecycle.c) takes their desk rows along:
-- follow-ups and notes are about those records and must not block the deletion.
CREATE TRIGGER followups_go_with_message BEFORE DELETE ON sms_messages
  BEGIN
    DELETE FROM delivery_followups WHERE message_id = OLD.id;
    UPDATE sms_threads SET triage_message_id = NULL WHERE triage_message_id = OLD.id;
  END;
CREATE TRIGGER notes_go_with_thread BEFORE DELETE ON sms_threads
  BEGIN DELETE FROM thread_notes WHERE thread_id = OLD.id; END;
