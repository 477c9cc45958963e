-- The requester's language, fixed when the request is made: every message about the task
-- (progress, files, outcome) speaks it, without looking the user up again at each step.
ALTER TABLE tasks ADD COLUMN language TEXT NOT NULL DEFAULT 'en';

-- A task's refund is looked up by task (the group cap, /user): without this, every such
-- lookup scans the whole ledger inside the debit's transaction.
CREATE INDEX ledger_task ON ledger(task_id, kind);
