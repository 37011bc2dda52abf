"""The public contact form: a written contact into the same queue as the chat and e-mail."""
