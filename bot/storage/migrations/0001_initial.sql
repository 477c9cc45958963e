-- Users, the credit ledger, generation tasks and their result files.
-- Money rule: users.balance is a cache of SUM(ledger.delta) kept in the same transaction;
-- every change is a ledger row with a unique op_key, so replaying an operation is a no-op.

CREATE TABLE users (
    user_id      INTEGER PRIMARY KEY,           -- Telegram user id
    username     TEXT,
    first_name   TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL DEFAULT 'en',
    balance      INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
    is_banned    INTEGER NOT NULL DEFAULT 0,
    blocked_at   REAL,                          -- set when Telegram answers 403 for this user
    created_at   REAL NOT NULL,
    last_seen_at REAL NOT NULL
);

CREATE TABLE ledger (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(user_id),
    delta         INTEGER NOT NULL CHECK (delta <> 0),
    kind          TEXT NOT NULL,                -- welcome | debit | refund | grant | topup
    op_key        TEXT NOT NULL UNIQUE,         -- e.g. debit:task:42, refund:task:42, welcome:1001
    task_id       INTEGER REFERENCES tasks(id),
    actor_id      INTEGER,                      -- who caused it (admin for grants)
    note          TEXT,
    balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
    created_at    REAL NOT NULL
);
CREATE INDEX ledger_user ON ledger(user_id, id);

CREATE TABLE tasks (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users(user_id),
    chat_id             INTEGER NOT NULL,
    thread_id           INTEGER,                -- forum topic of the request
    request_message_id  INTEGER,                -- the user's command, results reply to it
    status_message_id   INTEGER,                -- the progress message edited in place
    kind                TEXT NOT NULL,          -- image | video | song
    model_key           TEXT NOT NULL,          -- catalog key
    family              TEXT NOT NULL,          -- market | veo | suno
    prompt              TEXT NOT NULL,
    options             TEXT NOT NULL DEFAULT '{}',  -- JSON of the chosen options
    price               INTEGER NOT NULL CHECK (price > 0),
    state               TEXT NOT NULL,          -- pending | running | delivering | done | failed
    kie_task_id         TEXT UNIQUE,
    callback_token      TEXT NOT NULL UNIQUE,
    error               TEXT,
    checks              INTEGER NOT NULL DEFAULT 0,
    next_check_at       REAL,
    created_at          REAL NOT NULL,
    updated_at          REAL NOT NULL,
    finished_at         REAL
);
CREATE INDEX tasks_due ON tasks(state, next_check_at);
CREATE INDEX tasks_user ON tasks(user_id, id);

CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks(id),
    file_key    TEXT NOT NULL,                  -- stable per result file (Suno track id, list position)
    url         TEXT NOT NULL,
    media       TEXT NOT NULL,                  -- image | video | audio
    title       TEXT,
    duration    REAL,
    state       TEXT NOT NULL DEFAULT 'pending',-- pending | sent | failed
    sent_as     TEXT,                           -- photo | video | audio | document | link
    file_id     TEXT,                           -- Telegram file_id, for free resend
    message_id  INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL,
    UNIQUE (task_id, file_key)
);
