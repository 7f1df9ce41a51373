"""A real SFTP server on 127.0.0.1 (asyncssh's, in a thread of the test process) that
serves one folder, with a password login and a throwaway host key."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import asyncssh


class SftpServer:
    def __init__(self, root: Path, user: str = "agency", password: str = "s3cret"):
        self.root, self.user, self.password = root, user, password
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.loop = asyncio.new_event_loop()
        self.logins: list[str] = []
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.acceptor = asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(10)
        self.port = self.acceptor.get_port()

    @property
    def public_key(self) -> str:
        return self.host_key.export_public_key().decode().strip()

    async def _listen(self):
        server = self

        class Login(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                return True

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                server.logins.append(username)
                return (username, password) == (server.user, server.password)

        return await asyncssh.listen(
            "127.0.0.1", 0, server_host_keys=[self.host_key], server_factory=Login,
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(self.root)),
            allow_scp=False)

    def close(self) -> None:
        # Closed on the loop's own thread: asyncio's Server is not thread-safe, and a
        # close from the test's thread can race a connection's detach into a double wake-up.
        asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def _close(self) -> None:
        self.acceptor.close()
        await self.acceptor.wait_closed()
