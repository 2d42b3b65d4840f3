package faultproxy

import (
	"net"
	"sync"
)

// connListener remembers its open connections by remote address, so a
// handler can find the one its call arrived on (peer.FromContext) and
// break it.
type connListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[string]net.Conn
}

func newConnListener(ln net.Listener) *connListener {
	return &connListener{Listener: ln, conns: map[string]net.Conn{}}
}

func (l *connListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, owner: l}
	l.mu.Lock()
	l.conns[c.RemoteAddr().String()] = tc
	l.mu.Unlock()
	return tc, nil
}

// breakConn closes the connection from remote at once: with linger 0 the
// kernel sends a reset, as when a server crashes or a load balancer drops
// the connection. It reports whether there was such a connection.
func (l *connListener) breakConn(remote string) bool {
	l.mu.Lock()
	c, ok := l.conns[remote]
	l.mu.Unlock()
	if !ok {
		return false
	}
	if tc, ok := c.(*trackedConn).Conn.(*net.TCPConn); ok {
		tc.SetLinger(0) //nolint:errcheck // closing regardless
	}
	c.Close()
	return true
}

type trackedConn struct {
	net.Conn
	owner *connListener
	once  sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.owner.mu.Lock()
		delete(c.owner.conns, c.RemoteAddr().String())
		c.owner.mu.Unlock()
	})
	return c.Conn.Close()
}
