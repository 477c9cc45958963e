-- A request is in the bot's queue (cancellable by its user, refunded at once) until its
-- createTask call to Kie starts. The submitter claims the task (submitting = 1) in one
-- statement right before each call, only if it is still pending and not cancelled; a cancel
-- succeeds only while the claim is not taken. So the two can never both win. After a
-- refusal Kie certainly did not take (the call is retried), the claim is given back and the
-- task waits, cancellable, again.
ALTER TABLE tasks ADD COLUMN submitting INTEGER NOT NULL DEFAULT 0;
