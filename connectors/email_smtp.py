"""One mail through the outbound relay: in the clear, over STARTTLS or implicit TLS, with
AUTH when a username is configured. Certificates are always verified (the system's CAs,
or only those of EMAIL_OUTBOUND_CA_FILE) and the host name must match.

Errors are sorted by whose problem they are:
- RelayProblem: ours or the relay's (TLS not offered or not trusted, our login or our
  sender address refused); nothing is wrong with the mail, so it stays queued.
- PermanentFailure: the relay refused this mail for good (5xx on recipients or data).
- anything else (OSError, smtplib.SMTPException): temporary, retried with back-off.
The password is only handed to smtplib; no message or exception here contains it.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from typing import Optional, Union

from servicedesk.core.settings import Settings

SMTP_TIMEOUT_SECONDS = 30
ENHANCED_STATUS = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b")


class PermanentFailure(Exception):
    """The relay refused the mail for good (5xx)."""


class RelayProblem(Exception):
    """Configuration or relay trouble, not the mail's: `short` fits the outbox row,
    `detail` tells the operator what to check. Neither contains a secret."""

    def __init__(self, short: str, detail: str) -> None:
        super().__init__(short)
        self.short = short[:64]
        self.detail = detail


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    """Client context: certificate and host name verified, TLS 1.2 or newer."""
    context = ssl.create_default_context(cafile=ca_file or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _status(error: smtplib.SMTPResponseException) -> str:
    """"535 5.7.8": the reply code and enhanced status, without the reply's free text."""
    text = error.smtp_error.decode("utf-8", "replace") if isinstance(
        error.smtp_error, bytes) else str(error.smtp_error)
    enhanced = ENHANCED_STATUS.search(text)
    return f"{error.smtp_code} {enhanced.group(0)}" if enhanced else str(error.smtp_code)


def _tls_problem(error: ssl.SSLError) -> RelayProblem:
    if isinstance(error, ssl.SSLCertVerificationError):
        why = error.verify_message or "not trusted"
        return RelayProblem(f"TLS certificate refused: {why}",
                            f"the relay's certificate was refused ({why}); check "
                            "EMAIL_OUTBOUND_HOST (the name in the certificate) and "
                            "EMAIL_OUTBOUND_CA_FILE")
    why = error.reason or type(error).__name__
    return RelayProblem(f"TLS failed: {why}",
                        f"the TLS handshake with the relay failed ({why}); check "
                        "EMAIL_OUTBOUND_TLS and EMAIL_OUTBOUND_PORT (465: tls, 587: starttls)")


class SmtpRelay:
    """The configured relay; the TLS context is built once, at start-up."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.context: Optional[ssl.SSLContext] = None
        if settings.email_outbound_tls != "none":
            self.context = tls_context(settings.email_outbound_ca_file)

    def __repr__(self) -> str:
        s = self.settings
        return (f"SmtpRelay({s.email_outbound_host}:{s.email_outbound_port}, "
                f"tls={s.email_outbound_tls}, user={s.email_outbound_username or None})")

    def send(self, mail: EmailMessage) -> None:
        with self._connect() as smtp:
            self._secure(smtp)
            self._log_in(smtp)
            self._send(smtp, mail)

    def _connect(self) -> Union[smtplib.SMTP, smtplib.SMTP_SSL]:
        s = self.settings
        if s.email_outbound_tls != "tls":
            return smtplib.SMTP(s.email_outbound_host, s.email_outbound_port,
                                timeout=SMTP_TIMEOUT_SECONDS)
        try:
            return smtplib.SMTP_SSL(s.email_outbound_host, s.email_outbound_port,
                                    timeout=SMTP_TIMEOUT_SECONDS, context=self.context)
        except ssl.SSLError as error:
            raise _tls_problem(error) from None

    def _secure(self, smtp: smtplib.SMTP) -> None:
        """STARTTLS when configured; a relay that does not offer it gets nothing."""
        if self.settings.email_outbound_tls != "starttls":
            return
        try:
            smtp.starttls(context=self.context)
        except smtplib.SMTPNotSupportedError:
            raise RelayProblem("STARTTLS not offered", "the relay does not offer STARTTLS "
                               "(EMAIL_OUTBOUND_TLS=starttls); nothing was sent") from None
        except smtplib.SMTPResponseException as error:
            raise RelayProblem(f"STARTTLS refused {_status(error)}",
                               f"the relay refused STARTTLS ({_status(error)})") from None
        except ssl.SSLError as error:
            raise _tls_problem(error) from None

    def _log_in(self, smtp: smtplib.SMTP) -> None:
        username = self.settings.email_outbound_username
        if not username:
            return
        password = self.settings.email_outbound_password.get_secret_value()
        try:
            smtp.login(username, password)
        except smtplib.SMTPAuthenticationError as error:
            raise RelayProblem(f"login refused {_status(error)}",
                               f"the relay refused the login of {username!r} "
                               f"({_status(error)}); check EMAIL_OUTBOUND_USERNAME and "
                               "EMAIL_OUTBOUND_PASSWORD") from None
        except smtplib.SMTPNotSupportedError:
            raise RelayProblem("AUTH not offered", "the relay offers no AUTH on this "
                               "connection; check EMAIL_OUTBOUND_TLS") from None
        except smtplib.SMTPResponseException as error:
            raise RelayProblem(f"login failed {_status(error)}",
                               f"logging in as {username!r} failed ({_status(error)})"
                               ) from None
        except smtplib.SMTPServerDisconnected:
            raise  # a network problem: retried with back-off
        except smtplib.SMTPException:
            raise RelayProblem("no common AUTH mechanism", "the relay offers no AUTH "
                               "mechanism that smtplib speaks (PLAIN, LOGIN, CRAM-MD5)"
                               ) from None

    def _send(self, smtp: smtplib.SMTP, mail: EmailMessage) -> None:
        try:
            smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            if all(code >= 500 for code, _ in error.recipients.values()):
                raise PermanentFailure() from None
            raise
        except smtplib.SMTPSenderRefused as error:
            if error.smtp_code >= 500:  # the sender is always our own EMAIL_FROM_ADDRESS
                raise RelayProblem(f"sender refused {_status(error)}",
                                   f"the relay refused our sender ({_status(error)}): it "
                                   "may want a login (EMAIL_OUTBOUND_USERNAME) or not let "
                                   "the account send as EMAIL_FROM_ADDRESS") from None
            raise
        except smtplib.SMTPDataError as error:
            if error.smtp_code >= 500:
                raise PermanentFailure() from None
            raise
