"""Generation: from a request to a delivered result or a refund (request, submit, monitor, deliver, settle)."""
