-- Telegram Stars payments. One row per charge Telegram reported (successful_payment),
-- written in the same transaction as its ledger row (topup:<charge id>): a repeated update,
-- a restart or a crash between the two can neither credit twice nor lose the credits.
-- charge_id is UNIQUE for the same reason. state moves paid -> refunded once; the
-- reversal's ledger row (topup_reversal:<charge id>) is written in that same transaction.
CREATE TABLE payments (
    id           INTEGER PRIMARY KEY,
    charge_id    TEXT NOT NULL UNIQUE,          -- telegram_payment_charge_id
    user_id      INTEGER NOT NULL REFERENCES users(user_id),
    pack         TEXT NOT NULL,                 -- catalog pack key at purchase time
    stars        INTEGER NOT NULL CHECK (stars > 0),
    credits      INTEGER NOT NULL CHECK (credits > 0),  -- credits + bonus as credited
    state        TEXT NOT NULL DEFAULT 'paid',  -- paid | refunded
    paid_at      REAL NOT NULL,
    refunded_at  REAL,
    refunded_by  INTEGER,                       -- the admin's id; NULL: Telegram reported the refund
    taken_back   INTEGER                        -- credits taken back at the refund (at most what was left)
);
CREATE INDEX payments_user ON payments(user_id, id);
