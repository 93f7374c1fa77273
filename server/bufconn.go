package server

import (
	"bufio"
	"net"
)

// bufListener buffers the reads of the connections it accepts. Go's
// HTTP/2 server reads each frame straight from the socket, its 9-byte
// header and then its payload, two system calls a frame; through a
// buffer, the frames that arrived together (a connection's many streams)
// are read with one. HTTP/1.1 reads through a buffer of its own, of
// bufSize: those reads, as any at least as large as the buffer when it is
// empty, go straight to the socket, copied once as before.
type bufListener struct{ net.Listener }

const bufSize = 4 << 10

func (l bufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &bufConn{Conn: c, r: bufio.NewReaderSize(c, bufSize)}, nil
}

type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// CloseWrite is the TCP connection's: net/http half-closes a connection
// it is done with.
func (c *bufConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
