package testserver

import (
	"context"
	"errors"
)

// LaunchTwo starts two servers side by side (a source and a target). On
// error it stops the one that did start; otherwise the caller stops both.
func LaunchTwo[N any](ctx context.Context, launch func(context.Context) (N, error), stop func(N)) ([2]N, error) {
	type launched struct {
		n   N
		err error
	}
	var ch [2]chan launched
	for i := range ch {
		ch[i] = make(chan launched, 1)
		go func() {
			n, err := launch(ctx)
			ch[i] <- launched{n, err}
		}()
	}
	var nodes [2]N
	var errs []error
	var started []int
	for i := range ch {
		l := <-ch[i]
		if l.err != nil {
			errs = append(errs, l.err)
			continue
		}
		nodes[i] = l.n
		started = append(started, i)
	}
	if len(errs) > 0 {
		for _, i := range started {
			stop(nodes[i])
		}
		return nodes, errors.Join(errs...)
	}
	return nodes, nil
}
