-- The requester's language, fixed when the request is made: every message about the task
-- (progress, files, outcome) speaks it, without looking the user up again at each step.
ALTER TABLE tasks ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
