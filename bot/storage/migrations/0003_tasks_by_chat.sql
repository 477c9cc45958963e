-- The daily group cap sums a group's requests of the day at every request made there.
CREATE INDEX tasks_chat ON tasks(chat_id, created_at);
