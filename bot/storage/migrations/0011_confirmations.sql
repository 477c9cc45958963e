-- A request priced above CONFIRM_ABOVE waits here, uncharged, for one tap on "Confirm".
-- It keeps what the user was shown: the resolved model, prompt, option choices and price
-- (the price charged at confirm time is this one). Confirming moves it out of 'pending' in
-- the same transaction as the debit and the task row, so two taps, a redelivered update or
-- a crash start one task at most. UNIQUE (chat_id, request_message_id): a redelivered
-- command asks once.
CREATE TABLE confirmations (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users(user_id),
    chat_id             INTEGER NOT NULL,
    thread_id           INTEGER,
    request_message_id  INTEGER,                -- the command, which the results reply to
    in_group            INTEGER NOT NULL DEFAULT 0,
    model_key           TEXT NOT NULL,
    prompt              TEXT NOT NULL,
    choices             TEXT NOT NULL,          -- JSON: option key -> choice
    price               INTEGER NOT NULL CHECK (price > 0),
    input_file_id       TEXT,
    input_url           TEXT,
    language            TEXT NOT NULL,
    created_at          REAL NOT NULL,
    expires_at          REAL NOT NULL,
    state               TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'confirmed', 'cancelled')),
    task_id             INTEGER REFERENCES tasks(id),
    UNIQUE (chat_id, request_message_id)
);
CREATE INDEX confirmations_expires ON confirmations(expires_at);
