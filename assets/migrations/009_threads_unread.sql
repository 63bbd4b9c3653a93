-- The unread total the console shows at start and after each sync pass: only the threads
-- with unread messages are in this index, so the sum reads a handful of index entries
-- instead of every thread (issue 15: 20,000 threads scanned before the first paint).
CREATE INDEX threads_unread ON sms_threads (tenant_id, unread_count) WHERE unread_count > 0;
