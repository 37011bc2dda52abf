"""The e-mail channel: an SMTP endpoint (aiosmtpd) inside the service desk's process,
and the outbox that sends acknowledgements and staff answers.

The endpoint listens on EMAIL_INBOUND_HOST:EMAIL_INBOUND_PORT on the service desk's own
event loop, so it shares the gateway, the Rasa client and the event bus. In production
the city's mail relay (MX) forwards the service address to it. Refusals are SMTP
replies the sending server shows its user: 552 too large, 550 attachments refused or
unknown recipient, 554 malformed or empty, 421/450 too many messages.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, List, Optional

from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession

from connectors.email_intake import Intake
from connectors.email_outbox import Outbox
from connectors.email_parsing import MailLimits, MailRefused, parse_mail
from servicedesk.core.settings import Settings
from servicedesk.gateway import Gateway
from servicedesk.ratelimit import RateLimiter

logger = logging.getLogger(__name__)
# aiosmtpd logs every sender and recipient address at INFO: personal data stays out.
logging.getLogger("mail.log").setLevel(logging.WARNING)

IDENT = "Porvoo service desk"


class IntakeSMTP(SMTP):
    """aiosmtpd's SMTP session, closing the connection after a 421 (RFC 5321 4.2)."""

    async def push(self, status: Any) -> None:
        await super().push(status)
        text = status.decode() if isinstance(status, bytes) else str(status)
        if text.startswith("421") and self.transport is not None:
            self.transport.close()


class SmtpIntakeHandler:
    """aiosmtpd hooks: who may send, what may be sent, and the intake of each mail."""

    def __init__(self, *, intake: Intake, settings: Settings) -> None:
        self.intake = intake
        self.recipients = {a.strip().casefold()
                           for a in settings.email_inbound_addresses.split(",") if a.strip()}
        self.limits = MailLimits(max_text_chars=settings.email_max_text_chars,
                                 attachment_policy=settings.email_attachment_policy,
                                 max_attachment_bytes=settings.email_max_attachment_bytes)
        self.per_ip = RateLimiter(settings.email_messages_per_minute_per_ip)
        self.per_sender = RateLimiter(settings.email_messages_per_minute_per_sender)

    async def handle_MAIL(self, server: SMTP, session: SmtpSession, envelope: Envelope,
                          address: str, mail_options: List[str]) -> str:
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        wait = self.per_ip.hit(peer)
        if wait:
            return f"421 4.7.0 Too many messages from your address. Try again in {wait} s."
        wait = self.per_sender.hit(address.casefold())
        if wait:
            return f"450 4.7.1 Too many messages from this sender. Try again in {wait} s."
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: SmtpSession, envelope: Envelope,
                          address: str, rcpt_options: List[str]) -> str:
        if address.casefold() not in self.recipients:
            return "550 5.1.1 No such mailbox here."
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: SmtpSession,
                          envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            mail = parse_mail(bytes(raw), self.limits)
        except MailRefused as refused:
            logger.info("e-mail refused: %s", refused.status[:3])
            return refused.status
        try:
            receipt = await self.intake.take_in_mail(mail)
        except Exception as error:  # nothing was stored: the sender's server retries
            logger.error("e-mail intake failed: %s", type(error).__name__)
            return "451 4.3.0 Temporary failure; please try again later."
        return f"250 2.0.0 Received, reference {receipt.reference}"


class EmailChannel:
    """The SMTP endpoint (when enabled) and the outbox (when a relay is configured)."""

    def __init__(self, *, gateway: Gateway, settings: Settings) -> None:
        self.settings = settings
        self.intake = Intake(gateway=gateway, settings=settings)
        self.outbox = Outbox(sessions=gateway.sessions, bus=gateway.bus, settings=settings)
        self.handler = SmtpIntakeHandler(intake=self.intake, settings=settings)
        self._server: Optional[asyncio.base_events.Server] = None

    @property
    def inbound_enabled(self) -> bool:
        enabled = self.settings.email_enabled
        return self.settings.environment == "development" if enabled is None else enabled

    async def start(self) -> None:
        if self.settings.email_outbound_host:
            self.outbox.start()
        if not self.inbound_enabled:
            return
        loop = asyncio.get_running_loop()
        try:
            self._server = await loop.create_server(
                self._protocol, host=self.settings.email_inbound_host,
                port=self.settings.email_inbound_port)
        except OSError as error:
            if self.settings.email_enabled:  # asked for explicitly: a failure to start
                raise
            # The development default yields to whatever holds the port (a second desk).
            logger.warning("e-mail endpoint not started: %s", error.strerror)
            return
        logger.info("e-mail endpoint listening on %s:%s", self.settings.email_inbound_host,
                    self.port)

    def _protocol(self) -> IntakeSMTP:
        return IntakeSMTP(self.handler, data_size_limit=self.settings.email_max_message_bytes,
                          enable_SMTPUTF8=True, ident=IDENT,
                          hostname=self.settings.email_from_address.rpartition("@")[2],
                          loop=asyncio.get_running_loop())

    @property
    def port(self) -> Optional[int]:
        """The port listened on (useful when configured as 0: any free port)."""
        if self._server is None or not self._server.sockets:
            return None
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self.outbox.stop()
