-- smsdesk schema, version 1.
-- Conventions: every time is Unix seconds UTC (INTEGER); every phone number is E.164 text;
-- every row that belongs to a clinic location carries tenant_id.

CREATE TABLE tenants (
  id                    INTEGER PRIMARY KEY,
  name                  TEXT NOT NULL UNIQUE,
  phone                 TEXT NOT NULL DEFAULT '',      -- the clinic's voice number, for HELP replies
  address               TEXT NOT NULL DEFAULT '',
  timezone              TEXT NOT NULL DEFAULT 'America/New_York', -- IANA name
  account_sid           TEXT,                          -- Twilio Account SID (AC...)
  api_key_sid           TEXT,                          -- optional API key (SK...); its secret is in credentials
  from_number           TEXT,                          -- E.164 sending number, or NULL
  messaging_service_sid TEXT,                          -- MG..., used instead of from_number when set
  api_base              TEXT NOT NULL DEFAULT 'https://api.twilio.com',
  reminder_slots        TEXT NOT NULL DEFAULT '24h',   -- e.g. '72h,24h,2h'
  reminder_template     TEXT NOT NULL DEFAULT 'Hi {patientName}, this is {clinicName}: you have an appointment on {appointmentDate} at {appointmentTime}. Reply C to confirm, R to reschedule, X to cancel. Reply STOP to opt out.',
  quiet_start           INTEGER NOT NULL DEFAULT 480,  -- minutes after local midnight when sending may start (08:00)
  quiet_end             INTEGER NOT NULL DEFAULT 1260, -- minutes after local midnight when sending must stop (21:00)
  segment_price_micros  INTEGER NOT NULL DEFAULT 7900, -- US $0.0079 per SMS segment, in millionths of a dollar
  mms_price_micros      INTEGER NOT NULL DEFAULT 20000,
  poll_seconds          INTEGER NOT NULL DEFAULT 15,
  idle_lock_seconds     INTEGER NOT NULL DEFAULT 600,
  optout_replies_by     TEXT NOT NULL DEFAULT 'twilio' CHECK (optout_replies_by IN ('twilio', 'smsdesk')),
  created_at            INTEGER NOT NULL
);

-- Further per-tenant or global (tenant_id = 0) settings as key/value text.
CREATE TABLE settings (
  tenant_id  INTEGER NOT NULL DEFAULT 0,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, key)
);

CREATE TABLE patients (
  id          INTEGER PRIMARY KEY,
  tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
  first_name  TEXT NOT NULL,
  last_name   TEXT NOT NULL,
  mobile      TEXT,                 -- E.164, may be shared by a family
  timezone    TEXT,                 -- IANA name; NULL means the clinic's
  external_id TEXT,                 -- id in the practice-management system
  created_at  INTEGER NOT NULL,
  UNIQUE (tenant_id, external_id)
);
CREATE INDEX patients_by_mobile ON patients (tenant_id, mobile);
CREATE INDEX patients_by_name ON patients (tenant_id, last_name, first_name);

CREATE TABLE appointments (
  id           INTEGER PRIMARY KEY,
  tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
  patient_id   INTEGER NOT NULL REFERENCES patients(id),
  provider     TEXT NOT NULL,
  location     TEXT NOT NULL DEFAULT '',
  starts_at    INTEGER NOT NULL,
  duration_min INTEGER NOT NULL DEFAULT 30,
  status       TEXT NOT NULL DEFAULT 'scheduled'
               CHECK (status IN ('scheduled', 'confirmed', 'reschedule_requested', 'cancelled', 'completed', 'no_show')),
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX appointments_by_start ON appointments (tenant_id, starts_at);
CREATE INDEX appointments_by_patient ON appointments (patient_id, starts_at);

-- One conversation per (tenant, patient-side number): a family phone is one thread.
CREATE TABLE sms_threads (
  id              INTEGER PRIMARY KEY,
  tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
  phone           TEXT NOT NULL,
  patient_id      INTEGER REFERENCES patients(id), -- the patient staff picked, or the only match; NULL if unknown/ambiguous
  unread_count    INTEGER NOT NULL DEFAULT 0,
  needs_action    INTEGER NOT NULL DEFAULT 0,      -- reschedule/cancel asked, possible opt-out, ...
  action_reason   TEXT,
  last_message_id INTEGER,
  last_message_at INTEGER NOT NULL DEFAULT 0,
  UNIQUE (tenant_id, phone)
);
CREATE INDEX threads_by_activity ON sms_threads (tenant_id, last_message_at DESC);

-- Every message in or out. Outbound rows are the outbox: status 'queued' waits, 'sending'
-- is claimed by one sender, then Twilio's own statuses.
CREATE TABLE sms_messages (
  id             INTEGER PRIMARY KEY,
  tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
  thread_id      INTEGER REFERENCES sms_threads(id),
  patient_id     INTEGER REFERENCES patients(id),
  twilio_sid     TEXT UNIQUE,
  direction      TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  from_number    TEXT NOT NULL,
  to_number      TEXT NOT NULL,
  body           TEXT NOT NULL,
  media_urls     TEXT,                -- JSON array of URLs, or NULL
  segments       INTEGER NOT NULL DEFAULT 1,
  encoding       TEXT NOT NULL DEFAULT 'GSM-7',
  status         TEXT NOT NULL,       -- queued, sending, accepted, scheduled, sent, delivered, undelivered, failed, received, canceled
  error_code     INTEGER,
  error_message  TEXT,
  message_type   TEXT NOT NULL DEFAULT 'conversation'
                 CHECK (message_type IN ('conversation', 'auto_reply', 'reminder', 'optout_confirm', 'optin_confirm', 'help', 'campaign')),
  appointment_id INTEGER REFERENCES appointments(id),
  reminder_id    INTEGER,
  sent_by        INTEGER,             -- users.id of the staff member, NULL for automatic
  attempts       INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  claimed_at     INTEGER,
  claim_owner    TEXT,
  created_at     INTEGER NOT NULL,
  sent_at        INTEGER,
  delivered_at   INTEGER,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX messages_by_thread ON sms_messages (thread_id, created_at);
CREATE INDEX messages_by_patient ON sms_messages (patient_id, created_at);
CREATE INDEX messages_open ON sms_messages (tenant_id, status)
  WHERE status IN ('queued', 'sending', 'accepted', 'scheduled', 'sent');

CREATE TABLE patient_sms_preferences (
  patient_id       INTEGER PRIMARY KEY REFERENCES patients(id),
  tenant_id        INTEGER NOT NULL REFERENCES tenants(id),
  opted_in         INTEGER NOT NULL DEFAULT 1,
  reminders        INTEGER NOT NULL DEFAULT 1,
  marketing        INTEGER NOT NULL DEFAULT 0,
  opted_out_at     INTEGER,
  opted_out_reason TEXT,
  opted_out_via    TEXT CHECK (opted_out_via IN ('sms', 'carrier', 'staff', 'import')),
  consent_at       INTEGER,
  consent_method   TEXT,             -- paper form, verbal at desk, patient portal, text YES
  consent_by       TEXT,             -- staff username who recorded it
  consent_phone    TEXT,             -- consent is per number: a new number clears it
  updated_at       INTEGER NOT NULL
);

-- The number-level block the one send path checks: a STOP from a number stops that number,
-- whichever patients share it (and unknown senders too).
CREATE TABLE sms_optouts (
  tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
  phone      TEXT NOT NULL,
  opted_out_at INTEGER NOT NULL,
  via        TEXT NOT NULL CHECK (via IN ('sms', 'carrier', 'staff', 'import')),
  reason     TEXT,
  PRIMARY KEY (tenant_id, phone)
);

CREATE TABLE sms_auto_responses (
  id         INTEGER PRIMARY KEY,
  tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
  keyword    TEXT NOT NULL,          -- upper case, already normalised
  action     TEXT NOT NULL CHECK (action IN ('opt_out', 'opt_in', 'help', 'confirm', 'reschedule', 'cancel', 'reply')),
  reply_text TEXT NOT NULL,
  is_system  INTEGER NOT NULL DEFAULT 0, -- system keywords can be edited, not removed or renamed
  enabled    INTEGER NOT NULL DEFAULT 1,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant_id, keyword)
);

-- One row per appointment and reminder slot: the unique key is what makes "never twice" hold.
CREATE TABLE appointment_sms_reminders (
  id             INTEGER PRIMARY KEY,
  tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
  appointment_id INTEGER NOT NULL REFERENCES appointments(id),
  slot_minutes   INTEGER NOT NULL,   -- minutes before the appointment
  due_at         INTEGER NOT NULL,
  status         TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'waiting_quiet', 'queued', 'sent', 'skipped', 'failed')),
  skip_reason    TEXT,
  message_id     INTEGER REFERENCES sms_messages(id),
  sent_at        INTEGER,
  response       TEXT CHECK (response IN ('confirmed', 'reschedule', 'cancelled')),
  response_at    INTEGER,
  created_at     INTEGER NOT NULL,
  UNIQUE (appointment_id, slot_minutes)
);
CREATE INDEX reminders_by_status ON appointment_sms_reminders (tenant_id, status);

CREATE TABLE sms_campaigns (
  id           INTEGER PRIMARY KEY,
  tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
  name         TEXT NOT NULL,
  body         TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled')),
  scheduled_at INTEGER,
  created_by   INTEGER,
  sent_count   INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL
);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  display_name  TEXT NOT NULL DEFAULT '',
  pw_hash       TEXT NOT NULL,       -- crypto_pwhash_str (argon2id)
  role          TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
  disabled      INTEGER NOT NULL DEFAULT 0,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until  INTEGER NOT NULL DEFAULT 0,
  last_login_at INTEGER,
  created_at    INTEGER NOT NULL
);

CREATE TABLE user_tenants (
  user_id   INTEGER NOT NULL REFERENCES users(id),
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  PRIMARY KEY (user_id, tenant_id)
);

-- Append-only, hash-chained: hash = BLAKE2b(prev_hash || canonical entry).
CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  user_id    INTEGER,
  username   TEXT NOT NULL,          -- 'system', 'scheduler' or the staff username
  tenant_id  INTEGER,
  action     TEXT NOT NULL,          -- e.g. 'login', 'thread.open', 'sms.send', 'pref.optout'
  patient_id INTEGER,
  target     TEXT,                   -- what was touched: message id, setting key, ...
  detail     TEXT,                   -- never a message body or a secret
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX audit_by_time ON audit_log (at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

-- Encrypted secrets (XChaCha20-Poly1305; tenant and field bound as associated data).
CREATE TABLE credentials (
  tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
  field      TEXT NOT NULL CHECK (field IN ('auth_token', 'api_key_secret')),
  nonce      BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, field)
);

-- Per-tenant polling state.
CREATE TABLE sync_state (
  tenant_id      INTEGER PRIMARY KEY REFERENCES tenants(id),
  inbound_cursor INTEGER NOT NULL DEFAULT 0, -- DateSent (Unix s) up to which inbound is complete
  last_poll_at   INTEGER NOT NULL DEFAULT 0,
  last_ok_at     INTEGER NOT NULL DEFAULT 0,
  last_error     TEXT
);

-- The sync lease: one process at a time polls Twilio and drains the outbox.
CREATE TABLE sync_lease (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
