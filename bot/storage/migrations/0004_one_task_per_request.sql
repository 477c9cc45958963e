-- One task per request message: Telegram redelivers an update the bot did not confirm
-- (a crash right after the debit), and the second copy must not charge again.
CREATE UNIQUE INDEX tasks_request ON tasks(chat_id, request_message_id);
