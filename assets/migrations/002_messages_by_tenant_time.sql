-- Lists of a location's messages newest first, optionally since a date (smsdesk messages
-- --since and its filters): walked backwards from the end, no sort, no full scan.
CREATE INDEX messages_by_tenant_time ON sms_messages (tenant_id, created_at);
