-- Growth: referrals, promo codes (free daily credits need no table: the ledger key
-- daily:<user>:<yyyy-mm-dd> makes them once a day, and users.last_seen_at tells the
-- first request of a day).
--
-- A user's invite code is made when they first ask for it (/invite), random so that it
-- tells nothing about their id; UNIQUE because a /start ref_<code> must name one inviter.
-- referred_by is set once, only for a newcomer, never to themselves (the service checks;
-- the CHECK keeps a bug from doing it anyway). The inviter's bonus is a ledger row
-- referral:<invited user> written with the invited user's first payment.
ALTER TABLE users ADD COLUMN referral_code TEXT;
ALTER TABLE users ADD COLUMN referred_by INTEGER REFERENCES users(user_id) CHECK (referred_by <> user_id);
CREATE UNIQUE INDEX users_referral_code ON users(referral_code) WHERE referral_code IS NOT NULL;
CREATE INDEX users_referred_by ON users(referred_by) WHERE referred_by IS NOT NULL;

-- Promo codes made by admins. uses is raised in the same transaction as the redeemer's
-- ledger row (promo:<code>:<user>) and only while uses < max_uses, so two users racing for
-- the last use cannot both get it; the CHECK is the last line of defence.
CREATE TABLE promo_codes (
    code        TEXT PRIMARY KEY,               -- upper case, as typed codes are normalised
    credits     INTEGER NOT NULL CHECK (credits > 0),
    max_uses    INTEGER NOT NULL CHECK (max_uses > 0),
    uses        INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
    expires_at  REAL,                           -- NULL: never
    created_by  INTEGER NOT NULL,               -- the admin
    created_at  REAL NOT NULL
);
