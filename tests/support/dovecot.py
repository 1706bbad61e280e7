"""A private Dovecot IMAP server for the e-mail intake tests.

Runs /usr/sbin/dovecot in the foreground with a configuration of its own in a temporary
directory: one test user in a passwd-file, maildirs under the same directory, listening on
127.0.0.1 on a free port. As root, Dovecot needs unprivileged users for its login and
internal processes (the Debian package creates `dovecot` and `dovenull`) and a mail user
that is not root; as another user everything runs as that user.

Security variants: "none" (plain IMAP), "starttls" and "tls" (a self-signed certificate
made here with openssl; the client trusts it through its CA file).
"""
from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = os.environ.get("PORTAL_TEST_DOVECOT", "/usr/sbin/dovecot")
USER = "intake"
PASSWORD = "imap-test-password-42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, made with the openssl command
    (Debian's dovecot-core depends on it, so it is there whenever Dovecot is)."""
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(key_path), "-out", str(cert_path), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True)
    key_path.chmod(0o600)
    return cert_path, key_path


class Dovecot:
    """Start with `Dovecot(security).start()`, stop with `.stop()` (or use it as a context manager)."""

    def __init__(self, security: str = "none"):
        if security not in ("none", "starttls", "tls"):
            raise ValueError(security)
        self.security = security
        self.port = free_port()
        self.user, self.password = USER, PASSWORD
        self.root = Path(tempfile.mkdtemp(prefix="portal-dovecot-"))
        self.root.chmod(0o755)  # login and internal processes run as other users
        self.ca_file: Path | None = None
        self.process: subprocess.Popen | None = None

    # -- configuration ------------------------------------------------------------------
    def _users(self) -> tuple[str, str, int, int]:
        """(internal user, login user, mail uid, mail gid)."""
        if os.geteuid() == 0:
            internal = pwd.getpwnam("dovecot")
            pwd.getpwnam("dovenull")
            return "dovecot", "dovenull", internal.pw_uid, internal.pw_gid
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid

    def _config(self) -> str:
        internal, login, uid, gid = self._users()
        home = self.root / "home"
        home.mkdir()
        os.chown(home, uid, gid)
        passwd = self.root / "passwd"
        passwd.write_text(f"{self.user}:{{PLAIN}}{self.password}::::::\n")
        passwd.chmod(0o644)
        ssl = "no"
        listeners = f"inet_listener imap {{\n    address = 127.0.0.1\n    port = {self.port}\n  }}\n" \
                    "  inet_listener imaps {\n    port = 0\n  }\n"
        if self.security != "none":
            cert, key = make_certificate(self.root)
            self.ca_file = cert
            ssl = "required" if self.security == "starttls" else "yes"
            if self.security == "tls":
                listeners = "inet_listener imap {\n    port = 0\n  }\n" \
                            f"  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {self.port}\n" \
                            "    ssl = yes\n  }\n"
        ssl_lines = f"ssl = {ssl}\n"
        if ssl != "no":
            ssl_lines += f"ssl_cert = <{self.ca_file}\nssl_key = <{self.root / 'key.pem'}\n"
        return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root / 'run'}
state_dir = {self.root / 'state'}
log_path = {self.root / 'dovecot.log'}
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {login}
disable_plaintext_auth = no
auth_mechanisms = plain login
{ssl_lines}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/%u
}}
mail_location = maildir:~/Maildir
first_valid_uid = 0
service imap-login {{
  {listeners}}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> "Dovecot":
        config = self.root / "dovecot.conf"
        config.write_text(self._config())
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace")
                raise RuntimeError(f"dovecot exited: {output}\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not listen on port {self.port}\n{self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "Dovecot":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- a client for the test's own look at the mailbox ----------------------------------
    def client(self):
        import ssl

        from imapclient import IMAPClient

        context = ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file else None
        client = IMAPClient("127.0.0.1", port=self.port, ssl=self.security == "tls", ssl_context=context,
                            timeout=10)
        if self.security == "starttls":
            client.starttls(context)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as client:
            client.append(folder, raw)

    def messages(self, folder: str) -> list[bytes]:
        """The raw messages in a folder (not deleted ones); [] when the folder does not exist."""
        with self.client() as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = client.search(["UNDELETED"])
            fetched = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            return [fetched[uid][b"BODY[]"] for uid in sorted(fetched)]

    def settings(self) -> dict:
        """The app's mailbox settings (portal.config.ImapSettings, PORTAL_IMAP_*) for this server."""
        return {"host": "127.0.0.1", "port": self.port, "security": self.security, "user": self.user,
                "password": self.password, "ca_file": str(self.ca_file or "")}
