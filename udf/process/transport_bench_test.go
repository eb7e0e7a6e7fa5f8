package process

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/flight"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// BenchmarkTransportFloor measures the floors under PROCESS mode's round
// trip: a 1-row batch sent by Go to a Python process that only echoes it,
// with no operation, through pyarrow.flight's DoExchange and Go's Flight
// client (flight/python-echo, the transport PROCESS mode uses) or through
// a plain Unix socket carrying an Arrow IPC stream each way
// (ipc-stream/python-echo, the alternative); and, for gRPC alone, a Go
// Flight echo server in this process (flight/go-echo).
//
//	go test -run '^$' -bench BenchmarkTransportFloor ./udf/process
func BenchmarkTransportFloor(b *testing.B) {
	in := int64Batch(memory.DefaultAllocator, []int64{1}, nil)
	defer in.Release()

	b.Run("flight/python-echo", func(b *testing.B) {
		sock := startEcho(b, flightEchoServer)
		benchFlight(b, sock, in)
	})
	b.Run("flight/go-echo", func(b *testing.B) {
		sock := filepath.Join(b.TempDir(), "echo.sock")
		lis, err := net.Listen("unix", sock)
		require.NoError(b, err)
		srv := flight.NewServerWithMiddleware(nil)
		srv.RegisterFlightService(&goEcho{})
		srv.InitListener(lis)
		go srv.Serve()
		defer srv.Shutdown()
		benchFlight(b, sock, in)
	})
	b.Run("ipc-stream/python-echo", func(b *testing.B) {
		sock := startEcho(b, ipcEchoServer)
		conn, err := net.Dial("unix", sock)
		require.NoError(b, err)
		defer conn.Close()
		s := newIPCExchange(conn, in.Schema())
		defer s.close()
		for n := 0; n < 200; n++ { // warm-up
			require.NoError(b, s.roundTrip(in))
		}
		b.ResetTimer()
		for n := 0; n < b.N; n++ {
			if err := s.roundTrip(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestIPCStreamEcho checks the prototype the floor benchmark measures: the
// batches come back whole, in order, over one connection.
func TestIPCStreamEcho(t *testing.T) {
	sock := startEcho(t, ipcEchoServer)
	conn, err := net.Dial("unix", sock)
	require.NoError(t, err)
	defer conn.Close()
	first := int64Batch(memory.DefaultAllocator, []int64{1}, nil)
	defer first.Release()
	s := newIPCExchange(conn, first.Schema())
	defer s.close()
	for n := 1; n <= 300; n += 37 {
		in := int64Batch(memory.DefaultAllocator, seq(n, n), nil)
		require.NoError(t, s.write(in))
		out, err := s.read()
		require.NoError(t, err)
		require.EqualValues(t, n, out.NumRows())
		require.Equal(t, int64s(t, in.Column(0)), int64s(t, out.Column(0)))
		in.Release()
	}
}

const flightEchoServer = `
import sys
import pyarrow.flight as flight

class Echo(flight.FlightServerBase):
    def do_exchange(self, context, descriptor, reader, writer):
        started = False
        for chunk in reader:
            if not started:
                writer.begin(chunk.data.schema)
                started = True
            writer.write_batch(chunk.data)

server = Echo('grpc+unix://' + sys.argv[1])
print('ready', flush=True)
server.serve()
`

const ipcEchoServer = `
import os, socket, sys
import pyarrow as pa

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(1)
print('ready', flush=True)
conn, _ = srv.accept()
source = conn.makefile('rb')
sink = conn.makefile('wb')
writer = None
for batch in pa.ipc.open_stream(source):
    if writer is None:
        writer = pa.ipc.new_stream(sink, batch.schema)
    writer.write_batch(batch)
    sink.flush()
`

// startEcho runs a Python echo server script on a fresh socket until the
// benchmark ends and returns the socket's path.
func startEcho(t testing.TB, script string) string {
	sock := filepath.Join(t.TempDir(), "echo.sock")
	cmd := exec.Command(python(t), "-c", script, sock)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "ready", strings.TrimSpace(line))
	return sock
}

func benchFlight(b *testing.B, sock string, in arrow.Record) {
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(b, err)
	defer conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := flight.NewClientFromConn(conn, nil).DoExchange(ctx)
	require.NoError(b, err)
	w := flight.NewRecordWriter(stream, ipc.WithSchema(in.Schema()))
	w.SetFlightDescriptor(&flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte("echo")})
	require.NoError(b, w.Write(in))
	r, err := flight.NewRecordReader(stream)
	require.NoError(b, err)
	defer r.Release()
	require.True(b, r.Next(), "%v", r.Err())
	roundTrip := func() {
		if err := w.Write(in); err != nil {
			b.Fatal(err)
		}
		if !r.Next() {
			b.Fatal(r.Err())
		}
	}
	for n := 0; n < 200; n++ { // warm-up
		roundTrip()
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		roundTrip()
	}
	b.StopTimer()
	require.NoError(b, w.Close())
	require.NoError(b, stream.CloseSend())
}

// goEcho is a Flight DoExchange echo in Go.
type goEcho struct{ flight.BaseFlightServer }

func (*goEcho) DoExchange(stream flight.FlightService_DoExchangeServer) error {
	r, err := flight.NewRecordReader(stream)
	if err != nil {
		if err == io.EOF {
			return nil
		}
		return err
	}
	defer r.Release()
	var w *flight.Writer
	for r.Next() {
		if w == nil {
			w = flight.NewRecordWriter(stream, ipc.WithSchema(r.Schema()))
			defer w.Close()
		}
		if err := w.Write(r.Record()); err != nil {
			return err
		}
	}
	return r.Err()
}

// ipcExchange is the prototype of a plain Arrow IPC stream each way over
// one Unix socket connection.
type ipcExchange struct {
	conn net.Conn
	buf  *bufio.Writer
	w    *ipc.Writer
	r    *ipc.Reader // made when the first reply arrives
}

func newIPCExchange(conn net.Conn, schema *arrow.Schema) *ipcExchange {
	buf := bufio.NewWriterSize(conn, 64<<10)
	return &ipcExchange{conn: conn, buf: buf, w: ipc.NewWriter(buf, ipc.WithSchema(schema))}
}

func (s *ipcExchange) write(rec arrow.Record) error {
	if err := s.w.Write(rec); err != nil {
		return err
	}
	return s.buf.Flush()
}

func (s *ipcExchange) read() (arrow.Record, error) {
	if s.r == nil {
		_ = s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		r, err := ipc.NewReader(bufio.NewReaderSize(s.conn, 64<<10))
		if err != nil {
			return nil, err
		}
		s.r = r
		_ = s.conn.SetReadDeadline(time.Time{})
	}
	if !s.r.Next() {
		if err := s.r.Err(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	return s.r.Record(), nil
}

func (s *ipcExchange) roundTrip(rec arrow.Record) error {
	if err := s.write(rec); err != nil {
		return err
	}
	_, err := s.read()
	return err
}

func (s *ipcExchange) close() {
	_ = s.w.Close()
	_ = s.buf.Flush()
	if s.r != nil {
		s.r.Release()
	}
}
