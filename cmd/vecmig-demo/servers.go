package main

import (
	"context"
	"errors"
	"time"
)

// launchTwo starts two servers side by side. On error it stops the one
// that did start; otherwise the caller stops both.
func launchTwo[N any](ctx context.Context, launch func(context.Context) (N, error), stop func(N)) ([2]N, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
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
	var ok []int
	for i := range ch {
		l := <-ch[i]
		if l.err != nil {
			errs = append(errs, l.err)
			continue
		}
		nodes[i] = l.n
		ok = append(ok, i)
	}
	if len(errs) > 0 {
		for _, i := range ok {
			stop(nodes[i])
		}
		return nodes, errors.Join(errs...)
	}
	return nodes, nil
}
