"""What a round trip between two processes costs on this machine, without
the engine: the floors under PROCESS mode's 1-row round trip.

    python transport_floor.py ping N     8 bytes there and back over a Unix socketpair
    python transport_floor.py flight N   a 1-row batch through a pyarrow.flight DoExchange
                                         echo server in another process, over a Unix socket
    python transport_floor.py serve-flight PATH   (the server of `flight`)

print the mean round trip in ns over N round trips, after a warm-up.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time


def ping(n):
    a, b = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        a.close()
        while True:
            m = b.recv(64)
            if not m:
                os._exit(0)
            b.sendall(m)
    b.close()
    for _ in range(1000):
        a.sendall(b'12345678')
        a.recv(64)
    t = time.perf_counter()
    for _ in range(n):
        a.sendall(b'12345678')
        a.recv(64)
    elapsed = time.perf_counter() - t
    a.close()
    os.waitpid(pid, 0)
    return elapsed / n


def serve_flight(path):
    import pyarrow.flight as fl

    class Echo(fl.FlightServerBase):
        def do_exchange(self, context, descriptor, reader, writer):
            started = False
            for chunk in reader:
                if not started:
                    writer.begin(chunk.data.schema)
                    started = True
                writer.write_batch(chunk.data)

    server = Echo(location='grpc+unix://' + path)
    print('ready', flush=True)
    server.serve()


def flight(n):
    import pyarrow as pa
    import pyarrow.flight as fl
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'echo.sock')
        server = subprocess.Popen([sys.executable, __file__, 'serve-flight', path],
                                  stdout=subprocess.PIPE, text=True)
        try:
            if server.stdout.readline().strip() != 'ready':
                raise RuntimeError('the Flight echo server did not start')
            client = fl.connect('grpc+unix://' + path)
            batch = pa.record_batch([pa.array([1], pa.int64())], names=['a0'])
            writer, reader = client.do_exchange(fl.FlightDescriptor.for_command(b'echo'))
            writer.begin(batch.schema)
            for _ in range(200):
                writer.write_batch(batch)
                reader.read_chunk()
            t = time.perf_counter()
            for _ in range(n):
                writer.write_batch(batch)
                reader.read_chunk()
            elapsed = time.perf_counter() - t
            writer.done_writing()
            while True:  # to the end of the server's stream
                try:
                    reader.read_chunk()
                except StopIteration:
                    break
            writer.close()
            client.close()
            return elapsed / n
        finally:
            server.kill()
            server.wait()


def main(argv):
    if argv[1] == 'serve-flight':
        serve_flight(argv[2])
        return
    n = int(argv[2])
    seconds = {'ping': ping, 'flight': flight}[argv[1]](n)
    print(seconds * 1e9)


if __name__ == '__main__':
    main(sys.argv)
