package testserver

import (
	"fmt"
	"net"
	"strconv"
)

// FreePorts returns distinct free TCP ports on 127.0.0.1: singles ports,
// then pairs of consecutive ports (p, p+1). Every listener is held until all
// ports are picked, so no two are the same.
func FreePorts(singles, pairs int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	listen := func(port int) (int, error) {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			return 0, err
		}
		ls = append(ls, l)
		return l.Addr().(*net.TCPAddr).Port, nil
	}
	var ports []int
	for range singles {
		p, err := listen(0)
		if err != nil {
			return nil, fmt.Errorf("testserver: find a free port on 127.0.0.1: %w", err)
		}
		ports = append(ports, p)
	}
	for got := 0; got < pairs; {
		p, err := listen(0)
		if err != nil {
			return nil, fmt.Errorf("testserver: find a free port on 127.0.0.1: %w", err)
		}
		if p == 65535 {
			continue
		}
		if _, err := listen(p + 1); err != nil {
			continue // taken: keep p held and try another
		}
		ports = append(ports, p, p+1)
		got++
	}
	return ports, nil
}
