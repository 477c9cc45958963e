-- Operator features. Bans: who banned whom and when, and whether the banned user has
-- had the one short notice yet (cleared by every ban and unban, so each ban tells once).
-- bot_state: small bot-wide facts that must survive a restart, e.g. "admins were told
-- that Kie's balance is low" (so a crash loop or a deploy does not repeat the alert).

ALTER TABLE users ADD COLUMN banned_at REAL;
ALTER TABLE users ADD COLUMN banned_by INTEGER;         -- the admin's Telegram id
ALTER TABLE users ADD COLUMN ban_notified_at REAL;      -- set when the banned user was told

-- /grant @name, /ban @name: usernames are case-insensitive in Telegram.
CREATE INDEX users_username ON users(username COLLATE NOCASE);

CREATE TABLE bot_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at REAL NOT NULL
);
