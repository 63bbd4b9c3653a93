-- EHR connection (HL7 v2 / FHIR): appointments upserted by the EHR's own id, what each
-- patient's EHR record says beyond the patients table, the messages received (each processed
-- once), and the write-back outbox (never lost, never twice: one control id per row).
ALTER TABLE appointments ADD COLUMN ehr_id TEXT;  -- SCH filler (else placer) id, or FHIR Appointment.id
CREATE UNIQUE INDEX appointments_by_ehr_id ON appointments (tenant_id, ehr_id) WHERE ehr_id IS NOT NULL;

CREATE TABLE ehr_patients (
  patient_id INTEGER PRIMARY KEY REFERENCES patients(id),
  tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
  landline   TEXT,              -- a phone the EHR marks as not a mobile (E.164), for the send plan
  updated_at INTEGER NOT NULL
);

-- Every HL7 message received (by sender and MSH-10): a resent message is acknowledged again
-- and not applied twice.
CREATE TABLE ehr_inbound (
  id           INTEGER PRIMARY KEY,
  tenant_id    INTEGER,
  sender       TEXT NOT NULL,     -- MSH-3^MSH-4
  control_id   TEXT NOT NULL,     -- MSH-10
  message_type TEXT NOT NULL,     -- e.g. SIU^S12
  ack_code     TEXT NOT NULL CHECK (ack_code IN ('AA', 'AE', 'AR')),
  detail       TEXT,
  received_at  INTEGER NOT NULL,
  UNIQUE (sender, control_id)
);

-- Reminder rows of an appointment the EHR moved: kept for the record, out of the way of the
-- (appointment, slot) unique key so the new time gets its own reminders.
CREATE TABLE ehr_superseded_reminders (
  id             INTEGER PRIMARY KEY,   -- the old appointment_sms_reminders id
  tenant_id      INTEGER NOT NULL,
  appointment_id INTEGER NOT NULL,
  slot_minutes   INTEGER NOT NULL,
  due_at         INTEGER NOT NULL,
  status         TEXT NOT NULL,
  message_id     INTEGER,
  sent_at        INTEGER,
  response       TEXT,
  superseded_at  INTEGER NOT NULL
);

-- Write-backs to the EHR: one row per patient answer or opt-out, queued in the same
-- transaction as the answer. The control id is fixed when queued, so a resend after a lost
-- ACK carries the same MSH-10 and the EHR can tell it is the same message.
CREATE TABLE ehr_outbox (
  id              INTEGER PRIMARY KEY,
  tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
  appointment_id  INTEGER REFERENCES appointments(id),
  patient_id      INTEGER REFERENCES patients(id),
  event           TEXT NOT NULL CHECK (event IN ('confirmed', 'reschedule', 'cancelled', 'opted_out')),
  control_id      TEXT NOT NULL UNIQUE,
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  claimed_at      INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER
);
CREATE INDEX ehr_outbox_open ON ehr_outbox (status, next_attempt_at) WHERE status IN ('pending', 'sending');

-- The FHIR server's bearer token, encrypted like the Twilio secrets (src/vault.c; tenant and
-- field bound as associated data).
CREATE TABLE ehr_credentials (
  tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
  field      TEXT NOT NULL CHECK (field IN ('fhir_token')),
  nonce      BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, field)
);
