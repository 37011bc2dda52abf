"""The Rasa input channel the service desk talks to.

Like Rasa's REST channel, but the answer carries what the assistant understood, so
that the service desk can log topic, confidence and language with each message:

    POST /webhooks/servicedesk/webhook
    {"sender": "<conversation id>", "message": "...", "metadata": {"language": "sv"}}
    -> {"messages": [...], "nlu": {"intent": ..., "confidence": ...,
        "detected_language": {...}, "ranking": [...]}}

The conversation language after the turn comes in the actions' own control payload
({"custom": {"type": "language", "language": "sv"}}).
"""

from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

RANKING_SIZE = 3


class ServiceDeskInput(InputChannel):
    """REST-style channel that also returns the NLU result of the message."""

    @classmethod
    def name(cls) -> Text:
        return "servicedesk"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint("servicedesk_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.json or {}
            sender = body.get("sender")
            text = body.get("message")
            if not isinstance(sender, str) or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, status=400)
            # NLU alone (no conversation state, a few ms) tells what was understood;
            # re-reading the whole tracker afterwards would cost more with every turn.
            parse = await request.app.ctx.agent.parse_message(text)
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(text, collector, sender, input_channel=self.name(),
                            metadata=body.get("metadata"))
            )
            return response.json({"messages": collector.messages, "nlu": understood(parse)})

        return webhook


def understood(parse: Dict[str, Any]) -> Dict[str, Any]:
    """Intent, confidence, detected language and ranking of a parsed message."""
    intent = parse.get("intent") or {}
    ranking = parse.get("intent_ranking") or []
    return {
        "intent": intent.get("name"),
        "confidence": intent.get("confidence"),
        "detected_language": parse.get("language"),
        "ranking": [
            {"intent": r.get("name"), "confidence": r.get("confidence")}
            for r in ranking[:RANKING_SIZE]
        ],
    }
