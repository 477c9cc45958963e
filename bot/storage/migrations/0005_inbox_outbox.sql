-- Inbox: every Telegram update as it arrived, written before Telegram is told we have it
-- (the polling offset moves past it, or the webhook answers 200). An update whose handling
-- a crash cut off is still here unhandled and is handled at the next start; one Telegram
-- delivers again is recognised by its id and not handled twice.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,                  -- the update's JSON, exactly as received
    received_at REAL NOT NULL,
    handled_at  REAL                            -- NULL until a handler finished with it
);
CREATE INDEX inbox_unhandled ON inbox(update_id) WHERE handled_at IS NULL;
CREATE INDEX inbox_received ON inbox(received_at);

-- Outbox: messages the user must get to know what happened (a task's outcome, a refund),
-- written in the transaction that settled the task and kept until Telegram took them, so
-- a Telegram outage or a restart delays the notice but cannot lose it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    task_id         INTEGER REFERENCES tasks(id),
    chat_id         INTEGER NOT NULL,
    thread_id       INTEGER,                    -- forum topic
    reply_to        INTEGER,                    -- the user's request message
    edit_message_id INTEGER,                    -- edit this message in place; NULL: send a new one
    event           TEXT NOT NULL,              -- what happened (NoticeKind), worded when sent
    payload         TEXT NOT NULL DEFAULT '{}', -- its values, JSON
    language        TEXT NOT NULL,              -- the recipient's language, fixed when it happened
    state           TEXT NOT NULL DEFAULT 'pending',  -- pending | sent | dropped
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,              -- when it is due (first at once, then with backoff)
    claim           TEXT,                       -- the attempt sending it now (NULL: nobody)
    claimed_until   REAL,                       -- that attempt's lease: past it, another may try
    error           TEXT,
    created_at      REAL NOT NULL,
    sent_at         REAL
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'pending';
