-- /settings: a user's saved choice per kind (image, video, song): the model /image, /video
-- or /song runs, and that model's option choices (JSON: option key -> choice). Per user,
-- not per chat: in a group each member's own. A model or choice the catalog no longer has
-- is ignored when read (the default is used), so a catalog edit never breaks a request.
CREATE TABLE preferences (
    user_id     INTEGER NOT NULL REFERENCES users(user_id),
    kind        TEXT NOT NULL,
    model_key   TEXT NOT NULL,
    choices     TEXT NOT NULL DEFAULT '{}',
    updated_at  REAL NOT NULL,
    PRIMARY KEY (user_id, kind)
);
