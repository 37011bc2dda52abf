"""Rasa-side Python of the Porvoo / Borgå assistant.

Language detection, input screening, the topic classifier and the offline
commands (`python -m bot classify`, `python -m bot evaluate`). The service desk meets
this package only over HTTP.
"""
