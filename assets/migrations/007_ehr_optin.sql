-- A patient who texts START (or YES) after an opt-out is opted back in here; the EHR must hear
-- it too, or it keeps the old opt-out (a consent gap). ehr_outbox gets the event 'opted_in'
-- (sent as ADT^A08 with ZSC|Y). SQLite cannot change a CHECK in place: the table is rebuilt
-- with the same columns, rows and index.
CREATE TABLE ehr_outbox_new (
  id              INTEGER PRIMARY KEY,
  tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
  appointment_id  INTEGER REFERENCES appointments(id),
  patient_id      INTEGER REFERENCES patients(id),
  event           TEXT NOT NULL CHECK (event IN ('confirmed', 'reschedule', 'cancelled', 'opted_out', 'opted_in')),
  control_id      TEXT NOT NULL UNIQUE,
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  claimed_at      INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER
);
INSERT INTO ehr_outbox_new (id, tenant_id, appointment_id, patient_id, event, control_id, status, attempts,
                            next_attempt_at, claimed_at, last_error, created_at, sent_at)
  SELECT id, tenant_id, appointment_id, patient_id, event, control_id, status, attempts,
         next_attempt_at, claimed_at, last_error, created_at, sent_at FROM ehr_outbox;
DROP TABLE ehr_outbox;
ALTER TABLE ehr_outbox_new RENAME TO ehr_outbox;
CREATE INDEX ehr_outbox_open ON ehr_outbox (status, next_attempt_at) WHERE status IN ('pending', 'sending');
