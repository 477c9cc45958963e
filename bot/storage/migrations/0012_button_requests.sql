-- A request started by a button under a result ("Again", "Animate") is keyed by that button:
-- the result message and the action. The key is unique, so a second press, another member's
-- press or a redelivered callback update starts nothing more; it is written with the task row,
-- in the transaction of the debit. Such a task replies to the result message, which may carry
-- both buttons, so the one-task-per-command index now holds only for tasks without a key.
ALTER TABLE tasks ADD COLUMN request_key TEXT;
DROP INDEX tasks_request;
CREATE UNIQUE INDEX tasks_request ON tasks(chat_id, request_message_id) WHERE request_key IS NULL;
CREATE UNIQUE INDEX tasks_request_key ON tasks(request_key) WHERE request_key IS NOT NULL;
