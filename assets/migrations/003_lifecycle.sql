-- Admin recovery and lifecycle: a password an admin set must be changed by its owner at
-- the first sign-in; a location can be retired (hidden and no longer polled or reminded,
-- its records kept).
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN retired_at INTEGER NOT NULL DEFAULT 0;
