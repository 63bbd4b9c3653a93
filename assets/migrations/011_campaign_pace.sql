-- A campaign's own pace (issue 14): texts a minute, at most the location's send_per_minute
-- (checked when it is made, and the slower of the two is used when sending); 0 keeps the
-- location's pace.
ALTER TABLE sms_campaigns ADD COLUMN per_minute INTEGER NOT NULL DEFAULT 0 CHECK (per_minute >= 0);
