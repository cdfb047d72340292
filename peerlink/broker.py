"""The embedded broker: kombu's filesystem transport, made safe for several processes.

kombu's own transport creates a message file and then writes it, so a worker
listing the folder in between claims an empty file, fails to decode it and stops
("Unrecoverable error: JSONDecodeError"), and the message is gone. It also claims
a message by moving it to the system temp folder, which on another file system
is a copy that two workers can both make.

Here a message is written in full beside the queue and renamed into it, and a
worker claims one by renaming it into a folder on the same file system: a rename
is atomic, so a reader sees a whole message or none, and only one worker wins it.
Binding a queue, which every worker does at start, reads and writes the exchange
table under one lock, so two workers starting together never see it half made.
"""

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from kombu.transport.virtual import Empty
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property


class Channel(filesystem.Channel):
    @cached_property
    def staging_folder(self) -> str:
        return self.transport_options["staging_folder"]

    @cached_property
    def claimed_folder(self) -> str:
        return self.transport_options["claimed_folder"]

    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        staged = os.path.join(self.staging_folder, name)
        try:
            with open(staged, "wb") as f:
                f.write(dumps(payload).encode())
            os.replace(staged, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add message to queue {queue!r}") from exc

    def _get(self, queue):
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(self.claimed_folder, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another worker claimed it first
            with open(claimed, "rb") as f:
                payload = f.read()
            os.remove(claimed)
            return loads(payload.decode())
        raise Empty()

    # kombu creates an exchange file, then locks and fills it: a process binding
    # a queue at that moment locked it first, read it empty and stopped on the
    # decode error. Here an empty file is an empty table, and a binding creates,
    # reads and writes the file under one lock.
    def get_table(self, exchange):
        file = self._exchange_file(exchange)
        try:
            with open(file, "rb") as f:
                filesystem.lock(f, filesystem.LOCK_SH)
                try:
                    return _bindings(f.read())
                finally:
                    filesystem.unlock(f)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot open {file}") from exc

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(exist_ok=True)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        try:
            with open(os.open(file, os.O_RDWR | os.O_CREAT, 0o666), "rb+", buffering=0) as f:
                filesystem.lock(f, filesystem.LOCK_EX)
                try:
                    bindings = _bindings(f.read())
                    if binding not in bindings:
                        f.seek(0)
                        f.truncate()
                        f.write(dumps([binding, *bindings]).encode())
                finally:
                    filesystem.unlock(f)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot open {file}") from exc


def _bindings(content: bytes) -> list:
    return [
        filesystem.exchange_queue_t(*row) for row in (loads(content.decode()) if content else [])
    ]


class Transport(filesystem.Transport):
    Channel = Channel
