"""PROCESS mode's worker: serves :mod:`taipan.operations` over Arrow Flight.

    python -m taipan.worker --socket PATH

listens on ``grpc+unix://PATH`` (never TCP). It is a thin transport: every
function kind is :mod:`taipan.operations`' business.

DoExchange
    The FlightDescriptor's command is a serialized ``taipan.udf.Operation``
    (udf/udfpb/udf.proto), job parameters inside. The worker creates and
    opens the operation and begins its output stream with the operation's
    ``output_schema``; then every input batch goes through ``process()``,
    whose output (one batch per input batch for SCALAR and TABLE, in order;
    nothing for the aggregates) is written at once. When the client ends
    its side, ``finish()``'s output, if any, is written, the operation is
    closed and the stream ends. The client may end its side without sending
    any batch (an aggregate over no rows).

    A client may name the exchange in the gRPC header ``taipan-exchange``;
    the ``wait`` action then tells when that exchange has stopped.

DoAction
    ``describe``: body ``{"target": "module.attr", "python_files": [...]}``
    (JSON); result a serialized ``taipan.udf.FunctionSignature``.
    ``wait``: body ``{"exchange": ID, "timeout": SECONDS}``; result
    ``{"running": BOOL}``, false as soon as that exchange's handler has
    returned, true if it still runs at the timeout.

Errors
    Every failure reaches the client as a Flight error whose message holds
    ``taipan-error:`` followed by one JSON object (the transport may add
    text around it; the object is read up to its closing brace):
    ``{"error": class, "function": name, "message": text,
    "traceback": text}``. ``error`` is the taipan.errors class
    (``PythonFunctionError``, ``ResultTypeError``, ``FunctionLoadError``,
    ``DescriptorError``, ``TaipanError``) or ``InternalError`` for a fault
    of the runtime itself; ``function`` is the function's SQL name, empty
    when unknown; ``message`` reads after "Python function NAME failed: "
    (``ZeroDivisionError: division by zero``); ``traceback`` is Python's,
    empty when there is none.

Cancellation
    A cancelled exchange (the client cancelled its call or went away) is
    stopped where it stands: a watchdog thread raises an asynchronous
    exception in the handler's thread, which interrupts Python code at its
    next bytecode. Code that never returns to the interpreter (a long C
    call) is not interrupted; the engine then kills the worker.

Output and lifetime
    Nothing but logging writes to stdout: file descriptor 1 and
    ``sys.stdout`` both go to stderr, so a function's ``print()`` ends up in
    the log. The worker exits when its stdin (a pipe from the engine)
    reaches end of file, i.e. when the engine is gone.
"""

import argparse
import ctypes
import json
import logging
import os
import signal
import sys
import threading
import time

import pyarrow as pa
import pyarrow.flight as flight

from taipan import operations, udf_pb2
from taipan.errors import TaipanError, error_fields

__all__ = ['WorkerServer', 'encode_error', 'ERROR_PREFIX', 'EXCHANGE_HEADER', 'main']

log = logging.getLogger('taipan.worker')

ERROR_PREFIX = 'taipan-error:'
EXCHANGE_HEADER = 'taipan-exchange'

# How often the watchdog looks for cancelled exchanges.
_WATCH_INTERVAL = 0.02


class ExchangeCancelled(BaseException):
    """Raised asynchronously in the thread of a cancelled exchange. A
    BaseException, so that a function's ``except Exception`` does not
    swallow it."""


def _serving(fn, *args):
    """Calls ``fn``, turning the errors of operations into Flight errors
    for the engine."""
    try:
        return fn(*args)
    except Exception as e:
        raise encode_error(e) from None


def encode_error(exc):
    """The Flight error that carries ``exc`` to the engine."""
    name, function, message, traceback = error_fields(exc, 'Python worker')
    fields = {'error': name, 'function': function, 'message': message, 'traceback': traceback}
    return flight.FlightServerError(ERROR_PREFIX + json.dumps(fields, ensure_ascii=True))


def decode_error(text):
    """The JSON fields of a message made by :func:`encode_error` (the
    transport may have added text around them), or None."""
    i = text.find(ERROR_PREFIX)
    if i < 0:
        return None
    try:
        fields, _ = json.JSONDecoder().raw_decode(text, i + len(ERROR_PREFIX))
    except ValueError:
        return None
    return fields


class _ExchangeIdMiddleware(flight.ServerMiddleware):
    def __init__(self, exchange_id):
        self.exchange_id = exchange_id


class _ExchangeIdFactory(flight.ServerMiddlewareFactory):
    def start_call(self, info, headers):
        ids = headers.get(EXCHANGE_HEADER)
        if not ids:
            return None
        value = ids[0]
        return _ExchangeIdMiddleware(value.decode() if isinstance(value, bytes) else value)


def _set_async_exc(thread_id, exc_type):
    """Raises ``exc_type`` in thread ``thread_id`` at its next bytecode;
    None clears a pending one."""
    obj = ctypes.py_object(exc_type) if exc_type is not None else None
    return ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), obj)


class _Exchange:
    __slots__ = ('exchange_id', 'context', 'thread_id', 'done', 'interrupted')

    def __init__(self, exchange_id, context):
        self.exchange_id = exchange_id
        self.context = context
        self.thread_id = threading.get_ident()
        self.done = False
        self.interrupted = False


class WorkerServer(flight.FlightServerBase):
    """The Flight service of one worker. ``location`` is a
    ``grpc+unix://`` location."""

    def __init__(self, location, **kwargs):
        super().__init__(location, middleware={'exchange': _ExchangeIdFactory()}, **kwargs)
        self._lock = threading.Condition()
        self._exchanges = {}  # id(_Exchange) -> _Exchange
        self._stopping = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name='taipan-watchdog',
                                          daemon=True)
        self._watchdog.start()

    # Exchanges

    def do_exchange(self, context, descriptor, reader, writer):
        middleware = context.get_middleware('exchange')
        exchange = _Exchange(middleware.exchange_id if middleware else None, context)
        with self._lock:
            self._exchanges[id(exchange)] = exchange
        try:
            self._exchange(context, descriptor, reader, writer)
        except ExchangeCancelled:
            log.info('exchange %s cancelled', exchange.exchange_id)
        except flight.FlightCancelledError:
            log.info('exchange %s cancelled', exchange.exchange_id)
        finally:
            # An interruption injected just before the handler finished may
            # still go off here, once: the bookkeeping is then done again.
            while True:
                try:
                    with self._lock:
                        exchange.done = True
                        self._exchanges.pop(id(exchange), None)
                        self._lock.notify_all()
                    break
                except ExchangeCancelled:
                    continue
            if exchange.interrupted:
                # An interruption raised after the handler's last bytecode
                # must not hit the next call this thread serves.
                _set_async_exc(exchange.thread_id, None)

    def _exchange(self, context, descriptor, reader, writer):
        if descriptor.descriptor_type != flight.DescriptorType.CMD:
            raise encode_error(TaipanError('DoExchange takes a command descriptor holding '
                                           'a taipan.udf.Operation'))
        operation = _serving(operations.create_operation, descriptor.command)
        ok = False
        try:
            _serving(operation.open)
            writer.begin(operation.output_schema)
            while True:
                try:
                    chunk = reader.read_chunk()
                except StopIteration:
                    break
                # No context.is_cancelled() here: it costs gRPC a trip through
                # its completion queue, some 80 µs a batch on two CPUs, and
                # the watchdog already asks it every _WATCH_INTERVAL.
                out = _serving(operation.process, chunk.data)
                if out is not None:
                    writer.write_batch(out)
            out = _serving(operation.finish)
            if out is not None:
                writer.write_batch(out)
            ok = True
        finally:
            if ok:
                _serving(operation.close)
            else:
                # The exchange's own error wins over one from close().
                try:
                    operation.close()
                except Exception as e:
                    log.warning('closing the operation after an error: %s', e)

    def _watch(self):
        while not self._stopping.wait(_WATCH_INTERVAL):
            with self._lock:
                for exchange in list(self._exchanges.values()):
                    if exchange.done or exchange.interrupted:
                        continue
                    try:
                        cancelled = exchange.context.is_cancelled()
                    except Exception:
                        continue
                    if cancelled:
                        exchange.interrupted = True
                        _set_async_exc(exchange.thread_id, ExchangeCancelled)
                        log.info('interrupting cancelled exchange %s', exchange.exchange_id)

    def _running(self, exchange_id):
        return any(e.exchange_id == exchange_id and not e.done
                   for e in self._exchanges.values())

    # Actions

    def list_actions(self, context):
        return [('describe', 'import module.attribute and return its FunctionSignature'),
                ('wait', 'wait until an exchange named by the taipan-exchange header ends')]

    def do_action(self, context, action):
        try:
            body = json.loads(action.body.to_pybytes() or b'{}')
        except ValueError as e:
            raise encode_error(TaipanError('action %s: the body is not JSON: %s'
                                           % (action.type, e))) from None
        if action.type == 'describe':
            return [self._describe(body)]
        if action.type == 'wait':
            return [self._wait(body)]
        raise encode_error(TaipanError('unknown action %r' % action.type))

    def _describe(self, body):
        target = body.get('target')
        try:
            sig = operations.describe_function(target, body.get('python_files') or ())
        except Exception as e:
            raise encode_error(e) from None
        return sig.SerializeToString()

    def _wait(self, body):
        exchange_id = body.get('exchange')
        deadline = time.monotonic() + float(body.get('timeout', 0))
        with self._lock:
            while self._running(exchange_id):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(left)
            running = self._running(exchange_id)
        return json.dumps({'running': running}).encode()

    def shutdown(self):
        self._stopping.set()
        super().shutdown()


def _watch_parent(server):
    """Ends the process when stdin, a pipe from the engine, reaches end of
    file: the engine has exited or closed it."""
    try:
        while os.read(0, 65536):
            pass
    except OSError:
        pass
    log.info('stdin closed: the engine is gone; exiting')
    logging.shutdown()
    os._exit(0)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m taipan.worker',
                                     description='Serve Taipan Python functions over Arrow '
                                                 'Flight on a Unix socket.')
    parser.add_argument('--socket', required=True, help='path of the Unix socket to listen on')
    parser.add_argument('--log-level', default=os.environ.get('TAIPAN_WORKER_LOG', 'WARNING'),
                        help='logging level (default WARNING, or $TAIPAN_WORKER_LOG)')
    args = parser.parse_args(argv)

    # Interrupts are the engine's business: it cancels calls itself, and a
    # worker must not die of a Ctrl-C meant for the shell.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    # Standard output belongs to nobody: a print() in a function must not
    # reach whatever the engine connected there.
    sys.stdout.flush()
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    logging.basicConfig(stream=sys.stderr, level=args.log_level.upper(),
                        format='taipan.worker[%(process)d] %(levelname)s %(message)s')
    path = os.path.abspath(args.socket)
    server = WorkerServer('grpc+unix://' + path)
    threading.Thread(target=_watch_parent, args=(server,), name='taipan-parent',
                     daemon=True).start()
    log.info('serving on grpc+unix://%s', path)
    server.serve()
    return 0


if __name__ == '__main__':
    sys.exit(main())
