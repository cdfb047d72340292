"""The embedded broker under several processes: every message arrives whole, once.

kombu's stock filesystem transport fails this: a reader can claim a message file
before its writer has filled it, and the reading worker stops on the empty file.
"""

import multiprocessing
import os
import queue as stdlib_queue

import pytest
from kombu import Connection

MESSAGES = 1500
READERS = 2


def _connection(folder: str, transport: str) -> Connection:
    options = {
        name: os.path.join(folder, name)
        for name in ("data_folder_in", "staging_folder", "claimed_folder", "control_folder")
    }
    options["data_folder_out"] = options["data_folder_in"]
    for path in options.values():
        os.makedirs(path, exist_ok=True)
    return Connection("filesystem://", transport=transport, transport_options=options)


def _write(folder, transport):
    with _connection(folder, transport) as conn:
        box = conn.SimpleQueue("reminders")
        for number in range(MESSAGES):
            box.put({"number": number, "padding": "x" * 20_000})
        box.close()


def _read(folder, transport, received, stop):
    with _connection(folder, transport) as conn:
        box = conn.SimpleQueue("reminders")
        while not stop.is_set():
            try:
                message = box.get(timeout=0.05)
            except box.Empty:
                continue
            except Exception as exc:  # what the stock transport raises on a half-written file
                received.put(("error", type(exc).__name__))
                return
            received.put(("message", message.payload["number"]))
            message.ack()


def _exchange(folder, transport):
    """Run one writer and READERS readers at once; return (numbers received, errors)."""
    context = multiprocessing.get_context("spawn")
    received, stop = context.Queue(), context.Event()
    readers = [
        context.Process(target=_read, args=(folder, transport, received, stop))
        for _ in range(READERS)
    ]
    writer = context.Process(target=_write, args=(folder, transport))
    for process in readers:
        process.start()
    writer.start()

    numbers, errors = [], []
    while len(numbers) < MESSAGES and len(errors) < READERS:
        try:
            kind, value = received.get(timeout=30)
        except stdlib_queue.Empty:
            break
        (numbers if kind == "message" else errors).append(value)
    stop.set()
    writer.join(30)
    for process in readers:
        process.join(30)
    return numbers, errors


@pytest.mark.integration
def test_concurrent_writer_and_readers_deliver_every_message_once(tmp_path):
    numbers, errors = _exchange(str(tmp_path), "peerlink.broker:Transport")

    assert errors == []
    assert sorted(numbers) == list(range(MESSAGES))
    assert os.listdir(tmp_path / "staging_folder") == []
    assert os.listdir(tmp_path / "claimed_folder") == []


def test_binding_a_queue_while_another_process_has_just_created_the_exchange_file(tmp_path):
    # kombu creates the exchange file and only then locks and fills it: a worker
    # binding at that moment found it empty and stopped on the decode error.
    with _connection(str(tmp_path), "peerlink.broker:Transport") as conn:
        channel = conn.default_channel
        (tmp_path / "control_folder" / "reminders.exchange").write_bytes(b"")

        assert channel.get_table("reminders") == []
        conn.SimpleQueue("reminders").close()

        assert [binding.queue for binding in channel.get_table("reminders")] == ["reminders"]
