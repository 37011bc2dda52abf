"""Rasa custom actions: answers from data/knowledge, programme queries, handoff.

Actions read the knowledge base and return answers and control payloads; they never
touch the service desk's tables.
"""
