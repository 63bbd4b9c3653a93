-- Campaigns and recalls (issue 14): a recipient list from a filter, kept as one row per
-- patient so a send can stop, crash and resume without sending anyone twice; marketing
-- consent apart from care consent; numbers Twilio called landlines; each location's send
-- rate. The old sms_campaigns table was never used by any code: it is rebuilt.
DROP TABLE sms_campaigns;
CREATE TABLE sms_campaigns (
  id           INTEGER PRIMARY KEY,
  tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
  name         TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('care', 'marketing')),
  body         TEXT NOT NULL,        -- {patientName} {clinicName} {clinicPhone}
  filter       TEXT NOT NULL,        -- the filter in words, for people
  status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sending', 'stopped', 'done')),
  created_by   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  started_at   INTEGER,
  finished_at  INTEGER,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX campaigns_by_status ON sms_campaigns (status, tenant_id);

-- One row per patient the filter found. 'excluded' rows never go (reason says why);
-- 'pending' waits for its turn; 'queued' has its message in the outbox (message_id), made in
-- the same transaction that moved the row out of 'pending': that is what makes it once.
CREATE TABLE sms_campaign_recipients (
  id           INTEGER PRIMARY KEY,
  campaign_id  INTEGER NOT NULL REFERENCES sms_campaigns(id),
  tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
  patient_id   INTEGER NOT NULL REFERENCES patients(id),
  phone        TEXT,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'excluded', 'skipped', 'cancelled')),
  reason       TEXT,                 -- why excluded or skipped
  message_id   INTEGER UNIQUE REFERENCES sms_messages(id),
  not_before   INTEGER NOT NULL DEFAULT 0, -- outside texting hours: waits until then
  released_at  INTEGER,
  UNIQUE (campaign_id, patient_id)
);
CREATE INDEX campaign_recipients_next ON sms_campaign_recipients (campaign_id, status, not_before, id);

-- Marketing needs its own written consent (TCPA); care texts do not. Per number, as care
-- consent is: a new mobile clears it.
ALTER TABLE patient_sms_preferences ADD COLUMN marketing_consent_at INTEGER;
ALTER TABLE patient_sms_preferences ADD COLUMN marketing_consent_method TEXT;
ALTER TABLE patient_sms_preferences ADD COLUMN marketing_consent_by TEXT;
ALTER TABLE patient_sms_preferences ADD COLUMN marketing_consent_phone TEXT;

-- Numbers Twilio said cannot take texts: 21614 (not a mobile number) on a send, 30006
-- (landline or unreachable carrier) on delivery. Filled by a trigger, so every path counts.
CREATE TABLE sms_landlines (
  tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
  phone      TEXT NOT NULL,
  error_code INTEGER NOT NULL,
  seen_at    INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, phone)
);
INSERT OR IGNORE INTO sms_landlines (tenant_id, phone, error_code, seen_at)
  SELECT tenant_id, to_number, error_code, updated_at FROM sms_messages
  WHERE direction = 'outbound' AND error_code IN (21614, 30006);
CREATE TRIGGER landline_seen AFTER UPDATE OF error_code ON sms_messages
  WHEN NEW.direction = 'outbound' AND NEW.error_code IN (21614, 30006)
  BEGIN
    INSERT OR IGNORE INTO sms_landlines (tenant_id, phone, error_code, seen_at)
    VALUES (NEW.tenant_id, NEW.to_number, NEW.error_code, NEW.updated_at);
  END;

-- Messages per minute a location may send (campaigns are paced to it): 0 means the default,
-- 60 (1 per second, a long code's rate) or 600 with a Messaging Service (a pool of numbers).
ALTER TABLE tenants ADD COLUMN send_per_minute INTEGER NOT NULL DEFAULT 0;

-- The cancellation filler: a simple waitlist, and for each cancelled slot the chain of
-- offers (waitlist first, then patients overdue for a recall), a few at a time. The first
-- BOOK reply fills the slot (one conditional UPDATE); the others offered are told it is taken.
CREATE TABLE waitlist (
  id         INTEGER PRIMARY KEY,
  tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
  patient_id INTEGER NOT NULL REFERENCES patients(id),
  provider   TEXT,                  -- NULL: any provider
  from_at    INTEGER NOT NULL,      -- wants a visit starting in [from_at, to_at)
  to_at      INTEGER NOT NULL,
  status     TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'booked', 'removed')),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX waitlist_by_tenant ON waitlist (tenant_id, status, created_at);

CREATE TABLE slot_offers (
  id             INTEGER PRIMARY KEY,
  tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
  appointment_id INTEGER NOT NULL UNIQUE REFERENCES appointments(id), -- the cancelled visit
  provider       TEXT NOT NULL,
  location       TEXT NOT NULL DEFAULT '',
  starts_at      INTEGER NOT NULL,
  duration_min   INTEGER NOT NULL,
  status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'filled', 'expired', 'exhausted')),
  filled_by      INTEGER REFERENCES patients(id),
  new_appointment_id INTEGER REFERENCES appointments(id),
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX slot_offers_open ON slot_offers (status, tenant_id);

CREATE TABLE slot_offer_chain (
  id          INTEGER PRIMARY KEY,
  offer_id    INTEGER NOT NULL REFERENCES slot_offers(id),
  patient_id  INTEGER NOT NULL REFERENCES patients(id),
  phone       TEXT NOT NULL,
  source      TEXT NOT NULL CHECK (source IN ('waitlist', 'recall')),
  rank        INTEGER NOT NULL,
  status      TEXT NOT NULL DEFAULT 'waiting'
              CHECK (status IN ('waiting', 'offered', 'won', 'told_taken', 'no_answer', 'skipped')),
  reason      TEXT,
  message_id  INTEGER REFERENCES sms_messages(id),
  offered_at  INTEGER,
  answered_at INTEGER,
  UNIQUE (offer_id, patient_id)
);
CREATE INDEX slot_offer_chain_by_offer ON slot_offer_chain (offer_id, status, rank);
