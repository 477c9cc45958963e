"""Messages to users that must arrive: progress and the outbox of outcome notices."""
