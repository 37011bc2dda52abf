"""The outbox against real relays on loopback that demand TLS and AUTH (aiosmtpd with a
certificate from a CA made in the test): mail arrives over STARTTLS or implicit TLS,
a wrong password or an untrusted relay keeps the mail queued and never shows the
password, and a relay without STARTTLS gets nothing in clear text."""

from __future__ import annotations

import base64
import ipaddress
import logging
import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Callable, List, Optional

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError
from sqlalchemy import select

from connectors.email_intake import Intake, NewContact
from connectors.email_models import OutgoingMail
from connectors.email_outbox import Outbox
from servicedesk.core.db import make_engine, make_session_factory, migrate
from servicedesk.core.settings import Settings
from servicedesk.core.types import utcnow
from servicedesk.events import EventBus
from servicedesk.gateway import Gateway
from servicedesk.models import Message
from servicedesk.rasa_client import RasaClient
from tests.connectors.test_email_channel import rows
from tests.servicedesk.conftest import OPEN_HOURS
from tests.support.stack import free_port

USER = "palvelu-relay@porvoo.example"
PASSWORD = "Kaup-ungin_Salasana-7319"
WRONG = "vanha-Salasana-0042"


# --- certificates -------------------------------------------------------------------

@dataclass
class Pki:
    ca_file: Path  # the CA the service desk trusts
    server_cert: Path  # 127.0.0.1 / localhost, signed by that CA
    server_key: Path
    stranger_cert: Path  # 127.0.0.1, signed by a CA nobody trusts
    stranger_key: Path
    garbage: Path  # not PEM


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: str, key: ec.EllipticCurvePrivateKey, issuer: str,
                 issuer_key: ec.EllipticCurvePrivateKey, *, ca: bool) -> x509.Certificate:
    now = datetime.now(timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject))
               .issuer_name(_name(issuer)).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(hours=1))
               .not_valid_after(now + timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, certificate: x509.Certificate,
           key: Optional[ec.EllipticCurvePrivateKey] = None) -> Path:
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        path.with_suffix(".key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A private CA and two server certificates (one from a CA nobody trusts)."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key, stranger_ca_key = ec.generate_private_key(ec.SECP256R1()), \
        ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Porvoo test CA", ca_key, "Porvoo test CA", ca_key, ca=True)
    server_key, stranger_key = ec.generate_private_key(ec.SECP256R1()), \
        ec.generate_private_key(ec.SECP256R1())
    server = _certificate("127.0.0.1", server_key, "Porvoo test CA", ca_key, ca=False)
    stranger = _certificate("127.0.0.1", stranger_key, "Stranger CA", stranger_ca_key,
                            ca=False)
    garbage = folder / "garbage.pem"
    garbage.write_text("not a certificate\n")
    return Pki(ca_file=_write(folder / "ca.pem", ca),
               server_cert=_write(folder / "server.pem", server, server_key),
               server_key=folder / "server.key",
               stranger_cert=_write(folder / "stranger.pem", stranger, stranger_key),
               stranger_key=folder / "stranger.key", garbage=garbage)


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


# --- a relay that wants TLS and a login --------------------------------------------

class SecureRelay:
    """aiosmtpd on loopback: "starttls" (require_starttls, AUTH only over TLS),
    "implicit" (TLS from the first byte, like port 465) or "plain" (no STARTTLS at all,
    but it would take AUTH and mail in clear text). Records what reached it."""

    def __init__(self, mode: str, context: Optional[ssl.SSLContext] = None, *,
                 auth_required: bool = True) -> None:
        self.password = PASSWORD
        self.messages: List[EmailMessage] = []
        self.logins: List[str] = []  # every AUTH attempt's username
        self.mail_commands = 0
        self.encrypted: List[bool] = []  # per delivered mail: was the session TLS
        self.authenticated: List[bool] = []
        kwargs: dict = dict(authenticator=self._authenticate, auth_required=auth_required)
        if mode == "starttls":
            kwargs.update(tls_context=context, require_starttls=True, auth_require_tls=True)
        elif mode == "implicit":  # aiosmtpd's auth_require_tls only knows STARTTLS
            kwargs.update(ssl_context=context, auth_require_tls=False)
        else:
            kwargs.update(auth_require_tls=False)
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port(), **kwargs)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append(auth_data.login.decode())
        ok = (auth_data.login.decode(), auth_data.password.decode()) == (USER, self.password)
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 5.7.8

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list) -> str:
        self.mail_commands += 1
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.encrypted.append(server.transport.get_extra_info("ssl_object") is not None)
        self.authenticated.append(bool(session.authenticated))
        self.messages.append(BytesParser(policy=policy.default).parsebytes(
            envelope.original_content))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def relays(pki: Pki) -> Iterator[Callable[..., SecureRelay]]:
    """Starts relays ("starttls", "implicit", "plain"); all stopped after the test."""
    started: List[SecureRelay] = []

    def start(mode: str, *, trusted: bool = True, auth_required: bool = True) -> SecureRelay:
        cert, key = ((pki.server_cert, pki.server_key) if trusted
                     else (pki.stranger_cert, pki.stranger_key))
        relay = SecureRelay(mode, server_context(cert, key) if mode != "plain" else None,
                            auth_required=auth_required)
        relay.controller.start()
        started.append(relay)
        return relay
    yield start
    for relay in started:
        relay.controller.stop()


# --- the service desk's side ----------------------------------------------------------

@dataclass
class Desk:
    database_url: str
    gateway: Gateway
    intake: Intake
    ahead: List[timedelta]

    def outbox(self, **relay: Any) -> Outbox:
        """An outbox (as after a start with these settings) on the shared clock."""
        settings = Settings(environment="production", secret_key="x" * 32,
                            database_url=self.database_url, rasa_tracker_db_url="",
                            email_from_address="palvelu@porvoo.example",
                            email_outbound_host="127.0.0.1", **relay)
        return Outbox(sessions=self.gateway.sessions, bus=self.gateway.bus,
                      settings=settings, clock=lambda: utcnow() + self.ahead[0])

    async def mail_in(self, number: int = 1) -> str:
        receipt = await self.intake.take_in(NewContact(
            channel="email", text="Hej! Var kan jag parkera nära torget?",
            address="anna@example.se", name="Anna Andersson", subject="Parkering",
            language_hint="sv", message_id=f"<m{number}@example.se>",
            dedup_key=f"<m{number}@example.se>"))
        return receipt.reference


@pytest.fixture
async def desk(database_url: str) -> AsyncIterator[Desk]:
    """Intake with Rasa down (nothing listens on its port): mail still comes in."""
    migrate(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    settings = Settings(environment="test", database_url=database_url,
                        rasa_url=f"http://127.0.0.1:{free_port()}", rasa_tracker_db_url="",
                        rasa_timeout_seconds=2)
    rasa = RasaClient(rasa_url=settings.rasa_url, action_server_url=settings.action_server_url,
                      timeout=2)
    gateway = Gateway(sessions=sessions, rasa=rasa, bus=EventBus(), clock=lambda: OPEN_HOURS)
    yield Desk(database_url, gateway, Intake(gateway=gateway, settings=settings),
               [timedelta(0)])
    await rasa.close()
    engine.dispose()


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_no_secret(log: pytest.LogCaptureFixture, *texts: str) -> None:
    """Neither password, nor their AUTH PLAIN encodings, in any record (or its traceback)."""
    logged = log.text + "".join(
        f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in log.records)
    for secret in (PASSWORD, WRONG):
        plain = base64.b64encode(f"\0{USER}\0{secret}".encode()).decode()
        for text in (logged, *texts):
            assert secret not in text and plain not in text


def statuses(desk: Desk) -> List[tuple]:
    return [(m.status, m.attempts, m.last_error) for m in rows(
        desk.database_url, select(OutgoingMail).order_by(OutgoingMail.id))]


def secure(relay: SecureRelay, pki: Pki, tls: str = "starttls",
           password: str = PASSWORD) -> dict:
    return dict(email_outbound_port=relay.port, email_outbound_tls=tls,
                email_outbound_ca_file=str(pki.ca_file), email_outbound_username=USER,
                email_outbound_password=password)


# --- sending -----------------------------------------------------------------------

async def test_starttls_and_login_deliver_the_mail(
        desk: Desk, pki: Pki, relays: Callable[..., SecureRelay],
        log: pytest.LogCaptureFixture) -> None:
    relay = relays("starttls")
    outbox = desk.outbox(**secure(relay, pki))
    reference = await desk.mail_in()
    await outbox.deliver()
    assert len(relay.messages) == 1 and reference in relay.messages[0]["Subject"]
    assert relay.messages[0]["To"] == "anna@example.se"
    assert (relay.encrypted, relay.authenticated, relay.logins) == ([True], [True], [USER])
    assert statuses(desk) == [("sent", 1, None)]
    assert outbox.relay_problem is None
    assert_no_secret(log, repr(outbox.relay), repr(outbox.settings), str(outbox.settings))


async def test_implicit_tls_delivers_the_mail(
        desk: Desk, pki: Pki, relays: Callable[..., SecureRelay],
        log: pytest.LogCaptureFixture) -> None:
    relay = relays("implicit")
    outbox = desk.outbox(**secure(relay, pki, tls="tls"))
    reference = await desk.mail_in()
    await outbox.deliver()
    assert [reference in m["Subject"] for m in relay.messages] == [True]
    assert (relay.encrypted, relay.authenticated) == ([True], [True])
    assert statuses(desk) == [("sent", 1, None)]
    assert_no_secret(log)


async def test_a_wrong_password_keeps_the_mail_until_it_is_fixed(
        desk: Desk, pki: Pki, relays: Callable[..., SecureRelay],
        log: pytest.LogCaptureFixture) -> None:
    relay = relays("starttls")
    outbox = desk.outbox(**secure(relay, pki, password=WRONG))
    await desk.mail_in(1)
    await desk.mail_in(2)
    await outbox.deliver()
    # Login refused (smtplib tries PLAIN, then LOGIN): both mails wait, neither counted
    # as an attempt nor failed.
    tries = len(relay.logins)
    assert relay.messages == [] and relay.mail_commands == 0 and set(relay.logins) == {USER}
    assert statuses(desk) == [("pending", 0, "login refused 535 5.7.8"),
                              ("pending", 0, None)]
    assert outbox.relay_problem == "login refused 535 5.7.8"
    errors = [r.getMessage() for r in log.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "535" in errors[0] and USER in errors[0]
    assert "EMAIL_OUTBOUND_PASSWORD" in errors[0]

    await outbox.deliver()  # paused: no second login (an account lock-out would follow)
    assert len(relay.logins) == tries
    desk.ahead[0] += timedelta(minutes=1, seconds=1)
    await outbox.deliver()  # tried again after the pause: still wrong, still queued
    assert len(relay.logins) == 2 * tries and relay.messages == []
    assert [s[0] for s in statuses(desk)] == ["pending", "pending"]

    fixed = desk.outbox(**secure(relay, pki))  # the operator fixes it and restarts
    await fixed.deliver()
    assert len(relay.messages) == 2
    assert statuses(desk) == [("sent", 1, None), ("sent", 1, None)]
    notices = rows(desk.database_url, select(Message.text).where(Message.sender == "system"))
    assert not any("kunde inte levereras" in n for n in notices)
    assert_no_secret(log, *(s[2] or "" for s in statuses(desk)))


async def test_the_same_outbox_recovers_when_the_relay_accepts_the_login(
        desk: Desk, pki: Pki, relays: Callable[..., SecureRelay],
        log: pytest.LogCaptureFixture) -> None:
    relay = relays("starttls")
    relay.password = "not-yet-activated"
    outbox = desk.outbox(**secure(relay, pki))
    await desk.mail_in()
    await outbox.deliver()
    assert relay.messages == [] and outbox.relay_problem == "login refused 535 5.7.8"
    relay.password = PASSWORD  # e.g. the account's SMTP AUTH is switched on
    desk.ahead[0] += timedelta(minutes=1, seconds=1)
    await outbox.deliver()
    assert len(relay.messages) == 1 and outbox.relay_problem is None
    assert any("accepts us again" in r.getMessage() for r in log.records)
    assert_no_secret(log)


async def test_a_relay_without_starttls_gets_nothing_in_clear_text(
        desk: Desk, pki: Pki, relays: Callable[..., SecureRelay],
        log: pytest.LogCaptureFixture) -> None:
    relay = relays("plain")  # would accept AUTH and mail unencrypted
    outbox = desk.outbox(**secure(relay, pki))
    await desk.mail_in()
    await outbox.deliver()
    assert (relay.logins, relay.mail_commands, relay.messages) == ([], 0, [])
    assert statuses(desk) == [("pending", 0, "STARTTLS not offered")]
    assert any("does not offer STARTTLS" in r.getMessage() for r in log.records
               if r.levelno == logging.ERROR)
    assert_no_secret(log)


@pytest.mark.parametrize("mode,tls", [("starttls", "starttls"), ("implicit", "tls")])
async def test_an_untrusted_certificate_gets_no_login_and_no_mail(
        desk: Desk, pki: Pki, relays: Callable[..., SecureRelay],
        log: pytest.LogCaptureFixture, mode: str, tls: str) -> None:
    relay = relays(mode, trusted=False)
    outbox = desk.outbox(**secure(relay, pki, tls=tls))
    await desk.mail_in()
    await outbox.deliver()
    assert (relay.logins, relay.mail_commands, relay.messages) == ([], 0, [])
    [(status, attempts, error)] = statuses(desk)
    assert (status, attempts) == ("pending", 0)
    assert error is not None and error.startswith("TLS certificate refused")
    assert_no_secret(log)


async def test_without_the_ca_file_a_private_ca_is_not_trusted(
        desk: Desk, pki: Pki, relays: Callable[..., SecureRelay]) -> None:
    relay = relays("starttls")
    settings = secure(relay, pki)
    del settings["email_outbound_ca_file"]  # the system's CAs do not know ours
    outbox = desk.outbox(**settings)
    await desk.mail_in()
    await outbox.deliver()
    assert relay.messages == [] and relay.logins == []
    assert (outbox.relay_problem or "").startswith("TLS certificate refused")


async def test_a_relay_that_demands_a_login_we_lack_keeps_the_mail(
        desk: Desk, pki: Pki, relays: Callable[..., SecureRelay]) -> None:
    relay = relays("implicit")
    outbox = desk.outbox(email_outbound_port=relay.port, email_outbound_tls="tls",
                         email_outbound_ca_file=str(pki.ca_file))
    await desk.mail_in()
    await outbox.deliver()  # 530 at MAIL FROM: our sender, not the resident's mail
    assert relay.messages == []
    [(status, attempts, error)] = statuses(desk)
    assert (status, attempts) == ("pending", 0)
    assert error is not None and error.startswith("sender refused 530")
    notices = rows(desk.database_url, select(Message.text).where(Message.sender == "system"))
    assert not any("kunde inte levereras" in n for n in notices)


# --- settings ------------------------------------------------------------------------

def relay_settings(**values: Any) -> Settings:
    base: dict = dict(environment="production", secret_key="x" * 32)
    base.update(values)
    return Settings(**base)


@pytest.mark.parametrize("values,message", [
    (dict(email_outbound_tls="starttls", email_outbound_username=USER),
     "EMAIL_OUTBOUND_USERNAME and EMAIL_OUTBOUND_PASSWORD must be set together"),
    (dict(email_outbound_tls="starttls", email_outbound_password=PASSWORD),
     "EMAIL_OUTBOUND_USERNAME and EMAIL_OUTBOUND_PASSWORD must be set together"),
    (dict(email_outbound_username=USER, email_outbound_password=PASSWORD),
     "needs EMAIL_OUTBOUND_TLS=starttls or tls outside development"),
    (dict(environment="test", email_outbound_username=USER,
          email_outbound_password=PASSWORD),
     "needs EMAIL_OUTBOUND_TLS=starttls or tls outside development"),
    (dict(email_outbound_tls="ssl"), "email_outbound_tls"),
])
def test_settings_that_do_not_fit_together_are_refused(values: dict, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        relay_settings(**values)
    assert message in str(refused.value)
    assert PASSWORD not in str(refused.value) and PASSWORD not in repr(refused.value)


def test_ca_files_are_checked_at_start_up(pki: Pki, tmp_path: Path) -> None:
    for path in (tmp_path / "missing.pem", pki.garbage):
        with pytest.raises(ValidationError) as refused:
            relay_settings(email_outbound_tls="starttls", email_outbound_ca_file=str(path))
        assert f"EMAIL_OUTBOUND_CA_FILE {path}: not a readable PEM file" in str(refused.value)
    with pytest.raises(ValidationError, match="only used with EMAIL_OUTBOUND_TLS"):
        relay_settings(email_outbound_ca_file=str(pki.ca_file))
    assert relay_settings(email_outbound_tls="tls",
                          email_outbound_ca_file=str(pki.ca_file)).email_outbound_ca_file


def test_good_settings_pass_and_keep_the_password_out_of_sight() -> None:
    settings = relay_settings(email_outbound_tls="starttls", email_outbound_port=587,
                              email_outbound_username=USER, email_outbound_password=PASSWORD)
    assert settings.email_outbound_password.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)
    assert PASSWORD not in repr(settings.dict())
    # In development a local test relay may take a login without TLS.
    assert relay_settings(environment="development", email_outbound_username=USER,
                          email_outbound_password=PASSWORD).email_outbound_tls == "none"
    # The defaults (the development relay, no login) stay valid.
    assert Settings(environment="test").email_outbound_tls == "none"
